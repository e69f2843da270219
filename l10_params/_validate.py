"""The validation layer: one helper per condition, one exception type and one wording each.

Every public helper asks these questions before it plans or writes anything:

- what it was given (``require_target``: a Block, a ParameterDict or a Parameter -> TypeError);
- a Parameter where a dict is needed (``as_param_dict``);
- whether a parameter has values yet (``require_values`` -> RuntimeError, with the fix);
- whether autograd is recording (``refuse_recording`` -> RuntimeError).
"""
from __future__ import annotations

from typing import Optional

from mxnet import autograd, gluon

from . import _gluon
from ._text import format_shape


def require_target(obj, what: str = "net", *, allow_param: bool = True) -> None:
    """Raise ``TypeError`` unless ``obj`` is a Block, a ParameterDict (or a Parameter).

    >>> require_target({'a': 1})
    Traceback (most recent call last):
    ...
    TypeError: net must be a gluon.Block, a ParameterDict or a Parameter, not dict ...
    """
    kinds = (gluon.Block, gluon.ParameterDict) + ((gluon.Parameter,) if allow_param else ())
    if not isinstance(obj, kinds):
        names = "a gluon.Block, a ParameterDict" + (" or a Parameter" if allow_param else "")
        raise TypeError(
            f"{what} must be {names}, not {type(obj).__name__} ({obj!r:.60}); "
            "pass the network itself (net) or net.collect_params()"
        )


def as_param_dict(target) -> "gluon.Block | gluon.ParameterDict":
    """``target`` itself, or a one-entry ParameterDict when it is a single Parameter.

    >>> p = gluon.Parameter('w', shape=(2,))
    >>> list(as_param_dict(p))
    ['w']
    """
    if isinstance(target, gluon.Parameter):
        one = gluon.ParameterDict()
        one.update({target.name: target})
        return one
    return target


def no_values_message(p: gluon.Parameter, path: Optional[str] = None) -> str:
    """The one wording of 'this parameter has no values yet', with the fix for its state."""
    where = f" ({path})" if path and path != p.name else ""
    st = _gluon.state(p)
    if st == _gluon.DEFERRED:
        return (f"parameter {p.name!r}{where} is deferred, shape {format_shape(p.shape)}: it "
                "has no values yet (its input size is inferred at the first forward); run one "
                "forward pass first, e.g. net(X)")
    return (f"parameter {p.name!r}{where} was never initialized: it has no values yet; call "
            "net.initialize(ctx=...) and run one forward pass first")


def require_values(p: gluon.Parameter, path: Optional[str] = None) -> None:
    """Raise ``RuntimeError`` unless ``p`` holds values (initialized, not deferred).

    >>> p = gluon.Parameter('w', shape=(2, 0))
    >>> require_values(p)
    Traceback (most recent call last):
    ...
    RuntimeError: parameter 'w' was never initialized: it has no values yet; ...
    """
    if _gluon.state(p) != _gluon.INITIALIZED:
        raise RuntimeError(no_values_message(p, path))


def refuse_recording(call: str) -> None:
    """Raise ``RuntimeError`` inside ``autograd.record()``: a write there would be recorded."""
    if autograd.is_recording():
        raise RuntimeError(
            f"{call} was called inside autograd.record(): a write there would become part of "
            "the recorded graph, and MXNet refuses in-place writes to arrays it records; "
            "call it outside the `with autograd.record():` block, or inside "
            "`with autograd.pause():`"
        )
