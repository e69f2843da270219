"""Histograms of parameter values (matplotlib is imported only when a plot is drawn)."""
from __future__ import annotations

from typing import Optional

import numpy as np
from mxnet import gluon

from . import _gluon
from ._text import format_shape
from ._validate import require_target
from .selection import select as _select


def hist(net, select: Optional[str] = None, *, ax=None, bins: int = 50):
    """Draw one step histogram per selected parameter on ``ax`` and return the Axes.

    ``net`` is a Block, a ParameterDict or a Parameter; ``select`` is Gluon's pattern
    (through :func:`l10_params.select`, so a pattern matching nothing is a ``ValueError``).
    The values come from the first context's copy. Nothing is shown: no ``plt.show()``.

    >>> import matplotlib
    >>> matplotlib.use('Agg')
    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> ax = hist(net, '.*weight', bins=20)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['dense0_weight (256, 20)', 'dense1_weight (10, 256)']
    """
    require_target(net)
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive int such as 50, not {bins!r}")
    if select is not None:
        if isinstance(net, gluon.Parameter):
            raise ValueError("select applies to a net or a ParameterDict, not to one Parameter; "
                             "drop select or pass the net")
        params = list(_select(net, select).values())
    else:
        params = list(_gluon.iter_params(net))
    for p in params:
        if _gluon.state(p) != _gluon.INITIALIZED:
            raise RuntimeError(f"parameter {p.name!r} is {_gluon.state(p)}: no values to plot "
                               "yet; initialize the net and run one forward pass first")
    import matplotlib.pyplot as plt

    if ax is None:
        ax = plt.figure().add_subplot()
    values = [_gluon.first_copy(p).ravel() for p in params]
    lo = min(float(v.min()) for v in values)
    hi = max(float(v.max()) for v in values)
    edges = np.linspace(lo, hi if hi > lo else lo + 1e-6, bins + 1)
    for p, v in zip(params, values):
        ax.hist(v, bins=edges, histtype="step", label=f"{p.name} {format_shape(p.shape)}")
    ax.set_xlabel("value")
    ax.set_ylabel("count")
    ax.legend(fontsize="small")
    return ax
