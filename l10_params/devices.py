"""Devices: choosing where parameters live (CPU, GPU, several devices) and the copies there.

The PyPI wheel of MXNet 1.9.1 is CPU-only; ``mx.gpu()`` there fails late, inside the first
operation, with an ``MXNetError``. ``resolve_ctx`` and its friends decide early and say why.
Several devices are testable without a GPU as ``[mx.cpu(0), mx.cpu(1)]``, which MXNet treats
as two devices (they are one physical CPU).

``net.initialize(ctx=[c0, c1])`` gives every parameter one copy per context
(``param.list_data()``). Gluon's ``Trainer`` keeps them identical: its KVStore sums the
gradients of all copies and writes the same update to each. ``replicas`` shows that they
agree, ``reset_ctx`` moves a net and proves that no value changed on the way, and
``check_forward_ctx`` says early when data and parameters live on different devices.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import List, Sequence, Tuple, Union

import mxnet as mx
from mxnet import gluon, nd

from . import _gluon, _values
from ._table import Table
from ._text import brief, format_shape
from ._validate import (
    number,
    require_initialized,
    require_net,
    require_params,
    require_target,
    require_values,
)

ENV_VAR = "L10_PARAMS_CTX"
CtxSpec = Union[None, str, mx.Context, Sequence[Union[str, mx.Context]]]

# 'cpu', 'gpu:1', and also 'cpu(1)', the way MXNet prints a Context.
_SPEC = re.compile(r"^(?P<kind>[a-z_]+)(?:(?::(?P<i1>[^()]*))|(?:\((?P<i2>[^()]*)\)))?$")
_HINT = "use 'auto', 'cpu', 'gpu', 'gpu:1' or a comma-separated list such as 'cpu:0,cpu:1'"
# MXNet's CPU devices are logical (any index runs on this machine's cores), but its engine
# keeps a table of worker pools indexed by device id: cpu(10**9) asks it for a billion
# slots and hangs. No lecture needs more than a few; indices up to CPU_LIMIT - 1 are allowed.
CPU_LIMIT = 64


class Contexts(list):
    """A list of ``mx.Context`` that also says how it was chosen (``.reason``).

    >>> ctx = Contexts([mx.cpu()], "asked for 'cpu'")
    >>> ctx, ctx.reason
    ([cpu(0)], "asked for 'cpu'")
    """

    def __init__(self, ctxs=(), reason: str = ""):
        super().__init__(ctxs)
        self.reason = reason


def cuda_in_build() -> bool:
    """True when the installed MXNet was built with CUDA (the PyPI wheel is not).

    >>> cuda_in_build() or num_gpus() == 0  # without CUDA in the build, no GPU is usable
    True
    """
    return bool(mx.runtime.Features().is_enabled("CUDA"))


def num_gpus() -> int:
    """GPUs this build of MXNet can use on this machine (0 on a CPU-only build).

    >>> num_gpus() == sum(c.device_type == 'gpu' for c in try_all_gpus())
    True
    """
    if not cuda_in_build():
        return 0
    try:
        return mx.context.num_gpus()
    except mx.MXNetError:  # pragma: no cover - a CUDA build without a driver
        return 0


def try_gpu(i: int = 0) -> mx.Context:
    """``mx.gpu(i)`` if this build and machine have more than ``i`` GPUs, else ``mx.cpu()``.

    >>> try_gpu() == (mx.gpu(0) if num_gpus() > 0 else mx.cpu())
    True
    >>> try_gpu(-1)
    Traceback (most recent call last):
    ...
    ValueError: try_gpu: i=-1 must be a whole number >= 0 (a GPU index such as 0 or 1)
    """
    i = number(i, "i", "try_gpu", whole=True, low=0, note=" (a GPU index such as 0 or 1)")
    return mx.gpu(i) if num_gpus() > i else mx.cpu()


def try_all_gpus() -> List[mx.Context]:
    """Every GPU, or ``[mx.cpu()]`` when there is none.

    >>> try_all_gpus() == ([mx.gpu(i) for i in range(num_gpus())] or [mx.cpu()])
    True
    """
    n = num_gpus()
    return [mx.gpu(i) for i in range(n)] if n else [mx.cpu()]


def _no_gpu_reason() -> str:
    if not cuda_in_build():
        return ("the installed MXNet build has no CUDA (the PyPI wheel mxnet==1.9.1 is CPU-only), "
                "so no GPU can be used")
    return "this machine has no GPU that MXNet can see (mx.context.num_gpus() is 0)"


def _check_gpu(i: int, spec) -> None:
    """Raise ValueError unless GPU ``i`` exists for this build and machine."""
    n = num_gpus()
    if n == 0:
        raise ValueError(
            f"context {spec!r} asks for a GPU, but {_no_gpu_reason()}; "
            "use 'auto' (GPU when there is one, else the CPU) or 'cpu'"
        )
    if i >= n:
        raise ValueError(
            f"context {spec!r} asks for GPU {i}, but this machine has {n} GPU(s): "
            f"gpu:0 to gpu:{n - 1}; use one of those or 'auto'"
        )


def _parse_one(spec: str) -> mx.Context:
    text = spec.strip().lower()
    m = _SPEC.match(text)
    if not m or m["kind"] not in ("cpu", "gpu"):
        raise ValueError(f"context {spec!r} is not understood; {_HINT}")
    kind, index = m["kind"], (m["i1"] if m["i1"] is not None else m["i2"])
    index = "0" if index is None else index.strip()
    if not index.isdigit():
        raise ValueError(
            f"context {spec!r} has device index {index!r}, which is not a whole number "
            f"≥ 0; write it as '{kind}:0' or '{kind}:1'"
        )
    return _checked(mx.Context(kind, int(index)), spec)


def _checked(c: mx.Context, spec) -> mx.Context:
    """``c`` if this build and machine can use it, else a ValueError naming it and the fix."""
    kind, i = c.device_type, c.device_id
    if kind not in ("cpu", "gpu"):
        raise ValueError(f"context {spec!r} has device type {kind!r}; parameters live on "
                         "'cpu' or 'gpu' devices: use mx.cpu(0) or mx.gpu(0) ('cpu', 'gpu:0')")
    if i < 0:
        raise ValueError(f"context {spec!r} has device index {i}, which is negative; "
                         f"indices count from 0: use mx.{kind}(0) or '{kind}:0'")
    if kind == "gpu":
        _check_gpu(i, spec)
    elif i >= CPU_LIMIT:
        raise ValueError(f"context {spec!r} asks for CPU device {i}; MXNet's CPU devices are "
                         f"logical, and l10_params allows cpu:0 to cpu:{CPU_LIMIT - 1} (MXNet "
                         "sizes its engine tables by the index); use e.g. 'cpu:0,cpu:1'")
    return c


def _auto(source: str) -> Contexts:
    n = num_gpus()
    if n:
        gpus = [mx.gpu(i) for i in range(n)]
        return Contexts(gpus, f"auto ({source}): {n} GPU(s) found, using "
                              + ", ".join(map(str, gpus)))
    return Contexts([mx.cpu()], f"auto ({source}): no GPU, {_no_gpu_reason()}; using cpu(0)")


def _resolve(spec, source: str) -> Contexts:
    if isinstance(spec, str):
        if spec.strip().lower() == "auto":
            return _auto(source)
        parts = spec.split(",")
        if not spec.strip() or any(not s.strip() for s in parts):
            raise ValueError(
                f"context {spec!r} has an empty entry; write e.g. 'cpu', 'gpu:0' or 'cpu:0,cpu:1'"
            )
        items: list = parts
    elif isinstance(spec, mx.Context):
        items = [spec]
    elif isinstance(spec, (list, tuple)):
        if not spec:
            raise ValueError("an empty list of contexts; give at least one, e.g. [mx.cpu()]")
        items = list(spec)
    else:
        raise TypeError(
            f"ctx must be a string such as 'cpu' or 'gpu:0', an mx.Context or a list of them, "
            f"not {type(spec).__name__} ({brief(spec)})"
        )
    out: List[mx.Context] = []
    for item in items:
        if isinstance(item, mx.Context):
            c = _checked(item, item)
        elif isinstance(item, str):
            if item.strip().lower() == "auto":
                raise ValueError(f"'auto' cannot be part of a list ({spec!r}); use 'auto' alone")
            c = _parse_one(item)
        else:
            raise TypeError(
                f"each context must be a string such as 'cpu:0' or an mx.Context, "
                f"not {type(item).__name__} ({brief(item)})"
            )
        if c in out:
            raise ValueError(f"context {c} is listed twice in {spec!r}; list each device once")
        out.append(c)
    return Contexts(out, f"{', '.join(map(str, out))} ({source})")


def resolve_ctx(spec: CtxSpec = None) -> Contexts:
    """Turn a context spec into a list of contexts, checking that each one can be used.

    ``spec`` is ``'auto'`` (the default: every GPU when there is one, else the CPU),
    ``'cpu'``, ``'gpu'``, ``'gpu:1'``, ``'cpu:0,cpu:1'`` (``'cpu(1)'`` as MXNet prints it
    works too), an ``mx.Context`` or a list of these. ``None`` reads the ``L10_PARAMS_CTX``
    environment variable, then ``'auto'``; an explicit argument always wins over the
    variable. The result's ``.reason`` says what was chosen and why. Nothing runs on the
    chosen devices: asking for a GPU this build or machine lacks is a ``ValueError`` here,
    not an ``MXNetError`` at the first operation.

    >>> resolve_ctx('cpu:0,cpu:1')
    [cpu(0), cpu(1)]
    >>> resolve_ctx(mx.cpu(1)).reason
    'cpu(1) (argument)'
    >>> resolve_ctx('auto') == try_all_gpus()
    True
    >>> resolve_ctx(mx.cpu(-1))
    Traceback (most recent call last):
    ...
    ValueError: context cpu(-1) has device index -1, which is negative; ...
    >>> resolve_ctx('tpu')
    Traceback (most recent call last):
    ...
    ValueError: context 'tpu' is not understood; use 'auto', 'cpu', 'gpu', ...
    """
    if isinstance(spec, Contexts) and spec.reason:
        return Contexts(_resolve(list(spec), "argument"), spec.reason)
    if spec is not None:
        return _resolve(spec, "argument")
    env = os.environ.get(ENV_VAR, "").strip()
    if not env:
        return _auto("default")
    try:
        return _resolve(env, f"${ENV_VAR}")
    except ValueError as e:
        raise ValueError(
            f"${ENV_VAR}={env!r} is not usable: {e}; fix the variable or unset it"
        ) from None


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


def _initialized(net, what: str):
    """[(Parameter, paths)] for every distinct parameter; RuntimeError unless all have values."""
    require_target(net, what)
    require_params(net, what)
    items = list(_gluon.unique_params(net).values())
    for p, paths in items:
        require_values(p, paths[0])
    return items


_max_abs = _values.max_change  # NaN against NaN is no difference, NaN against 1 is inf


def replicas(net) -> Table:
    """Each context's copy of each parameter, compared with the copy on the first context.

    One row per parameter and context (tied parameters once): the context, the shape, the
    largest absolute difference from the first context's copy, and whether the two are
    identical entry by entry. ``net`` is a net, a ParameterDict or one Parameter.

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
    for p, paths in _initialized(net, "net"):
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


def require_runnable(net: gluon.Block) -> None:
    """``RuntimeError`` (the one 'no values yet' wording) when a parameter of ``net`` was never
    initialized: ``net(X)`` cannot run. A deferred one is fine: the forward infers its shape."""
    for p, paths in _gluon.unique_params(net).values():
        require_initialized(p, paths[0])


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
    lives where and the fix instead of an error from deep inside MXNet. A net with a
    parameter never initialized cannot run anywhere: ``RuntimeError`` (a deferred one can:
    the first forward infers its shape).

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
    require_runnable(net)
    msg = forward_ctx_error(net, X)
    if msg:
        raise ValueError(msg)
    return X.context
