"""Edit and snapshots: change parameter values safely, copy them between nets, see what changed.

``set_value`` writes every context's copy through Gluon's ``set_data`` after checking the
shape, the dtype and the values; ``copy_params`` copies (it never ties) and is
all-or-nothing. ``snapshot`` keeps copies of every value and ``diff`` shows exactly what an
edit changed since.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np
from mxnet import gluon, nd  # noqa: F401 - nd for the doctests

from . import _gluon, _validate, _values
from ._table import Table
from ._text import brief, close_names, compile_pattern, format_shape, no_match_message, shown
from ._validate import (
    no_values_message,
    refuse_recording,
    require_initialized,
    require_params,
    require_target,
    require_values,
)
from .access import select as _select

_fs = format_shape


def _as_numpy(value, p: gluon.Parameter, what: str, allow_nonfinite: bool) -> np.ndarray:
    """``value`` (scalar, NDArray or NumPy array) as a NumPy array of ``p``'s dtype, checked."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{what} is text ({brief(value, 40)}), not a number; pass a number, an "
                        "NDArray, a NumPy array or a function old -> new")
    if _gluon.is_mx_array(value):
        arr = value.asnumpy()
    elif isinstance(value, np.ndarray) or np.isscalar(value):
        arr = value if isinstance(value, int) and not isinstance(value, bool) else \
            np.asarray(value)  # a Python int may be beyond int64: storable compares it exactly
    else:
        raise TypeError(
            f"{what} must be a number, an NDArray, a NumPy array or a function old -> new, "
            f"not {type(value).__name__} ({brief(value)})"
        )
    dtype = np.dtype(p.dtype)
    kind = np.asarray(arr).dtype.kind if not isinstance(arr, int) else "i"
    if kind not in "iuf":
        ok = "integers" if dtype.kind in "iu" else "real numbers (int or float)"
        raise ValueError(
            f"{what} has dtype {np.asarray(arr).dtype}, which cannot be stored in {p.name!r} "
            f"(dtype {dtype.name}) without losing its meaning; pass {ok}, "
            f"e.g. value.astype({dtype.name!r})"
        )
    return _validate.storable(arr, dtype, what, allow_nonfinite=allow_nonfinite)


def set_value(param: gluon.Parameter, value, *, allow_nonfinite: bool = False
              ) -> gluon.Parameter:
    """Write ``value`` into every context's copy of ``param`` (through ``set_data``).

    ``value`` is a number (every entry gets it), an NDArray or NumPy array of the
    parameter's shape, or a function ``fn(old) -> new`` called with a copy of the current
    values (an NDArray on the first context). Values are cast to the parameter's dtype as
    ``set_data`` does, but never changed on the way: an integer parameter takes whole
    numbers within its dtype's range (``-1`` into uint8 would be 255), a float parameter
    values within its range (``1e6`` would be inf in float16); text is a ``TypeError``;
    complex or boolean values, and values a cast would change, are a ``ValueError``. NaN and
    inf are refused unless ``allow_nonfinite=True`` (a NaN weight makes every output NaN;
    an integer parameter cannot hold them at all). A deferred parameter (after
    ``initialize()``, before the first forward) takes a full array whose shape fits the known
    dimensions; the first forward then uses it. Every check runs before anything is written.

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
    allow_nonfinite = _validate.flag(allow_nonfinite, "allow_nonfinite", "set_value")
    refuse_recording(call)
    st = _gluon.state(param)
    require_initialized(param)  # the one 'no values yet' RuntimeError
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
    arr = _as_numpy(value, param, what, allow_nonfinite)
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


def _check_mapping(mapping) -> None:
    """``mapping`` is None or a non-empty dict of names: TypeError, ValueError otherwise."""
    if mapping is None:
        return
    if not isinstance(mapping, Mapping):
        raise TypeError(f"copy_params: mapping must be a dict {{src: dst}} such as "
                        f"{{'0.weight': '0.weight'}}, not {type(mapping).__name__} "
                        f"({brief(mapping, 40)}); leave it out to pair by structural path")
    if not mapping:
        raise ValueError("copy_params: mapping={} pairs nothing, so nothing would be copied; "
                         "leave mapping out to pair every path, or give {src: dst} pairs "
                         "such as {'0.weight': '0.weight'}")
    for s, d in mapping.items():
        if not (isinstance(s, str) and isinstance(d, str)):
            raise TypeError(f"copy_params: mapping pairs names (structural paths or Gluon "
                            f"names), not {type(s).__name__} -> {type(d).__name__} "
                            f"({brief(s, 30)}: {brief(d, 30)}); e.g. {{'0.weight': '1.weight'}}")


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


def copy_params(src, dst, select: Optional[str] = None, *, exclude: Optional[str] = None,
                by: str = "name", mapping: Optional[Dict[str, str]] = None,
                allow_nonfinite: bool = False) -> List[Tuple[str, str]]:
    """Copy values from ``src`` to ``dst`` (nets or layers); returns the ``(src, dst)`` pairs.

    Parameters pair up by structural path (``'0.weight'``, stable when names count up), or by
    ``mapping`` ``{src: dst}`` (paths or Gluon names; a dict of at least one pair, else a
    ``TypeError`` or ``ValueError``). ``select``, ``exclude`` and ``by`` choose the source's
    parameters as :func:`l10_params.select` does. It copies, it does not tie: afterwards the
    two nets are independent. Every pair is checked first (both sides present, source values,
    shape, dtype) and all mismatches are reported in one ``ValueError``; source values with
    NaN or inf are a ``ValueError`` unless ``allow_nonfinite=True``; on any error nothing is
    written. Every context of ``dst`` receives the values, whatever context
    ``src`` lives on.

    >>> from l10_params import lecture_mlp
    >>> a, X = lecture_mlp(ctx='cpu', seed=0)
    >>> b, _ = lecture_mlp(ctx='cpu', seed=1)
    >>> copy_params(a, b)
    [('0.weight', '0.weight'), ('0.bias', '0.bias'), ('1.weight', '1.weight'), ('1.bias', '1.bias')]
    >>> bool((a(X) == b(X)).min())
    True
    """
    allow_nonfinite = _validate.flag(allow_nonfinite, "allow_nonfinite", "copy_params")
    _check_mapping(mapping)
    paths = {}
    for obj, side in ((src, "src"), (dst, "dst")):
        require_target(obj, side)
        paths[side] = _gluon.param_paths(obj)
        if not paths[side]:
            require_params(obj, side)  # an empty net copies nothing: refused, not []
    refuse_recording("copy_params")
    sp, dp = paths["src"], paths["dst"]
    if isinstance(src, gluon.Parameter) and isinstance(dst, gluon.Parameter) and not mapping:
        mapping = {src.name: dst.name}
    if mapping is not None:
        pairs = [(_find(s, sp, "src"), _find(d, dp, "dst")) for s, d in dict(mapping).items()]
    else:
        pairs = [(s, s) for s in sp]
    if select is not None or exclude is not None:
        chosen = {id(p) for p in _select(src, select, exclude=exclude, by=by).values()}
        pairs = [(s, d) for s, d in pairs if s in sp and id(sp[s]) in chosen]
        if not pairs:
            raise ValueError(f"copy_params: select={select!r}, exclude={exclude!r} keep none of "
                             f"the pairs of mapping ({', '.join(map(repr, mapping or {}))}), so "
                             "nothing would be copied; widen select, or leave it out")
    problems = []
    extra = ([d for d in dp if d not in sp]
             if mapping is None and select is None and exclude is None else [])
    writes: Dict[int, Tuple[gluon.Parameter, gluon.Parameter, str]] = {}
    for s, d in pairs:
        if d not in dp:
            problems.append(f"{s}: in src but not in dst")
            continue
        a, b = sp[s], dp[d]
        label = s if s == d else f"{s} -> {d}"
        require_values(a, f"src {s}")  # no values yet: the one RuntimeError
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
    if not allow_nonfinite:
        sources = [(a, s) for _, a, s in writes.values()]
        counts = _gluon.nonfinite_counts([_gluon.first_array(a) for a, _ in sources])
        bad = [(s, n) for (_, s), n in zip(sources, counts) if n]
        if bad:
            more = f" (and in {', '.join(s for s, _ in bad[1:4])}{', ...' * (len(bad) > 4)})" \
                if len(bad) > 1 else ""
            raise ValueError("copy_params: " + _validate.nonfinite_message(
                f"src {bad[0][0]} has {bad[0][1]:,} entries that are NaN or infinite{more}")
                + "; nothing was copied")
    # As set_data, every context of each destination, in few engine operations (all sources
    # read before any write: a destination may also be a source; see _gluon.copy_values).
    _gluon.copy_values([(b, a) for b, a, _ in writes.values()])
    return [(s, d) for s, d in pairs if id(dp[d]) in writes]




class Snapshot:
    """Copies of every context's values of every parameter, keyed by structural path.

    ``snap['0.weight']`` is the first context's copy (a NumPy array, a fresh copy each
    time); ``snap.values[path][ctx]`` holds each context's copy (None while deferred).
    The parameters are those of every other helper (``summary``, ``copy_params``...),
    including one a block made with ``self.params.get`` without keeping it as an attribute.
    """

    def __init__(self, net):
        require_target(net, "snapshot target")
        self.values: Dict[str, Optional[Dict[str, np.ndarray]]] = {}
        self.params: Dict[str, Tuple[str, Tuple[str, ...]]] = {}  # first path -> (name, paths)
        self._states: Dict[str, str] = {}
        groups = list(_gluon.unique_params(net).values())
        values = _gluon.copies_of([p for p, _ in groups])  # few engine calls for many layers
        for (p, paths), got in zip(groups, values):
            got = None if got is None else dict(got)
            self.values[paths[0]] = got
            self.params[paths[0]] = (p.name, tuple(paths))
            if got is None:
                self._states[paths[0]] = no_values_message(p, paths[0])

    def __getitem__(self, path: str) -> np.ndarray:
        for first, (name, paths) in self.params.items():
            if path in paths or path == name:
                got = self.values[first]
                if got is None:  # the one wording of 'no values yet', as it was then
                    raise RuntimeError("when the snapshot was taken, "
                                       + self._states[first])
                return next(iter(got.values())).copy()
        raise KeyError(f"{path!r} is not in this snapshot; close names: "
                       f"{close_names(path, list(self.values))}")

    def __len__(self) -> int:
        return len(self.values)

    def by_path(self, select: Optional[str] = None, *, exclude: Optional[str] = None,
                by: str = "name") -> Dict[str, Optional[Dict[str, np.ndarray]]]:
        """Structural path -> ``{context: copy}`` (None without values), every path of a tied
        parameter listed; ``select``, ``exclude`` and ``by`` keep the parameters whose Gluon
        name (or one of whose paths) matches, as :func:`l10_params.select` does.
        """
        if by not in ("name", "path"):
            raise ValueError(f"by={by!r}: select matches 'name' (Gluon names such as "
                             "'dense0_weight') or 'path' (structural paths such as '0.1.0.bias')")
        keys = {first: ((name,) if by == "name" else paths)
                for first, (name, paths) in self.params.items()}
        kept = list(keys)
        for rx_text, keep in ((select, True), (exclude, False)):
            if rx_text is None:
                continue
            rx = compile_pattern(rx_text, "select" if keep else "exclude")
            now = [f for f in kept if any(rx.match(k) for k in keys[f]) == keep]
            if not now:
                shown = [k for f in keys for k in keys[f]]
                raise ValueError(no_match_message(rx_text, shown, "select") if keep else
                                 f"exclude {rx_text!r} removes every selected parameter; "
                                 "nothing would be left: narrow exclude or widen select")
            kept = now
        return {path: self.values[first] for first in kept for path in self.params[first][1]}

    def __repr__(self) -> str:
        ctxs = sorted({c for v in self.values.values() if v for c in v})
        return f"Snapshot({len(self)} parameters on {', '.join(ctxs) or 'no context'})"


def snapshot(net) -> Snapshot:
    """Copy every value of ``net`` (every context, tied parameters once) for a later ``diff``.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> snap = snapshot(net)
    >>> snap, snap['0.weight'].shape
    (Snapshot(4 parameters on cpu(0)), (256, 20))
    """
    return Snapshot(net)


@dataclass(frozen=True)
class DiffRow:
    name: str
    paths: Tuple[str, ...]
    shape: str
    changed: int
    size: int
    largest: Optional[float]
    contexts: Tuple[str, ...]


def _not_the_same(before: Snapshot, after: Snapshot) -> str:
    """Why two snapshots cannot be compared: the paths only one of them holds."""
    def paths(snap):
        return [k for _, ks in snap.params.values() for k in ks]

    old, new = paths(before), paths(after)
    gone, added = [k for k in old if k not in new], [k for k in new if k not in old]
    parts = ([f"after has {shown(added, 6)}, which before lacks"] * bool(added)
             + [f"before has {shown(gone, 6)}, which after lacks"] * bool(gone))
    if not parts:  # the same paths, grouped or ordered otherwise (a tie added or removed)
        parts = [f"the same paths hold other parameters (before: {shown(list(before.params), 4)}; "
                 f"after: {shown(list(after.params), 4)}: a tie added or removed?)"]
    return ("before and after hold different parameters: " + "; ".join(parts) + " (a layer "
            "added or removed?); diff compares two snapshots of the same net: after changing the "
            "net itself, take a new snapshot (before = snapshot(net)) and diff against that")


def diff(before: Snapshot, after) -> Table:
    """Which parameters changed between ``before`` and ``after`` (a later Snapshot or the net).

    One row per parameter: entries changed (on any context), of how many, the largest
    absolute change and the contexts where something changed. Every context is compared.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> before = snapshot(net)
    >>> net[0].weight.data()[0, :4] += 1
    >>> print(diff(before, net))
    Changes: 1 of 4 parameters changed
    name           paths     shape      changed   size  largest  contexts
    -------------  --------  ---------  -------  -----  -------  --------
    dense0_weight  0.weight  (256, 20)        4  5,120        1  cpu(0)
    dense0_bias    0.bias    (256,)           0    256        0  -
    dense1_weight  1.weight  (10, 256)        0  2,560        0  -
    dense1_bias    1.bias    (10,)            0     10        0  -
    """
    if not isinstance(before, Snapshot):
        raise TypeError("before must be a Snapshot from snapshot(net), "
                        f"not {type(before).__name__}; take before = snapshot(net) first")
    if not isinstance(after, Snapshot):
        after = Snapshot(after)
    if list(before.params) != list(after.params):
        raise ValueError(_not_the_same(before, after))
    rows = []
    for path, (name, paths) in before.params.items():
        old, new = before.values[path], after.values[path]
        if old is None or new is None:
            n = 0 if old is None and new is None else int(np.prod(
                next(iter((old or new).values())).shape))
            ctxs = tuple((old or new or {}).keys()) if n else ()
            rows.append(DiffRow(name, paths, "?", n, n, None, ctxs))
            continue
        if set(old) != set(new):
            raise ValueError(f"{name!r} ({path}) moved between the snapshots ({list(old)} -> "
                             f"{list(new)}); compare snapshots taken on the same contexts")
        o, n = (next(iter(v.values())).shape for v in (old, new))
        if o != n:
            raise ValueError(f"{name!r} ({path}) changed shape from {_fs(o)} to {_fs(n)} between "
                             "the snapshots (different nets?); take both of the same net")
        if all(old[c].dtype == new[c].dtype and old[c].tobytes() == new[c].tobytes()
               for c in old):  # bit for bit the same (the usual case): nothing to measure
            rows.append(DiffRow(name, paths, _fs(old[next(iter(old))].shape), 0,
                                int(old[next(iter(old))].size), 0.0, ()))
            continue
        changed = {c: ~_values.same_mask(new[c], old[c]) for c in old}  # NaN -> NaN: same
        mask = np.logical_or.reduce(list(changed.values()))
        largest = max(_values.max_change(new[c], old[c]) for c in old)
        rows.append(DiffRow(name, paths, _fs(mask.shape), int(mask.sum()), int(mask.size),
                            largest, tuple(c for c in old if changed[c].any())))
    n = sum(r.changed > 0 for r in rows)
    return Table(rows, title=f"Changes: {n} of {len(rows)} parameters changed",
                 columns=[("name", "name"), ("paths", "paths"), ("shape", "shape"),
                          ("changed", "changed"), ("size", "size"), ("largest", "largest"),
                          ("contexts", "contexts")])
