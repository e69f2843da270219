"""The validation layer: one helper per condition, one exception type and one wording each.

Every public helper asks these questions before it plans or writes anything:

- what it was given (``require_target``: a Block, a ParameterDict or a Parameter -> TypeError);
- a Parameter where a dict is needed (``as_param_dict``);
- what a net is (``require_net``: a Block -> TypeError) and whether it has parameters at all
  (``require_params`` -> ValueError: an empty net selects, freezes and copies nothing);
- whether a parameter has values yet (``require_values`` -> RuntimeError, with the fix), or
  was at least initialized (``require_initialized``: a deferred one may still be written);
- which parameters can train at all (``trainable``: BatchNorm's running statistics and
  constants keep grad_req 'null' whatever is assigned);
- whether autograd is recording (``refuse_recording`` -> RuntimeError).

What a context spec may be is ``contexts.resolve_ctx``; what a value may be for a dtype is
``editing.set_value``; how values compare (NaN = NaN) is ``_values``.
"""
from __future__ import annotations

from typing import Optional

from mxnet import autograd, gluon

from . import _gluon
from ._text import brief, format_shape


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
            f"{what} must be {names}, not {type(obj).__name__} ({brief(obj)}); "
            "pass the network itself (net) or net.collect_params()"
        )


def require_net(obj, what: str = "net", call: str = "", why: str = "") -> None:
    """Raise ``TypeError`` unless ``obj`` is a ``gluon.Block``: a helper that runs a forward
    pass or follows the net's structure needs one; ``why`` says what it needs it for.

    >>> require_net(gluon.ParameterDict(), call="tied_groups")
    Traceback (most recent call last):
    ...
    TypeError: tied_groups: net must be a gluon.Block (the network itself), not ParameterDict ...
    """
    if not isinstance(obj, gluon.Block):
        head = f"{call}: " if call else ""
        raise TypeError(f"{head}{what} must be a gluon.Block (the network itself), not "
                        f"{type(obj).__name__} ({brief(obj)}){': ' + why if why else ''}; "
                        "pass net, not net.collect_params() or one of its parameters")


def require_params(target, what: str = "net") -> None:
    """Raise ``ValueError`` when ``target`` holds no parameter at all.

    >>> from mxnet.gluon import nn
    >>> require_params(nn.Sequential(prefix='empty_'))
    Traceback (most recent call last):
    ...
    ValueError: net 'empty_' has no parameters (an empty Sequential): nothing to select, ...
    """
    if not _gluon.param_paths(target):
        label = getattr(target, "prefix", "") or getattr(target, "name", "")
        raise ValueError(
            f"{what} {label!r} has no parameters (an empty {type(target).__name__}): nothing "
            "to select, change or copy; add layers first (net.add(nn.Dense(10))), or pass "
            "the net that holds them")


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


def require_initialized(p: gluon.Parameter, path: Optional[str] = None) -> None:
    """Raise ``RuntimeError`` when ``p`` was never initialized (deferred is accepted).

    >>> require_initialized(gluon.Parameter('w', shape=(2, 0)))
    Traceback (most recent call last):
    ...
    RuntimeError: parameter 'w' was never initialized: it has no values yet; ...
    """
    if _gluon.state(p) == _gluon.UNINITIALIZED:
        raise RuntimeError(no_values_message(p, path))


def trainable(params: gluon.ParameterDict, what: str = "pattern") -> gluon.ParameterDict:
    """The parameters of ``params`` that can train; ``ValueError`` when none can.

    BatchNorm's ``running_mean``/``running_var`` and constants are made with
    ``differentiable=False``: Gluon keeps their grad_req 'null' whatever is assigned, so
    listing them as unfrozen would be false.
    """
    out = gluon.ParameterDict(params.prefix)
    out.update({n: p for n, p in params.items() if _gluon.differentiable(p)})
    if not list(out.keys()):
        raise ValueError(
            f"{what} selects only parameters that never train ({', '.join(list(params)[:5])}: "
            "running statistics or constants, grad_req 'null' by nature); select the "
            "weights instead, e.g. '.*weight|.*bias|.*gamma|.*beta'")
    return out


def refuse_recording(call: str) -> None:
    """Raise ``RuntimeError`` inside ``autograd.record()``: a write there would be recorded."""
    if autograd.is_recording():
        raise RuntimeError(
            f"{call} was called inside autograd.record(): a write there would become part of "
            "the recorded graph, and MXNet refuses in-place writes to arrays it records; "
            "call it outside the `with autograd.record():` block, or inside "
            "`with autograd.pause():`"
        )
