"""One parameter, several devices: the copies (replicas) Gluon keeps on each context.

``net.initialize(ctx=[c0, c1])`` gives every parameter one copy per context
(``param.list_data()``). Gluon's ``Trainer`` keeps them identical: its KVStore sums the
gradients of all copies and writes the same update to each. ``replicas`` shows that they
agree, ``reset_ctx`` moves a net and proves that no value changed on the way, and
``check_forward_ctx`` says early when data and parameters live on different devices.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import mxnet as mx
from mxnet import gluon, nd

from . import _gluon, _values
from ._table import Table
from ._text import format_shape
from ._validate import require_net, require_params, require_target, require_values
from .contexts import CtxSpec, resolve_ctx


@dataclass(frozen=True)
class ReplicaRow:
    name: str
    paths: Tuple[str, ...]
    context: str
    shape: str
    max_diff: float
    identical: bool


@dataclass(frozen=True)
class MoveRow:
    name: str
    paths: Tuple[str, ...]
    shape: str
    before: Tuple[str, ...]
    after: Tuple[str, ...]
    max_change: float
    unchanged: bool


def _initialized(target, what: str):
    """[(Parameter, paths)] for every distinct parameter; RuntimeError unless all have values."""
    require_target(target, what)
    require_params(target, what)
    items = list(_gluon.unique_params(target).values())
    for p, paths in items:
        require_values(p, paths[0])
    return items


_max_abs = _values.max_change  # NaN against NaN is no difference, NaN against 1 is inf


def replicas(target) -> Table:
    """Each context's copy of each parameter, compared with the copy on the first context.

    One row per parameter and context (tied parameters once): the context, the shape, the
    largest absolute difference from the first context's copy, and whether the two are
    identical entry by entry. ``target`` is a Parameter, a ParameterDict or a net.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu:0,cpu:1', seed=0)
    >>> t = replicas(net[0].weight)
    >>> print(t)
    Replicas of 1 parameter(s) on 2 context(s)
    name           context  shape      max |diff|  identical
    -------------  -------  ---------  ----------  ---------
    dense0_weight  cpu(0)   (256, 20)           0  yes
    dense0_weight  cpu(1)   (256, 20)           0  yes
    all replicas identical
    >>> all(r.identical for r in replicas(net))
    True
    """
    rows = []
    ctxs = set()
    for p, paths in _initialized(target, "target"):
        copies = list(_gluon.copies(p).items())
        first = copies[0][1]
        for c, a in copies:
            ctxs.add(c)
            rows.append(ReplicaRow(p.name, tuple(paths), c, format_shape(p.shape),
                                   _max_abs(a, first), _values.same(a, first)))
    differ = sorted({r.name for r in rows if not r.identical})
    footer = (f"{len(differ)} parameter(s) differ between contexts: {', '.join(differ)}"
              if differ else "all replicas identical")
    n = len({r.name for r in rows})
    return Table(rows, title=f"Replicas of {n} parameter(s) on {len(ctxs)} context(s)",
                 columns=[("name", "name"), ("context", "context"), ("shape", "shape"),
                          ("max_diff", "max |diff|"), ("identical", "identical")],
                 footer=[footer])


def reset_ctx(net, ctx: CtxSpec = None) -> Table:
    """Move every parameter to ``ctx`` with Gluon's ``collect_params().reset_ctx`` and check it.

    Every value is copied before the move and compared after it (a NaN stays a NaN: that
    is no change); a change puts every parameter back where it was and raises
    ``RuntimeError``. Nothing moves when a parameter is deferred or uninitialized (no values
    to move yet: ``RuntimeError``) or when its replicas differ (Gluon would silently average
    them: ``ValueError``). Gradients come back as zeros on the new contexts; build the
    ``Trainer`` after moving. ``ctx`` goes through ``resolve_ctx``.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu:0,cpu:1', seed=0)
    >>> t = reset_ctx(net, 'cpu:1')
    >>> t[0].before, t[0].after, t[0].unchanged
    (('cpu(0)', 'cpu(1)'), ('cpu(1)',), True)
    >>> net[0].weight.list_ctx()
    [cpu(1)]
    """
    ctx = resolve_ctx(ctx)
    items = _initialized(net, "net")
    before = {}
    for p, paths in items:
        if isinstance(_gluon.first_array(p), nd.sparse.RowSparseNDArray):
            raise ValueError(
                f"{p.name!r} ({paths[0]}) is row_sparse: Gluon's reset_ctx gathers its copies "
                "through its Trainer (without one it fails half-way), which reset_ctx cannot "
                "check; create the gluon.Trainer, then call net.collect_params().reset_ctx(...)")
        copies = list(_gluon.copies(p).values())
        for c, a in zip(p.list_ctx()[1:], copies[1:]):
            if not _values.same(a, copies[0]):
                raise ValueError(
                    f"the copies of {p.name!r} ({paths[0]}) differ between "
                    f"{p.list_ctx()[0]} and {c} (max |diff| {_max_abs(a, copies[0]):.3g}); "
                    "Gluon's reset_ctx would average them; see replicas(net), run trainer.step "
                    "to sync them, or call net.collect_params().reset_ctx(...) "
                    "if averaging is meant"
                )
        before[id(p)] = (list(p.list_ctx()), copies[0])
    # Gluon's own call, parameter by parameter (a net's collect_params() would miss a
    # Parameter stored only as an attribute): every copy becomes the first context's.
    mended = []
    for p, paths in items:
        p.reset_ctx(list(ctx))
        old = before[id(p)][1]
        if len(before[id(p)][0]) > 1 and not all(
                _values.same(a, old) for a in _gluon.copies(p).values()):
            # Gluon averages the copies: (x + x) / 2 overflows float16 near 65504 and can
            # round; they were identical (checked above), so the value is written back.
            p.set_data(_gluon.new_array(old, dtype=old.dtype))
            mended.append(f"{p.name} ({paths[0]})")
    rows = []
    for p, paths in items:
        where, old = before[id(p)]
        new = list(_gluon.copies(p).values())
        change = max(_max_abs(a, old) for a in new)
        same = p.list_ctx() == list(ctx) and all(
            _values.same(a, old) and a.dtype == old.dtype for a in new)
        if not same:
            _put_back(items, before)
            raise RuntimeError(
                f"moving {p.name!r} ({paths[0]}) to {list(ctx)} did not keep its values "
                f"(max |change| {change:.3g}); every parameter was put back where it was; "
                "please report this with your MXNet version"
            )
        rows.append(MoveRow(p.name, tuple(paths), format_shape(p.shape),
                            tuple(str(c) for c in where),
                            tuple(str(c) for c in ctx), change, same))
    return Table(rows, title=f"Moved {len(rows)} parameter(s) to {', '.join(map(str, ctx))}",
                 columns=[("name", "name"), ("shape", "shape"), ("before", "from"),
                          ("after", "to"), ("max_change", "max |change|"),
                          ("unchanged", "unchanged")],
                 footer=["every value moved unchanged"] + [
                     f"Gluon's reset_ctx averages the copies, which changed {', '.join(mended)}"
                     " (overflow or rounding): the values were written back exactly"] * bool(
                     mended))


def _put_back(items, before) -> None:
    for p, _ in items:
        where, old = before[id(p)]
        p.reset_ctx(where)
        p.set_data(_gluon.new_array(old, dtype=old.dtype))


def forward_ctx_error(net: gluon.Block, X) -> "str | None":
    """A sentence saying why ``net(X)`` would fail on contexts, or None when it can run.

    The data must sit on a context where every initialized parameter has a copy.
    """
    ctx = getattr(X, "context", None)
    if ctx is None:
        return None
    for path, p in _gluon.param_paths(net).items():
        where = _gluon.contexts(p)
        if where and ctx not in where:
            return (
                f"the data is on {ctx} but parameter {p.name!r} ({path}) lives on {where}; "
                f"move the data with X.as_in_context({where[0]}) "
                f"or the net with net.collect_params().reset_ctx({ctx})"
            )
    return None


def check_forward_ctx(net: gluon.Block, X) -> mx.Context:
    """Raise ``ValueError`` unless ``net(X)`` can run where ``X`` lives; return that context.

    Helpers that run a forward pass call this first, so a student reads which parameter
    lives where and the fix instead of an error from deep inside MXNet.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu:0', seed=0)
    >>> check_forward_ctx(net, X)
    cpu(0)
    >>> check_forward_ctx(net, X.as_in_context(mx.cpu(1)))
    Traceback (most recent call last):
    ...
    ValueError: the data is on cpu(1) but parameter 'dense0_weight' (0.weight) lives on ...
    """
    require_net(net, call="check_forward_ctx")
    if not _gluon.is_mx_array(X):
        raise TypeError(f"X must be an MXNet array (mx.nd or mx.np), not {type(X).__name__}; "
                        "build it with nd.array(...) or nd.random.uniform(...)")
    msg = forward_ctx_error(net, X)
    if msg:
        raise ValueError(msg)
    return X.context
