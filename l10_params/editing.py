"""Change parameter values safely and copy them between nets.

``set_value`` writes every context's copy through Gluon's ``set_data`` after checking the
shape, the dtype and the values; ``copy_params`` copies (it never ties) and is
all-or-nothing. To see what an edit changed, see ``snapshots.py`` (``snapshot``, ``diff``).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np
from mxnet import gluon, nd  # noqa: F401 - nd for the doctests

from . import _gluon, _values
from ._text import brief, close_names, format_shape
from ._validate import (
    refuse_recording,
    require_initialized,
    require_params,
    require_target,
    require_values,
)
from .selection import select as _select

_fs = format_shape


def _as_numpy(value, p: gluon.Parameter, what: str) -> np.ndarray:
    """``value`` (scalar, NDArray or NumPy array) as a NumPy array of ``p``'s dtype, checked."""
    if _gluon.is_mx_array(value):
        arr = value.asnumpy()
    elif isinstance(value, np.ndarray) or np.isscalar(value):
        arr = np.asarray(value)
    else:
        raise TypeError(
            f"{what} must be a number, an NDArray, a NumPy array or a function old -> new, "
            f"not {type(value).__name__} ({brief(value)})"
        )
    dtype = np.dtype(p.dtype)
    ok = "iu" if dtype.kind in "iu" else "iuf"
    if arr.dtype.kind not in ok:
        raise ValueError(
            f"{what} has dtype {arr.dtype}, which cannot be stored in {p.name!r} "
            f"(dtype {dtype.name}) without losing its meaning; pass "
            f"{'integers' if ok == 'iu' else 'real numbers (int or float)'}, "
            f"e.g. value.astype({dtype.name!r})"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        cast = arr.astype(dtype)
    if cast.dtype.kind == "f" and not np.isfinite(cast).all():
        bad = int((~np.isfinite(cast)).sum())
        raise ValueError(
            f"{what} has {bad} entries that are NaN or infinite as {dtype.name} "
            f"(first at index {np.argwhere(~np.isfinite(cast))[0].tolist()}); a NaN or inf "
            "weight turns every output into NaN; check the computation that produced it"
        )
    return cast


def set_value(param: gluon.Parameter, value) -> gluon.Parameter:
    """Write ``value`` into every context's copy of ``param`` (through ``set_data``).

    ``value`` is a number (every entry gets it), an NDArray or NumPy array of the
    parameter's shape, or a function ``fn(old) -> new`` called with a copy of the current
    values (an NDArray on the first context). Values are cast to the parameter's dtype as
    ``set_data`` does; complex, boolean or text values, floats for an integer parameter,
    NaN and inf are refused. A deferred parameter (after ``initialize()``, before the first
    forward) takes a full array whose shape fits the known dimensions; the first forward
    then uses it. Every check runs before anything is written.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu:0,cpu:1', seed=0)
    >>> w = set_value(net[0].weight, lambda old: old * 0 + 3)
    >>> [float(d[0, 0].asscalar()) for d in w.list_data()]  # both contexts
    [3.0, 3.0]
    >>> set_value(net[0].weight, nd.ones((20, 256)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: set_value(dense0_weight): the value has shape (20, 256) but the parameter ...
    """
    if not isinstance(param, gluon.Parameter):
        hint = " (a layer: pass one of its parameters, e.g. net[0].weight)" \
            if isinstance(param, gluon.Block) else ""
        raise TypeError(f"set_value needs a gluon.Parameter, not {type(param).__name__}{hint}")
    call = f"set_value({param.name})"
    refuse_recording(call)
    st = _gluon.state(param)
    require_initialized(param)  # the one 'no values yet' RuntimeError (issue 9)
    deferred = st == _gluon.DEFERRED
    if callable(value) and not (_gluon.is_mx_array(value) or isinstance(value, np.ndarray)):
        if deferred:
            raise RuntimeError(
                f"{call}: the parameter is deferred (shape {_fs(param.shape)}), so there is no "
                "old value to pass to the function; run one forward pass first, e.g. net(X)"
            )
        value = value(param.data(param.list_ctx()[0]).copy())
        what = f"{call}: the function's result"
    else:
        what = f"{call}: the value"
    arr = _as_numpy(value, param, what)
    if arr.ndim == 0:
        if deferred:
            raise RuntimeError(
                f"{call}: the parameter is deferred, its shape {_fs(param.shape)} is not known "
                "yet, so a single number cannot fill it; run one forward pass first, e.g. "
                "net(X), or pass a full array"
            )
        arr = np.full(param.shape, arr, dtype=arr.dtype)
    fits = arr.shape == tuple(param.shape) or (
        deferred and len(arr.shape) == len(param.shape)
        and all(k <= 0 or k == n for k, n in zip(param.shape, arr.shape)))  # unknown: 0, or -1 (np)
    if not fits:
        raise ValueError(
            f"{what} has shape {_fs(arr.shape)} but the parameter has shape "
            f"{_fs(param.shape)}; pass an array of shape {_fs(param.shape)}, a number, "
            "or a function old -> new"
        )
    param.set_data(_gluon.new_array(arr, dtype=param.dtype))
    return param


def _find(name: str, paths: Dict[str, gluon.Parameter], side: str) -> str:
    """A mapping entry as a structural path of one side: a path itself or a Gluon name."""
    if name in paths:
        return name
    by_name = [path for path, p in paths.items() if p.name == name]
    if by_name:
        return by_name[0]
    known = list(paths) + [p.name for p in paths.values()]
    close = close_names(name, known)
    raise KeyError(
        f"mapping names {name!r}, which is not a parameter of {side}; "
        + (f"close names: {close}" if close else f"its parameters: {known[:6]}")
        + " (use structural paths like '0.weight' or Gluon names like 'dense0_weight')"
    )


def copy_params(src, dst, *, select: Optional[str] = None,
                mapping: Optional[Dict[str, str]] = None) -> List[Tuple[str, str]]:
    """Copy values from ``src`` to ``dst`` (nets or layers); returns the ``(src, dst)`` pairs.

    Parameters pair up by structural path (``'0.weight'``, stable when names count up), or
    by ``mapping`` ``{src: dst}`` (paths or Gluon names). ``select`` is a Gluon pattern on the
    source names. It copies, it does not tie: afterwards the two nets are independent.
    Every pair is checked first (both sides present, source values, shape, dtype) and all
    mismatches are reported in one ``ValueError``; on any error nothing is written. Every
    context of ``dst`` receives the values, whatever context ``src`` lives on.

    >>> from l10_params import lecture_mlp
    >>> a, X = lecture_mlp(ctx='cpu', seed=0)
    >>> b, _ = lecture_mlp(ctx='cpu', seed=1)
    >>> copy_params(a, b)
    [('0.weight', '0.weight'), ('0.bias', '0.bias'), ('1.weight', '1.weight'), ('1.bias', '1.bias')]
    >>> bool((a(X) == b(X)).min())
    True
    """
    paths = {}
    for obj, side in ((src, "src"), (dst, "dst")):
        require_target(obj, side)
        paths[side] = _gluon.param_paths(obj)
        if not paths[side]:
            require_params(obj, side)  # an empty net copies nothing: refused, not [] (issue 9)
    refuse_recording("copy_params")
    sp, dp = paths["src"], paths["dst"]
    if isinstance(src, gluon.Parameter) and isinstance(dst, gluon.Parameter) and not mapping:
        mapping = {src.name: dst.name}
    if mapping is not None:
        pairs = [(_find(s, sp, "src"), _find(d, dp, "dst")) for s, d in dict(mapping).items()]
    else:
        pairs = [(s, s) for s in sp]
    if select is not None:
        chosen = {id(p) for p in _select(src, select).values()}
        pairs = [(s, d) for s, d in pairs if s in sp and id(sp[s]) in chosen]
    problems = []
    extra = [d for d in dp if d not in sp] if mapping is None and select is None else []
    writes: Dict[int, Tuple[gluon.Parameter, gluon.Parameter, str]] = {}
    for s, d in pairs:
        if d not in dp:
            problems.append(f"{s}: in src but not in dst")
            continue
        a, b = sp[s], dp[d]
        label = s if s == d else f"{s} -> {d}"
        require_values(a, f"src {s}")  # no values yet: the one RuntimeError (issue 9)
        require_initialized(b, f"dst {d}")
        known = _gluon.state(b) == _gluon.INITIALIZED
        sa, sb = a.shape, b.shape  # each read is a call into MXNet: once per pair
        if sa != sb and (len(sa) != len(sb) or any(
                n != k and (known or n > 0) for n, k in zip(sb, sa))):
            problems.append(f"{label}: shape {_fs(sa)} in src, {_fs(sb)} in dst")
            continue
        if np.dtype(a.dtype) != np.dtype(b.dtype):
            problems.append(f"{label}: dtype {np.dtype(a.dtype).name} in src, "
                            f"{np.dtype(b.dtype).name} in dst; cast one with .cast(dtype)")
            continue
        if id(b) in writes and not _values.same(_gluon.first_copy(writes[id(b)][1]),
                                                _gluon.first_copy(a)):  # NaN = NaN
            problems.append(f"{label}: {b.name!r} is tied in dst and would get different "
                            f"values from {writes[id(b)][2]} and {s}")
        writes.setdefault(id(b), (b, a, s))
    problems += [f"{d}: in dst but not in src" for d in extra]
    if problems:
        raise ValueError(
            f"copy_params: {len(problems)} mismatch(es), nothing was copied:\n  "
            + "\n  ".join(problems)
            + "\npass mapping={src_path: dst_path} or select=... to copy only what matches"
        )
    # As set_data, every context of each destination, in few engine operations (all sources
    # read before any write: a destination may also be a source; see _gluon.copy_values).
    _gluon.copy_values([(b, a) for b, a, _ in writes.values()])
    return [(s, d) for s, d in pairs if id(dp[d]) in writes]
