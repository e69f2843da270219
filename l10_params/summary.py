"""summary(): one row per unique Parameter, as text for the terminal and HTML for Jupyter."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Tuple

import numpy as np

from . import _gluon
from ._table import Table
from ._text import format_shape
from ._validate import require_target
from .selection import select as _select

_CHUNK = 1 << 17  # values per block: a block and its work copy stay in cache (measured best)


@dataclass(frozen=True)
class Row:
    """One Parameter: its Gluon name, where it sits (paths) and what it holds."""

    name: str
    path: str
    paths: Tuple[str, ...]
    shape: str
    dtype: str
    size: Optional[int]
    state: str
    grad_req: str
    lr_mult: float
    wd_mult: float
    contexts: Tuple[str, ...]
    tied_to: Tuple[str, ...]
    mean: Optional[float] = None
    std: Optional[float] = None
    min: Optional[float] = None
    max: Optional[float] = None
    zeros: Optional[float] = None
    grad_norm: Optional[float] = None
    grad_mean_abs: Optional[float] = None


class Summary(Table):
    """The result of :func:`summary`: ``.rows``, ``.total``, ``.trainable``, ``str()``, HTML."""

    def __init__(self, rows, *, title, stats, grads=False):
        self.total = sum(r.size or 0 for r in rows)
        self.trainable = sum(r.size or 0 for r in rows if r.grad_req != "null")
        unknown = [r.name for r in rows if r.size is None]
        cols = [("path", "path"), ("name", "name"), ("shape", "shape"), ("size", "size"),
                ("state", "state"), ("grad_req", "grad_req")]
        if any(r.lr_mult != 1 or r.wd_mult != 1 for r in rows):
            cols += [("lr_mult", "lr_mult"), ("wd_mult", "wd_mult")]
        if any(r.dtype != "float32" for r in rows):
            cols.insert(3, ("dtype", "dtype"))
        cols.append(("contexts", "ctx"))
        if any(r.tied_to for r in rows):
            cols.append(("tied_to", "tied to"))
        if stats:
            cols += [(k, k) for k in ("mean", "std", "min", "max", "zeros")]
        if grads:
            cols += [("grad_norm", "|grad|"), ("grad_mean_abs", "mean |grad|")]
        footer = [f"Total: {self.total:,} values in {len(rows)} parameters"
                  + (" (a tied parameter counted once)" if any(r.tied_to for r in rows) else "")
                  + f"; trainable: {self.trainable:,}"]
        if unknown:
            footer.append(f"Not counted: {len(unknown)} parameter(s) of unknown size "
                          f"({', '.join(unknown[:3])}{', ...' if len(unknown) > 3 else ''}); "
                          "their input size is inferred at the first forward pass")
        if grads and any(r.grad_norm is None for r in rows):
            footer.append("|grad| '-': no gradient to show (grad_req 'null', no values yet, or "
                          "no backward has written it since it was attached or used by a step)")
        super().__init__(rows, title=title, columns=cols, footer=footer)


def _blocks(flat: np.ndarray):
    """``flat`` in float64 blocks of ``_CHUNK`` values (no float64 copy of the whole array)."""
    for i in range(0, flat.size, _CHUNK):
        yield flat[i:i + _CHUNK].astype(np.float64)


class _Scratch:
    """Cache-sized work blocks (float32, float64, flags), reused by every array of a summary."""

    def __init__(self):
        self.blocks = {np.dtype(np.float32): np.empty(_CHUNK, np.float32),
                       np.dtype(np.float64): np.empty(_CHUNK, np.float64)}
        self.flags = np.empty(_CHUNK, np.bool_)


def _stats(p, scratch: _Scratch) -> dict:
    """mean, std, min, max, fraction of zeros in one pass over cache-sized blocks (``_pass``)."""
    if _gluon.state(p) != _gluon.INITIALIZED:
        return {}
    a = _gluon.first_copy(p).reshape(-1)
    n = a.size
    if n == 0:
        return {}
    f64 = scratch.blocks[np.dtype(np.float64)]
    shift, s, ss, lo, hi, zeros = _pass(a, scratch.blocks.get(a.dtype, f64), scratch.flags)
    if math.isinf(ss) and math.isfinite(lo) and math.isfinite(hi) and a.dtype != f64.dtype:
        shift, s, ss, lo, hi, zeros = _pass(a, f64, scratch.flags)  # float32 squares overflowed
    m = s / n
    return dict(mean=shift + m, std=math.sqrt(max(ss / n - m * m, 0.0)), min=lo, max=hi,
                zeros=zeros / n)


def _pass(a: np.ndarray, work: np.ndarray, flags: np.ndarray):
    """Sums of ``d`` and ``d * d`` with float64 accumulators (``np.add.reduce(d,
    dtype=np.float64)``: no float64 copy), ``d`` computed in ``work``'s dtype (the array's own
    float32 or float64, else float64); min, max and the zero count of ``a`` read from each
    block while it is in cache. ``d`` is ``a`` itself when the first block has values on
    both sides of 0 (weights: no cancellation to fear), else ``a - a[0]`` (so a constant
    array has std 0 exactly, and values within a factor of 2 of ``a[0]`` subtract exactly).
    NumPy ufuncs only: BLAS threads would fight MXNet's for the cores."""
    lo, hi = np.minimum.reduce(a[:_CHUNK]), np.maximum.reduce(a[:_CHUNK])  # the first block's
    shift = None if lo <= 0 <= hi else (a[0] if work.dtype == a.dtype else float(a[0]))
    s, ss, zeros = 0.0, 0.0, 0
    for i in range(0, a.size, _CHUNK):
        b = a[i:i + _CHUNK]
        if shift is None:
            s += float(np.add.reduce(b, dtype=np.float64))
            sq = np.multiply(b, b, out=work[:b.size], dtype=work.dtype)
        else:
            d = np.subtract(b, shift, out=work[:b.size], dtype=work.dtype)
            s += float(np.add.reduce(d, dtype=np.float64))
            sq = np.multiply(d, d, out=d)
        ss += float(np.add.reduce(sq, dtype=np.float64))
        if i:  # the first block's min and max are known already
            lo, hi = np.minimum(lo, np.minimum.reduce(b)), np.maximum(hi, np.maximum.reduce(b))
        zeros += int(np.count_nonzero(np.equal(b, 0, out=flags[:b.size])))
    return float(shift or 0), s, ss, float(lo), float(hi), zeros


def _grad_stats(p) -> dict:
    """The L2 norm and mean absolute value of the first context's gradient (float64
    accumulation); nothing when there is no gradient to show (see ``_gluon.first_grad``)."""
    g = _gluon.first_grad(p)
    if g is None or g.size == 0:
        return {}
    ss, sa = 0.0, 0.0
    for b in _blocks(g.reshape(-1)):
        sa += float(np.abs(b, out=b).sum())
        ss += float(np.square(b, out=b).sum())
    return dict(grad_norm=math.sqrt(ss), grad_mean_abs=sa / g.size)


@lru_cache(maxsize=None)
def _dtype_name(dtype) -> str:
    return np.dtype(dtype).name


def summary(net, select: Optional[str] = None, *, stats: bool = False,
            grads: bool = False) -> Summary:
    """Tabulate the parameters of ``net`` (a Block, ParameterDict or Parameter).

    One row per unique Parameter: tied parameters appear once, with every path that
    uses them. Unknown dimensions show as ``?``; ``state`` is ``initialized``,
    ``deferred`` (waiting for the first forward) or ``uninitialized``. ``select`` is a
    Gluon pattern (as :func:`select`); ``stats=True`` adds mean, std, min, max and the
    fraction of zeros (read from the first context's copy). ``grads=True`` adds the
    gradient's L2 norm ``|grad|`` and its mean absolute value (first context), ``-`` where
    there is none: grad_req ``'null'``, no values yet, or no backward has written it (the
    zeros Gluon attaches before any backward show as ``-``; zeros a backward wrote show as 0).

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> s = summary(net)
    >>> print(s)
    Sequential: 4 parameters
    path      name           shape      size   state        grad_req  ctx
    --------  -------------  ---------  -----  -----------  --------  ------
    0.weight  dense0_weight  (256, 20)  5,120  initialized  write     cpu(0)
    0.bias    dense0_bias    (256,)       256  initialized  write     cpu(0)
    1.weight  dense1_weight  (10, 256)  2,560  initialized  write     cpu(0)
    1.bias    dense1_bias    (10,)         10  initialized  write     cpu(0)
    Total: 7,946 values in 4 parameters; trainable: 7,946
    >>> s.rows[0].shape, s.total
    ('(256, 20)', 7946)
    >>> round(summary(net, '.*bias', stats=True).rows[0].zeros, 2)
    1.0
    >>> summary(net, grads=True).rows[0].grad_norm is None  # no backward yet
    True
    >>> from mxnet import autograd
    >>> with autograd.record():
    ...     net(X).sum().backward()
    >>> summary(net, grads=True).rows[1].grad_mean_abs > 0
    True
    """
    require_target(net)
    groups = _gluon.unique_params(net)
    if select is not None:
        chosen = {id(p) for p in _select(net, select).values()}
        groups = {k: v for k, v in groups.items() if k in chosen}
    rows, scratch = [], _Scratch() if stats else None
    for p, paths in groups.values():
        shape = p.shape  # a call into MXNet: once per parameter
        known = shape is not None and all(d > 0 for d in shape)
        state = _gluon.state(p)
        ctxs = () if state == _gluon.UNINITIALIZED else tuple(map(_gluon.ctx_name, p.list_ctx()))
        extra = _stats(p, scratch) if stats else {}
        if grads:
            extra.update(_grad_stats(p))
        rows.append(Row(
            p.name, paths[0], tuple(paths), format_shape(shape), _dtype_name(p.dtype),
            math.prod(shape) if known else None, state, p.grad_req,
            float(p.lr_mult), float(p.wd_mult), ctxs, tuple(paths[1:]), **extra))
    kind = type(net).__name__
    title = f"{kind}: {len(rows)} parameters" + (f" matching {select!r}" if select else "")
    return Summary(rows, title=title, stats=stats, grads=grads)
