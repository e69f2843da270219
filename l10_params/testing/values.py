"""Claims about values: initialized, drawn by an initializer, equal between two nets."""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np
from mxnet import gluon

from .. import _values as _cmp
from .._validate import number, require_target, require_values
from ..editing import Snapshot, snapshot
from ..initialization import check_init
from ..initialization.plan import describe
from ..summary import summary
from ._common import chosen, labels


def assert_initialized(net) -> None:
    """Every parameter has values: none deferred (shape unknown), none never initialized.

    >>> from l10_params import fresh_names
    >>> from mxnet.gluon import nn
    >>> with fresh_names():
    ...     net = nn.Dense(4)
    >>> net.initialize()
    >>> assert_initialized(net)
    Traceback (most recent call last):
    ...
    AssertionError: 1 of 2 parameters have no values yet: deferred: dense0_weight (weight) \
shape (4, ?); run one forward pass, e.g. net(X), so Gluon learns the input size
    >>> from mxnet import nd
    >>> _ = net(nd.ones((2, 3)))
    >>> assert_initialized(net)
    """
    require_target(net, "net")
    rows = summary(net).rows
    groups = {"deferred": [], "uninitialized": []}
    for r in rows:
        if r.state in groups:
            label = r.name if r.paths[0] == r.name else f"{r.name} ({', '.join(r.paths)})"
            groups[r.state].append(f"{label} shape {r.shape}")
    if any(groups.values()):
        fixes = {"deferred": "run one forward pass, e.g. net(X), so Gluon learns the "
                 "input size", "uninitialized": "call net.initialize() (then net(X) once)"}
        lines = [f"{st}: {', '.join(names)}; {fixes[st]}" for st, names in groups.items() if names]
        bad = sum(map(len, groups.values()))
        raise AssertionError(f"{bad} of {len(rows)} parameters have no values yet: "
                             + "\n".join(lines))


def assert_init_matches(net, init, select: Optional[str] = None, *,
                        exclude: Optional[str] = None, by: str = "name") -> None:
    """Every selected parameter's values look like ``init``'s, judged by :func:`check_init`.

    ``net`` is a net, a ParameterDict or one Parameter; ``select``, ``exclude`` and ``by``
    choose as :func:`l10_params.select` does.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> assert_init_matches(net, 'uniform', select='.*weight')
    >>> assert_init_matches(net[0], 'ones')
    Traceback (most recent call last):
    ...
    AssertionError: 2 of 2 parameters do not look like One(): ...
      FAIL dense0_bias ~ One(): 256 of 256 values differ from 1 (min 0, max 0) ...
    """
    params = chosen(net, select, "net", exclude=exclude, by=by)
    names, fails, what = labels(net), [], describe(init)
    where = {r.name: r.path for r in summary(net).rows}
    for p in params:  # no values yet: the one RuntimeError, before any check runs
        require_values(p, where.get(p.name))
    for p in params:
        c = check_init(p, init)
        what = c.initializer
        if not c.passed:
            fails.append(f"  {c} [{names[p.name]}]")
    if fails:
        raise AssertionError(f"{len(fails)} of {len(params)} parameters do not look like "
                             f"{what}:\n" + "\n".join(fails) + "\nexplain_init(net) shows which "
                             "initializer each parameter got; re-run it with reinitialize(...)")


def _values(x, select=None, exclude=None, by="name"
            ) -> "Dict[str, Optional[Dict[str, np.ndarray]]]":
    """Structural path -> {context: NumPy copy} (None without values), from a net or Snapshot."""
    return (x if isinstance(x, Snapshot) else snapshot(x)).by_path(select, exclude=exclude,
                                                                    by=by)


def assert_params_equal(a, b, select: Optional[str] = None, *, exclude: Optional[str] = None,
                        by: str = "name", rtol: float = 1e-6, atol: float = 0.0) -> None:
    """``a`` and ``b`` (nets, layers, Parameters or Snapshots) hold the same values.

    Parameters pair up by structural path (``'0.weight'``); every context's copy is
    compared (``|a - b| <= atol + rtol * |b|``; NaN equals NaN, and differs from any
    number), a context one side lacks against that
    side's first copy. ``select``, ``exclude`` and ``by`` choose by the names (or paths)
    of ``a`` (of ``b`` if ``a`` is a Snapshot and ``b`` is not), as
    :func:`l10_params.select` does. The message lists missing paths, shapes that
    differ and, per path, how many values differ and the largest difference and where.

    >>> from l10_params import lecture_mlp
    >>> a, X = lecture_mlp(ctx='cpu', seed=0)
    >>> b, _ = lecture_mlp(ctx='cpu:0,cpu:1', seed=0)
    >>> assert_params_equal(a, b)
    >>> b[1].bias.list_data()[1][3] += 0.5
    >>> assert_params_equal(a, b, select='.*bias')
    Traceback (most recent call last):
    ...
    AssertionError: parameters differ (rtol=1e-06, atol=0): largest |a - b| = 0.5 at 1.bias \
[3] on cpu(1) (a 0, b 0.5)
      1.bias on cpu(1): 1 of 10 values differ, largest 0.5 at [3]
    to make b equal a, copy_params(a, b); ...
    """
    rtol = number(rtol, "rtol", "assert_params_equal", low=0)
    atol = number(atol, "atol", "assert_params_equal", low=0)
    for x, side in ((a, "a"), (b, "b")):
        if not isinstance(x, (gluon.Block, gluon.ParameterDict, gluon.Parameter, Snapshot)):
            raise TypeError(f"assert_params_equal takes nets, layers, Parameters or Snapshots, "
                            f"not {type(x).__name__} as {side}"
                            + (": pass the Parameter (net[0].weight), not its values "
                               "(net[0].weight.data())" if hasattr(x, "asnumpy") else ""))
    ref = b if isinstance(a, Snapshot) and not isinstance(b, Snapshot) else a
    keep = (_values(ref, select, exclude, by)
            if select is not None or exclude is not None else None)
    va, vb = ({k: v for k, v in _values(x, None).items() if keep is None or k in keep}
              for x in (a, b))
    if isinstance(a, gluon.Parameter) and isinstance(b, gluon.Parameter):
        va, vb = {"value": next(iter(va.values()))}, {"value": next(iter(vb.values()))}
    lines = [f"{k}: in a but not in b" for k in va if k not in vb]
    lines += [f"{k}: in b but not in a" for k in vb if k not in va]
    worst = (0.0, "")
    for key in (k for k in va if k in vb):
        ca, cb = va[key], vb[key]
        if ca is None or cb is None:
            side = "a" if ca is None else "b"
            lines.append(f"{key}: no values in {side} (deferred or never initialized); "
                         "initialize it and run one forward pass first")
            continue
        for ctx in dict.fromkeys(list(ca) + list(cb)):
            x, y = ca.get(ctx, next(iter(ca.values()))), cb.get(ctx, next(iter(cb.values())))
            if x.shape != y.shape:
                lines.append(f"{key}: shape {x.shape} in a, {y.shape} in b")
                break
            d = _cmp.abs_change(x, y)  # NaN against NaN: 0; against a number: inf
            bad = _cmp.differ_mask(x, y, rtol=rtol, atol=atol)
            if bad.any():
                flat = int(np.argmax(np.where(bad, d, -1.0)))
                # Python ints: NumPy 2 writes its own integers in a list as np.int64(3)
                at = tuple(int(i) for i in np.unravel_index(flat, d.shape))
                where = f"{key} {list(at)} on {ctx} (a {x[at]:.6g}, b {y[at]:.6g})"
                worst = max(worst, (float(d[at]), where))
                lines.append(f"{key} on {ctx}: {int(bad.sum())} of {bad.size} values differ, "
                             f"largest {float(d[at]):.6g} at {list(at)}")
    if lines:
        head = f"parameters differ (rtol={rtol:g}, atol={atol:g})"
        if worst[1]:
            head += f": largest |a - b| = {worst[0]:.6g} at {worst[1]}"
        raise AssertionError(head + "\n  " + "\n  ".join(lines) + "\nto make b equal a, "
                             "copy_params(a, b); for rounding noise, raise rtol or atol")
