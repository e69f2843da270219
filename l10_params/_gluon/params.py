"""Parameters as Gluon keeps them: paths, states, contexts and values (read, never written)."""
from __future__ import annotations

from collections import OrderedDict
from typing import Iterator, List, Tuple

import mxnet as mx
import numpy as np
from mxnet import gluon

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
        out: "OrderedDict[str, gluon.Parameter]" = OrderedDict()
        attrs: List[gluon.Parameter] = []
        _collect(target, out, attrs, set())
        seen = {id(p) for p in out.values()} if attrs else set()
        for p in attrs:  # in structural order, as param_paths lists them
            if id(p) not in seen:
                seen.add(id(p))
                out.setdefault(p.name, p)
        return out
    return OrderedDict((p.name, p) for p in iter_params(target))


def _collect(block: gluon.Block, out, attrs: list, active: set) -> None:
    # collect_params()'s walk (each block's params, then its children, first name kept)
    # without its ParameterDict.update at every level, which costs depth x parameters; the
    # same walk notes the parameters stored as attributes (``collect_params`` may miss them).
    if id(block) in active:
        return
    active.add(id(block))
    own = block.params._params
    for p in block._reg_params.values():
        if own.get(p.name) is not p:  # in its block's ParameterDict: collected just below
            attrs.append(p)
    for name, p in own.items():
        out.setdefault(name, p)
    for child in block._children.values():
        _collect(child, out, attrs, active)
    active.discard(id(block))


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


def _arrays(p: gluon.Parameter) -> list:  # list_data() refuses row_sparse; _data reads
    return list(p._data) if p._stype != "default" else p.list_data()


def copies(p: gluon.Parameter) -> "OrderedDict[str, np.ndarray]":
    """``{'cpu(0)': values, ...}``: a NumPy copy of every context's values (initialized only)."""
    return OrderedDict((ctx_name(c), d.asnumpy()) for c, d in zip(p.list_ctx(), _arrays(p)))


_CTX_NAMES: dict = {}


def ctx_name(c: mx.Context) -> str:
    """``str(c)`` (``'cpu(0)'``), remembered: 8,000 parameters ask for it 8,000 times."""
    key = (c.device_typeid, c.device_id)
    name = _CTX_NAMES.get(key)
    if name is None:
        name = _CTX_NAMES[key] = str(c)
    return name


def first_array(p: gluon.Parameter):
    """The MXNet array of the parameter's first context itself (no copy)."""
    return _arrays(p)[0]


def first_copy(p: gluon.Parameter) -> np.ndarray:
    """A NumPy copy of the values on the parameter's first context (row_sparse too)."""
    return _arrays(p)[0].asnumpy()


def first_grad(p: gluon.Parameter):
    """A NumPy copy of the gradient on the first context, or None when there is none to show:
    grad_req ``'null'``, no values yet, or an all-zero gradient that no backward wrote
    (MXNet's ``_fresh_grad`` flag, set by ``backward`` and cleared by ``Trainer.step``, is off:
    the zeros Gluon attaches, or zeros after ``zero_grad`` and a step). A backward that wrote
    zeros shows zeros; a gradient a step has used keeps its numbers."""
    if p.grad_req == "null" or p._data is None or p._grad is None:
        return None
    g = p._grad[0].asnumpy()
    if not p._data[0]._fresh_grad and not g.any():
        return None
    return g


def differentiable(p: gluon.Parameter) -> bool:
    """False when grad_req is 'null' by nature (BatchNorm running statistics, constants)."""
    return bool(getattr(p, "_differentiable", True))


def can_defer(p: gluon.Parameter) -> bool:
    """True when Gluon may wait for the first forward to learn an unknown shape."""
    return bool(getattr(p, "_allow_deferred_init", False))


def initializer_kwargs(initializer) -> dict:
    """The arguments an Initializer was made with (``Initializer._kwargs``; {} for others)."""
    return dict(getattr(initializer, "_kwargs", {}))


def initializer_names() -> List[str]:
    """The names MXNet's ``init.create`` knows (``'zeros'``, ``'xavier'``, ...), sorted."""
    from mxnet import initializer, registry

    return sorted(registry._REGISTRY[initializer.Initializer])


def zero_grad(p: gluon.Parameter) -> None:
    """Zero ``p``'s gradients in place (Gluon 1.9.1's ``zero_grad`` uses a legacy operator
    that refuses ``mx.np`` arrays)."""
    for g in (p.list_grad() if p.grad_req != "null" and p._data is not None else []):
        g[:] = 0
