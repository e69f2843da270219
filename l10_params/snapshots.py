"""Snapshots of parameter values and the diff that shows exactly what an edit changed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np

from . import _gluon, _values
from ._table import Table
from ._text import close_names, compile_pattern, format_shape, no_match_message
from ._validate import no_values_message, require_target

_fs = format_shape


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

    def by_path(self, select: Optional[str] = None) -> Dict[str, Optional[Dict[str, np.ndarray]]]:
        """Structural path -> ``{context: copy}`` (None without values), every path of a tied
        parameter listed; ``select`` keeps the Gluon names it matches, as ``select()`` does.
        """
        names = [name for name, _ in self.params.values()]
        if select is not None:
            rx = compile_pattern(select, "select")
            kept = [n for n in names if rx.match(n)]
            if not kept:
                raise ValueError(no_match_message(select, names, "select"))
            names = kept
        return {path: self.values[first] for first, (name, paths) in self.params.items()
                if name in names for path in paths}

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
        raise ValueError(
            "before and after hold different parameters (different nets?): "
            f"{list(before.params)[:4]} vs {list(after.params)[:4]}; "
            "take both snapshots of the same net"
        )
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
