"""summary(): one row per unique Parameter, as text for the terminal and HTML for Jupyter.

With ``stats=True`` and ``grads=True`` a row also holds the numbers of one array: mean, std,
min, max and the fraction of zeros of a parameter's values, the L2 norm and mean absolute
value of its gradient (first context); the second half of this module computes them.

Accuracy: a small array is summed in float64. A large one is read once, in cache-sized blocks,
with sums in its own dtype over rows of ``_ROW`` values (each row sum is small, so its rounding
error is too) added by a float64 accumulator; it is read again only where that cannot be
trusted (``_large``). min, max and the zero count are exact. Speed: NumPy ufuncs and einsum,
no float64 copy of a large array, and no BLAS call (its threads would fight MXNet's for the
cores); ``make bench`` compares the whole with copying every parameter to NumPy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional, Tuple

import numpy as np

from . import _gluon
from ._table import Table
from ._text import format_shape
from ._validate import flag, require_target
from .access import select as _select


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

    def __init__(self, rows, *, title: str, stats: bool, grads: bool = False):
        stats, grads = flag(stats, "stats", "Summary"), flag(grads, "grads", "Summary")
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


@lru_cache(maxsize=None)
def _dtype_name(dtype) -> str:
    return np.dtype(dtype).name


def summary(net, select: Optional[str] = None, *, exclude: Optional[str] = None,
            by: str = "name", stats: bool = False, grads: bool = False) -> Summary:
    """Tabulate the parameters of ``net`` (a Block, ParameterDict or Parameter).

    One row per unique Parameter: tied parameters appear once, with every path that
    uses them. Unknown dimensions show as ``?``; ``state`` is ``initialized``,
    ``deferred`` (waiting for the first forward) or ``uninitialized``. ``select``,
    ``exclude`` and ``by`` choose the rows as :func:`l10_params.select` does.
    ``stats=True`` adds mean, std, min, max and the fraction of zeros (read from the first
    context's copy). ``grads=True`` adds the
    gradient's L2 norm ``|grad|`` and its mean absolute value (first context), ``-`` where
    there is none: grad_req ``'null'``, no values yet, or no backward has written it (the
    zeros Gluon attaches before any backward show as ``-``; zeros a backward wrote show as 0).
    ``stats`` and ``grads`` are True or False (``'no'`` is a ``TypeError``, not a yes).

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
    stats, grads = flag(stats, "stats", "summary"), flag(grads, "grads", "summary")
    groups = _gluon.unique_params(net)
    if select is not None or exclude is not None:
        chosen = {id(p) for p in _select(net, select, exclude=exclude, by=by).values()}
        groups = {k: v for k, v in groups.items() if k in chosen}
    rows, scratch = [], Scratch() if stats else None
    for p, paths in groups.values():
        shape = p.shape  # a call into MXNet: once per parameter
        known = shape is not None and all(d > 0 for d in shape)
        state = _gluon.state(p)
        ctxs = tuple(map(_gluon.ctx_name, _gluon.contexts(p)))
        extra = param_stats(p, scratch) if stats else {}
        if grads:
            extra.update(grad_stats(p))
        rows.append(Row(
            p.name, paths[0], tuple(paths), format_shape(shape), _dtype_name(p.dtype),
            math.prod(shape) if known else None, state, p.grad_req,
            float(p.lr_mult), float(p.wd_mult), ctxs, tuple(paths[1:]), **extra))
    kind = type(net).__name__
    title = (f"{kind}: {len(rows)} parameters" + (f" matching {select!r}" if select else "")
             + (f" except {exclude!r}" if exclude else "")
             + (" (by path)" if by == "path" and (select or exclude) else ""))
    return Summary(rows, title=title, stats=stats, grads=grads)


# The numbers of one array (stats=True, grads=True).

_CHUNK = 1 << 17  # values per block: a block and its work copy stay in cache (measured best)
_ROW = 1 << 10  # values summed in the array's own dtype before the float64 accumulator
_SMALL = 1 << 15  # up to this many values, one float64 copy (call overhead dominates)
_TINY, _HUGE = 1e-15, 1e15  # float32 sums of squares are trusted for max |x| in this range


def _blocks(flat: np.ndarray):
    """``flat`` in float64 blocks of ``_CHUNK`` values (no float64 copy of the whole array)."""
    for i in range(0, flat.size, _CHUNK):
        yield flat[i:i + _CHUNK].astype(np.float64)


class Scratch:
    """Cache-sized work blocks (float32, float64, flags), reused by every array of a summary."""

    def __init__(self):
        self.blocks = {np.dtype(np.float32): np.empty(_CHUNK, np.float32),
                       np.dtype(np.float64): np.empty(_CHUNK, np.float64)}
        self.flags = np.empty(_CHUNK, np.bool_)


def param_stats(p, scratch: Scratch) -> dict:
    """mean, std, min, max and the fraction of zeros of the first context's values.

    An array of at most ``_SMALL`` values: one float64 copy (``_small``). A larger one: one
    pass over cache-sized blocks in its own dtype (``_pass``), and a second pass only when the
    first cannot be trusted: its float32 sums or squares overflowed or underflowed (the second
    runs in float64), or its mean is large next to its spread, where ``E[x^2] - E[x]^2`` would
    cancel (the second sums ``x - mean``). A constant array has std 0 and its value as mean."""
    if _gluon.state(p) != _gluon.INITIALIZED:
        return {}
    a = _gluon.first_copy(p).reshape(-1)
    n = a.size
    if n == 0:
        return {}
    with np.errstate(all="ignore"):  # NaN, inf, overflow: the numbers say it, no warning
        if n <= _SMALL:
            mean, var, lo, hi, zeros = _small(a)
        else:
            mean, var, lo, hi, zeros = _large(a, scratch)
    if lo == hi:  # constant (NaN is never equal to itself)
        mean, var = lo, 0.0
    std = math.sqrt(var) if var > 0 else (math.nan if math.isnan(var) else 0.0)
    return dict(mean=mean, std=std, min=lo, max=hi, zeros=zeros / n)


def _small(a: np.ndarray):
    """mean, variance, min, max, zero count of a small array: a float64 copy, two passes."""
    lo, hi = float(np.minimum.reduce(a)), float(np.maximum.reduce(a))
    d = a.astype(np.float64)
    mean = float(np.add.reduce(d)) / d.size
    d -= mean
    var = float(np.add.reduce(np.multiply(d, d, out=d))) / d.size
    zeros = 0 if lo > 0 or hi < 0 else int(np.count_nonzero(np.equal(a, 0)))  # NaN: counted
    return mean, var, lo, hi, zeros


def _large(a: np.ndarray, scratch: Scratch):
    """mean, variance, min, max, zero count of a large array: ``_pass``, retried when needed
    (at most three passes: in float64, then shifted by the mean)."""
    f64 = scratch.blocks[np.dtype(np.float64)]
    work, shift, n = scratch.blocks.get(a.dtype, f64), 0.0, a.size
    for _ in range(3):
        s, ss, lo, hi, zeros = _pass(a, work, scratch.flags, shift)
        mean, var = shift + s / n, ss / n - (s / n) ** 2
        if not math.isfinite(lo + hi) or lo == hi:
            break  # NaN or inf: no retry makes it finite; constant: param_stats says so
        if work is not f64 and not (math.isfinite(s + ss)
                                    and _TINY <= max(abs(lo), abs(hi)) <= _HUGE):
            work = f64  # float32 sums overflowed, or squares are near underflow
        elif not shift and math.isfinite(mean) and mean * mean > var:
            shift = float(work.dtype.type(mean))  # the shift as the work dtype holds it
        else:
            break
    return mean, var, lo, hi, zeros


def _pass(a: np.ndarray, work: np.ndarray, flags: np.ndarray, shift: float):
    """Sums of ``d = a - shift`` and of ``d * d``, min, max and zero count of ``a``, one
    cache-sized block at a time (each block is read from memory once). ``d`` is in ``work``'s
    dtype (the array's own float32 or float64, else float64); the sums run in that dtype over
    rows of ``_ROW`` values and a float64 accumulator adds the rows (``_sum``). Zeros are
    counted only in a block that can hold one: not when its values are on one side of 0, nor
    when ``d`` is ``a`` and no square is 0 (NaN: it can)."""
    s, ss, zeros, lows, highs = 0.0, 0.0, 0, [], []
    for i in range(0, a.size, _CHUNK):
        b, w = a[i:i + _CHUNK], work[:min(_CHUNK, a.size - i)]
        if shift:
            d = np.subtract(b, shift, out=w, dtype=work.dtype)
        elif work.dtype != b.dtype:
            d = w
            np.copyto(d, b)
        else:
            d = b
        s += _sum(d)
        sq = np.multiply(d, d, out=w)
        ss += _sum(sq)
        lows.append(np.minimum.reduce(b))
        highs.append(np.maximum.reduce(b))
        if not (lows[-1] > 0 or highs[-1] < 0 or (not shift and np.minimum.reduce(sq) > 0)):
            zeros += int(np.count_nonzero(np.equal(b, 0, out=flags[:b.size])))
    lo, hi = np.minimum.reduce(np.array(lows)), np.maximum.reduce(np.array(highs))
    return s, ss, float(lo), float(hi), zeros


def _sum(d: np.ndarray) -> float:
    """The sum of ``d``: rows of ``_ROW`` values summed in ``d``'s dtype, then float64."""
    n = d.size - d.size % _ROW
    s = float(np.add.reduce(np.einsum("ij->i", d[:n].reshape(-1, _ROW)), dtype=np.float64))
    return s + float(np.add.reduce(d[n:], dtype=np.float64)) if n < d.size else s


def grad_stats(p) -> dict:
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
