"""The one place that touches MXNet Gluon internals.

Everything else in the package asks this module for structural paths, parameter states
and object identities, so that a change in Gluon's private attributes is mended here once.
Names used: ``Block._children``, ``Block._reg_params``, ``Block._active``,
``Block._collect_params_with_prefix``, ``Parameter._data`` and ``Parameter._deferred_init``.
"""
from __future__ import annotations

import contextlib
import copy
import re
from collections import OrderedDict
from typing import Dict, Iterator, List, Tuple

import mxnet as mx
import numpy as np
from mxnet import gluon

INITIALIZED, DEFERRED, UNINITIALIZED = "initialized", "deferred", "uninitialized"


def check_target(obj, what: str = "net", *, allow_param: bool = True) -> None:
    """Raise ``TypeError`` unless ``obj`` is a Block, a ParameterDict (or a Parameter)."""
    kinds = (gluon.Block, gluon.ParameterDict) + ((gluon.Parameter,) if allow_param else ())
    if not isinstance(obj, kinds):
        names = "a gluon.Block, a ParameterDict" + (" or a Parameter" if allow_param else "")
        raise TypeError(
            f"{what} must be {names}, not {type(obj).__name__} ({obj!r:.60}); "
            "pass the network itself (net) or net.collect_params()"
        )


def param_paths(target) -> "OrderedDict[str, gluon.Parameter]":
    """Structural path -> Parameter (``'0.weight'``); stable when names count up.

    A Block gives Gluon's own paths (those of ``save_parameters``); a tied Parameter
    appears once per place that uses it. A ParameterDict has no structure, so its
    Gluon names stand in for paths; a single Parameter is keyed by its name.
    """
    if isinstance(target, gluon.Block):
        return OrderedDict(target._collect_params_with_prefix())
    if isinstance(target, gluon.ParameterDict):
        return OrderedDict(target.items())
    if isinstance(target, gluon.Parameter):
        return OrderedDict([(target.name, target)])
    check_target(target)
    raise AssertionError("unreachable")  # pragma: no cover


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
    """Gluon name -> Parameter, as ``collect_params()`` lists them (tied ones once)."""
    if isinstance(target, gluon.Block):
        return OrderedDict(target.collect_params().items())
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


def format_shape(shape) -> str:
    """``(256, 0)`` -> ``'(256, ?)'``: Gluon's 0 means 'not known until the first forward'."""
    if shape is None:
        return "?"
    dims = ["?" if d == 0 else str(d) for d in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def close_names(name: str, names, n: int = 5) -> List[str]:
    """Up to ``n`` of ``names`` that look like ``name`` (for KeyError and ValueError hints)."""
    import difflib

    return difflib.get_close_matches(name, list(names), n=n, cutoff=0.4)


def compile_pattern(pattern, what: str = "pattern") -> "re.Pattern[str]":
    """Compile a Gluon select pattern, turning ``re.error`` into a ValueError with the fix."""
    if not isinstance(pattern, str):
        raise TypeError(f"{what} must be a regex string such as '.*weight', not {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as e:
        raise ValueError(
            f"{what} {pattern!r} is not a valid regular expression ({e}); "
            "Gluon matches it with re.match against the full name, e.g. '.*weight' or 'dense0_.*'"
        ) from None


def forward_ctx_error(net: gluon.Block, X) -> "str | None":
    """A sentence saying why ``net(X)`` would fail on contexts, or None when it can run.

    The data must sit on a context where every initialized parameter has a copy.
    """
    ctx = getattr(X, "context", None)
    if ctx is None:
        return None
    for path, p in param_paths(net).items():
        where = contexts(p)
        if where and ctx not in where:
            return (
                f"the data is on {ctx} but parameter {p.name!r} ({path}) lives on {where}; "
                f"move the data with X.as_in_context({where[0]}) "
                f"or the net with net.collect_params().reset_ctx({ctx})"
            )
    return None


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


@contextlib.contextmanager
def separate_uses(net: gluon.Block, replacements: Dict[str, gluon.Parameter]):
    """Inside the block, the use at each structural path reads its own replacement Parameter.

    Used to untie a tied parameter for one computation (each use gets its own copy). A block
    reached by two paths (the same layer object added twice) is shallow-cloned for the later
    path, so that its two uses can hold different parameters. Hybridization is switched off
    meanwhile (a cached graph holds the old parameters); every change is undone on exit,
    even after an error.
    """
    undo, seen = [], {}
    stack = [net]
    while stack:
        b = stack.pop()
        if isinstance(b, gluon.HybridBlock):
            undo.append((b.__dict__, "_active", b._active))
            object.__setattr__(b, "_active", False)
        stack.extend(b._children.values())

    def put(store, key, value):  # store: a block's dict (_children, _reg_params, __dict__)
        undo.append((store, key, store[key]))
        store[key] = value

    try:
        for path, new in replacements.items():
            *keys, key = path.split(".")
            block, prefix = net, ""
            for k in keys:
                child, prefix = block._children[k], prefix + k + "."
                if seen.setdefault(id(child), prefix) != prefix:  # reached a second way
                    clone = copy.copy(child)
                    object.__setattr__(clone, "_children", OrderedDict(child._children))
                    object.__setattr__(clone, "_reg_params", OrderedDict(child._reg_params))
                    put(block._children, k, clone)
                    if block.__dict__.get(k) is child:
                        put(block.__dict__, k, clone)
                    seen[id(clone)], child = prefix, clone
                block = child
            put(block._reg_params, key, new)
            if key in block.__dict__:
                put(block.__dict__, key, new)
        yield
    finally:
        for store, key, old in reversed(undo):
            store[key] = old
