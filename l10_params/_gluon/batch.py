"""Reading and writing many parameters with few engine operations (reads internals, as
``params`` does): one engine call per parameter, each with its own wait, is what costs most
on a net of many small layers."""
from __future__ import annotations

import math
from collections import OrderedDict
from typing import List, Optional

import mxnet as mx
import numpy as np

from .params import INITIALIZED, _arrays, copies, ctx_name, state

_DIRECT = 1 << 16  # values from which an array is copied on its own (no stacking buffer)
_STACKABLE = frozenset(np.dtype(t) for t in ("float16", "float32", "float64", "uint8", "int8",
                                             "int32", "int64"))


def copies_of(params) -> "List[Optional[OrderedDict[str, np.ndarray]]]":
    """``copies(p)`` of each initialized parameter (None for the others), as NumPy arrays:
    small arrays of one shape, dtype and context are stacked by MXNet and copied to NumPy
    with one wait (each parameter's copy is its row of that block), a large or unusual one
    on its own."""
    out: list = []
    groups: dict = {}
    for p in params:
        if state(p) != INITIALIZED:
            out.append(None)
            continue
        shape = tuple(p._shape)
        if (p._stype != "default" or not shape or math.prod(shape) >= _DIRECT
                or np.dtype(p.dtype) not in _STACKABLE):
            out.append(copies(p))
            continue
        got: "OrderedDict[str, np.ndarray]" = OrderedDict()
        out.append(got)
        for c, d in zip(p._ctx_list, p._data):
            key = (shape, p.dtype, c.device_typeid, c.device_id)
            got[ctx_name(c)] = None  # filled below, in the contexts' order
            groups.setdefault(key, []).append((got, ctx_name(c), _nd(d)))
    for members in groups.values():
        block = (mx.nd.stack(*[d for _, _, d in members], axis=0) if len(members) > 1
                 else members[0][2].expand_dims(0)).asnumpy()
        for (got, name, _), row in zip(members, block):
            got[name] = row
    return out


def copy_values(pairs) -> None:
    """For each ``(dst, src)`` pair of Parameters, ``dst.set_data(src.data(first ctx))`` on
    every context of ``dst``, in few engine operations: small sources of one shape, dtype
    and context are stacked once and split straight into the destinations' arrays (MXNet's
    ``stack`` and ``split``); a large one is copied on its own. Every source is read (queued)
    before anything is written, so a destination may also be a source. A deferred, row_sparse
    or 0-d destination, or one whose Trainer keeps its values on a kvstore, goes through
    ``set_data`` (with a copy). Either array kind: NumPy-mode arrays are written through
    their ``as_nd_ndarray`` views (the same memory).
    """
    groups: dict = {}
    slow = []
    aliased = bool({id(s) for _, s in pairs} & {id(d) for d, _ in pairs})
    for dst, src in pairs:
        trainer = dst._trainer
        if (dst._data is None or dst._stype != "default" or src._stype != "default"
                or not dst._shape or (trainer is not None and trainer._kv_initialized
                                      and trainer._update_on_kvstore)):
            slow.append((dst, _arrays(src)[0].copy()))  # the copy is read now, written below
            continue
        value, here = _nd(src._data[0]), src._ctx_list[0]
        for c, d in zip(dst._ctx_list, dst._data):
            key = (tuple(dst._shape), dst.dtype, here.device_typeid, here.device_id,
                   c.device_typeid, c.device_id)
            group = groups.get(key) or groups.setdefault(key, ([], [], c, here))
            group[0].append(value)
            group[1].append(_nd(d))
    staged = []  # (what to write, destinations, split it?)
    for key, (values, outs, c, here) in groups.items():  # every read is queued first
        if len(values) > 1 and math.prod(key[0]) < _DIRECT:  # key[0]: the shape, all known
            block = mx.nd.stack(*values, axis=0)
            staged.append((block if c == here else block.copyto(c), outs, True))
        else:
            staged += [(v.copy() if aliased else v, [d], False) for v, d in zip(values, outs)]
    for dst, value in slow:
        dst.set_data(value)
    for block, outs, split in staged:
        if split:
            mx.nd.split(block, num_outputs=len(outs), axis=0, squeeze_axis=True, out=outs)
        else:
            block.copyto(outs[0])


def _nd(x):  # the legacy view of the same memory: stack and split take either kind so
    return x.as_nd_ndarray() if isinstance(x, mx.np.ndarray) else x


def nonfinite_counts(arrays) -> List[int]:
    """How many NaN or infinite entries each MXNet array (nd or mx.np) holds, in few engine
    operations: float arrays of one shape, dtype and context are stacked and summed row by
    row (a finite sum means every entry is finite); only an array whose sum is not finite
    (a NaN or inf, or a sum that overflows) is counted exactly, in NumPy. Integer arrays
    hold no NaN: 0."""
    out = [0] * len(arrays)
    groups: dict = {}
    exact = []
    for i, a in enumerate(arrays):
        if np.dtype(a.dtype).kind != "f" or not a.size:
            continue
        if getattr(a, "stype", "default") != "default":  # row_sparse: read it as it is
            exact.append(i)
            continue
        a = _nd(a)
        key = (a.shape, a.dtype, a.context) if a.size < _DIRECT else ("alone", i)
        groups.setdefault(key, []).append((i, a))
    sums = []  # every sum queued before the first wait
    for members in groups.values():
        arrs = [a for _, a in members]
        block = mx.nd.stack(*arrs, axis=0) if len(arrs) > 1 else arrs[0].expand_dims(0)
        sums.append(([i for i, _ in members], block.reshape((len(arrs), -1)).sum(axis=1)))
    for indices, total in sums:
        exact += [i for i, s in zip(indices, total.asnumpy()) if not np.isfinite(s)]
    for i in exact:
        out[i] = int((~np.isfinite(arrays[i].asnumpy())).sum())
    return out
