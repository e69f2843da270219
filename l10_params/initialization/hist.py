"""Histograms of parameter values: what an initializer drew (matplotlib imported on first use)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from .. import _gluon
from .._text import brief, format_shape
from .._validate import as_param_dict, number, require_params, require_target, require_values
from ..access import select as _select


def hist(net, select: Optional[str] = None, *, exclude: Optional[str] = None,
         by: str = "name", ax=None, bins: int = 50):
    """Draw one step histogram per selected parameter on ``ax`` and return the Axes.

    ``net`` is a Block, a ParameterDict or a Parameter; ``select``, ``exclude`` and ``by``
    choose as :func:`l10_params.select` does (a pattern matching nothing is a ``ValueError``).
    The values come from the first context's copy; NaN and inf entries cannot be placed on
    the axis and are counted in the legend instead. ``bins`` is a whole number >= 1 (a NumPy
    integer too; a float is a ``TypeError``). Nothing is shown: no ``plt.show()``.

    >>> import matplotlib
    >>> matplotlib.use('Agg')
    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> ax = hist(net, '.*weight', bins=20)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['dense0_weight (256, 20)', 'dense1_weight (10, 256)']
    """
    require_target(net)
    bins = number(bins, "bins", "hist", whole=True, low=1, note=", e.g. bins=50")
    net = as_param_dict(net)  # a Parameter, with or without select, as everywhere else
    require_params(net)
    params = list(_select(net, select, exclude=exclude, by=by).values())
    for p in params:
        require_values(p)
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (e.g. fig, ax = plt.subplots()), not "
                        f"{type(ax).__name__} ({brief(ax, 40)}); or leave ax out for a new figure")
    if ax is None:
        ax = plt.figure().add_subplot()
    values = [_gluon.first_copy(p).ravel().astype(np.float64) for p in params]
    finite = [v[np.isfinite(v)] for v in values]
    lo = min((float(v.min()) for v in finite if v.size), default=0.0)
    hi = max((float(v.max()) for v in finite if v.size), default=1.0)
    edges = np.linspace(lo, hi if hi > lo else lo + 1e-6, bins + 1)
    for p, v, f in zip(params, values, finite):
        odd = v.size - f.size  # NaN and inf have no place on the axis: counted in the label
        note = f", {odd} NaN/inf not shown" if odd else ""
        ax.hist(f, bins=edges, histtype="step", label=f"{p.name} {format_shape(p.shape)}{note}")
    ax.set_xlabel("value")
    ax.set_ylabel("count")
    # below the axes, so that the legend never covers the bars (inline figures are saved
    # with bbox_inches='tight', which keeps it in the picture)
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    return ax
