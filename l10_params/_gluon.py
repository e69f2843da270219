"""The one place that touches MXNet Gluon internals, and the one bridge between array kinds.

Everything else in the package asks this module for structural paths, parameter states,
object identities and array conversions, so that a change in Gluon's private attributes is
mended here once. It reads internals and never writes them. Names read:
``Block._collect_params_with_prefix``, ``Block._children``, ``HybridBlock._cached_op`` and
``_cached_graph``, ``Parameter._data``, ``Parameter._deferred_init``, MXNet's initializer
registry. (``_initplan.py`` is the other side of the boundary: it replays Gluon's choice of
initializer and reads ``Initializer._kwargs``.)

Arrays: with ``npx.set_np()`` on, parameters hold ``mx.np.ndarray`` and legacy ``nd``
operators refuse them (and the reverse). ``to_numpy`` reads either kind; ``new_array``
makes an array of the interface in force; nothing else in the package checks the mode.
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Iterator, List, Tuple

import mxnet as mx
import numpy as np
from mxnet import gluon, nd, npx

INITIALIZED, DEFERRED, UNINITIALIZED = "initialized", "deferred", "uninitialized"


def param_paths(target) -> "OrderedDict[str, gluon.Parameter]":
    """Structural path -> Parameter (``'0.weight'``); stable when names count up.

    The one definition of "the net's parameters" that every helper uses. A Block gives
    Gluon's own paths (those of ``save_parameters``: a block's attributes, then its
    children), plus the parameters a block made with ``self.params.get(...)`` without
    storing them as attributes (``collect_params`` lists those; their path ends in the name
    after the block's prefix). A tied Parameter appears once per place that uses it. A
    ParameterDict has no structure, so its Gluon names stand in for paths; a single
    Parameter is keyed by its name.
    """
    if isinstance(target, gluon.Block):
        out: "OrderedDict[str, gluon.Parameter]" = OrderedDict()
        _walk(target, "", out, set())
        return out
    if isinstance(target, gluon.ParameterDict):
        return OrderedDict(target.items())
    if isinstance(target, gluon.Parameter):
        return OrderedDict([(target.name, target)])
    raise TypeError("expected a gluon.Block, ParameterDict or Parameter, "
                    f"not {type(target).__name__}")


def _walk(block: gluon.Block, prefix: str, out, active: set) -> None:
    if id(block) in active:  # a block that contains itself: stop instead of recursing forever
        return
    active.add(id(block))
    mine = set()
    for name, p in block._reg_params.items():
        out[prefix + name] = p
        mine.add(id(p))
    for p in block.params.values():
        if id(p) not in mine:
            mine.add(id(p))
            suffix = p.name[len(block.prefix):] if p.name.startswith(block.prefix) else p.name
            out[prefix + (suffix or p.name)] = p
    for key, child in block._children.items():
        _walk(child, f"{prefix}{key}.", out, active)
    active.discard(id(block))


def unique_params(target) -> "OrderedDict[int, Tuple[gluon.Parameter, List[str]]]":
    """id(Parameter) -> (Parameter, [paths that hold it]); tied parameters appear once."""
    out: "OrderedDict[int, Tuple[gluon.Parameter, List[str]]]" = OrderedDict()
    for path, p in param_paths(target).items():
        out.setdefault(id(p), (p, []))[1].append(path)
    return out


def iter_params(target) -> Iterator[gluon.Parameter]:
    """Each distinct Parameter of ``target`` once, in structural order."""
    for p, _ in unique_params(target).values():
        yield p


def named_params(target) -> "OrderedDict[str, gluon.Parameter]":
    """Gluon name -> Parameter, as ``collect_params()`` lists them (tied ones once).

    For a Block, ``collect_params()``'s order, then any parameter it misses that a block
    stores as an attribute (a ``gluon.Parameter`` assigned directly).
    """
    if isinstance(target, gluon.Block):
        out = OrderedDict(target.collect_params().items())
        seen = {id(p) for p in out.values()}
        for p in iter_params(target):
            if id(p) not in seen:
                seen.add(id(p))
                out.setdefault(p.name, p)
        return out
    return OrderedDict((p.name, p) for p in iter_params(target))


def state(p: gluon.Parameter) -> str:
    """``'initialized'``, ``'deferred'`` (waiting for the first forward) or ``'uninitialized'``."""
    if p._data is not None:
        return INITIALIZED
    if p._deferred_init:
        return DEFERRED
    return UNINITIALIZED


def contexts(p: gluon.Parameter) -> List[mx.Context]:
    """The contexts a parameter lives (or will live) on; ``[]`` before ``initialize``."""
    if state(p) == UNINITIALIZED:
        return []
    return list(p.list_ctx())


def pending_init(p: gluon.Parameter):
    """The initializer a deferred parameter will run at its first forward, else None."""
    if state(p) != DEFERRED:
        return None
    own, _ctx, default = p._deferred_init[:3]
    return own if own is not None else default


def known_shape(p: gluon.Parameter) -> bool:
    """True when every dimension of the shape is known (Gluon writes 0 for unknown)."""
    return p.shape is not None and all(d > 0 for d in p.shape)


def copies(p: gluon.Parameter) -> "OrderedDict[str, np.ndarray]":
    """``{'cpu(0)': values, ...}``: a NumPy copy of every context's values (initialized only)."""
    return OrderedDict((str(c), d.asnumpy()) for c, d in zip(p.list_ctx(), p.list_data()))


def first_copy(p: gluon.Parameter) -> np.ndarray:
    """A NumPy copy of the values on the parameter's first context."""
    return p.list_data()[0].asnumpy()


def initializer_names() -> List[str]:
    """The names MXNet's ``init.create`` knows (``'zeros'``, ``'xavier'``, ...), sorted."""
    from mxnet import initializer, registry

    return sorted(registry._REGISTRY[initializer.Initializer])




def numpy_mode() -> bool:
    """True when ``npx.set_np()`` is in force (parameters hold ``mx.np.ndarray``)."""
    return bool(npx.is_np_array())


def is_mx_array(x) -> bool:
    """True for an ``mx.nd.NDArray`` or an ``mx.np.ndarray`` (a subclass of it)."""
    return isinstance(x, nd.NDArray)


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of an MXNet array of either interface; NumPy values pass through."""
    if is_mx_array(x):
        return x.asnumpy()
    return np.asarray(x)


def new_array(value, dtype=None, ctx=None):
    """``value`` (NumPy or a number) as an MXNet array of the interface in force."""
    value = np.asarray(value, dtype=dtype)
    ctx = ctx or mx.cpu()
    if numpy_mode():
        return mx.np.array(value, dtype=value.dtype, ctx=ctx)
    return nd.array(value, dtype=value.dtype, ctx=ctx)


def zeros(shape, dtype, ctx=None):
    """Zeros of the interface in force (what an initializer fills in place)."""
    ctx = ctx or mx.cpu()
    if numpy_mode():
        return mx.np.zeros(shape, dtype=dtype, ctx=ctx)
    return nd.zeros(shape, dtype=dtype, ctx=ctx)


def blocks(net: gluon.Block) -> "List[Tuple[str, gluon.Block]]":
    """Every block of ``net`` with its structural path (``''`` for ``net``), each object once."""
    out, seen, stack = [], set(), [("", net)]
    while stack:
        path, b = stack.pop(0)
        if id(b) in seen:
            continue
        seen.add(id(b))
        out.append((path, b))
        stack.extend((f"{path}.{k}" if path else k, c) for k, c in b._children.items())
    return out


def block_paths(net: gluon.Block, prefix: str = "",
                active=None) -> Iterator[Tuple[str, gluon.Block]]:
    """Every (structural path, block) of ``net``; a block reached by two paths comes twice."""
    active = set() if active is None else active
    if id(net) in active:  # a block that contains itself: stop instead of recursing forever
        return
    active.add(id(net))
    yield prefix, net
    for key, child in net._children.items():
        yield from block_paths(child, f"{prefix}.{key}" if prefix else key, active)
    active.discard(id(net))


def own_params(block: gluon.Block) -> "OrderedDict[str, gluon.Parameter]":
    """The parameters a block registered itself (attribute name -> Parameter), not children's."""
    return OrderedDict(block._reg_params.items())


def private_copy(net: gluon.Block) -> gluon.Block:
    """A deep copy of ``net`` that shares nothing with it (values and ties kept inside; zero
    gradients, attached again with the public ``grad_req`` setter).

    A hybridized block's cached graph holds C handles that cannot be copied: the copy gets
    none and is switched back to imperative mode with the public ``hybridize(active=False)``.
    """
    memo = {}
    for _, b in blocks(net):
        for attr in ("_cached_op", "_cached_graph"):
            value = getattr(b, attr, None)
            if value is not None:
                memo[id(value)] = None if attr == "_cached_op" else ()
    twin = copy.deepcopy(net, memo)
    for p in iter_params(twin):  # copied arrays are not autograd variables: mark them again
        req = p.grad_req
        if req != "null" and state(p) == INITIALIZED:
            p.grad_req = "null"  # the public setter detaches, then attaches fresh gradients
            p.grad_req = req
    if isinstance(twin, gluon.HybridBlock):
        twin.hybridize(active=False)
    else:
        for _, b in blocks(twin):
            if isinstance(b, gluon.HybridBlock):
                b.hybridize(active=False)
    return twin
