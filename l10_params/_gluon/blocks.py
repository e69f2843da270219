"""Blocks as Gluon keeps them: children, own parameters, and a private copy of a net."""
from __future__ import annotations

import copy
from collections import OrderedDict, deque
from typing import Iterator, List, Tuple

from mxnet import gluon

from .params import INITIALIZED, iter_params, state


def blocks(net: gluon.Block) -> "List[Tuple[str, gluon.Block]]":
    """Every block of ``net`` with its structural path (``''`` for ``net``), each object once."""
    out, seen, queue = [], set(), deque([("", net)])
    while queue:
        path, b = queue.popleft()  # a list's pop(0) moves every entry: quadratic on wide nets
        if id(b) in seen:
            continue
        seen.add(id(b))
        out.append((path, b))
        queue.extend((f"{path}.{k}" if path else k, c) for k, c in b._children.items())
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
    return OrderedDict(block._reg_params)


def owns_params(block: gluon.Block) -> bool:
    """Whether a block has parameters of its own (registered, or in its ParameterDict)."""
    return bool(block._reg_params) or bool(block.params._params)


def private_copy(net: gluon.Block) -> gluon.Block:
    """A deep copy of ``net`` that shares nothing with it (values and ties kept inside; zero
    gradients, attached again with the public ``grad_req`` setter).

    A hybridized block's cached graph and a Trainer hold C handles that cannot be copied:
    the copy gets none (no Trainer; imperative mode again with the public
    ``hybridize(active=False)``). The user's forward hooks and pre-hooks stay with ``net``:
    the copy starts with none, so a forward of the copy runs none of the user's code.
    """
    memo = {}
    for _, b in blocks(net):
        for attr in ("_cached_op", "_cached_graph"):
            value = getattr(b, attr, None)
            if value is not None:
                memo[id(value)] = None if attr == "_cached_op" else ()
        for attr in ("_forward_hooks", "_forward_pre_hooks"):  # the copy gets empty ones
            hooks = getattr(b, attr, None)
            if hooks is not None:
                memo[id(hooks)] = OrderedDict()
    for p in iter_params(net):  # a Trainer (its KVStore holds C handles) stays with net
        if getattr(p, "_trainer", None) is not None:
            memo[id(p._trainer)] = None
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
