"""Access and select: parameters by Gluon's regex or by structural path, and how they train.

Gluon's ``collect_params(select)`` applies ``re.match`` to the full name, so ``'weight'``
matches nothing and an empty selection passes silently. :func:`select` refuses it and says
what the pattern should have been.
"""
from __future__ import annotations

from typing import List, Optional

from mxnet import gluon

from . import _gluon
from ._text import brief, close_names, compile_pattern, no_match_message, shown
from ._validate import (
    as_param_dict,
    number,
    require_net,
    require_params,
    require_target,
    trainable,
)

GRAD_REQS = ("write", "add", "null")
ATTRS = ("grad_req", "lr_mult", "wd_mult")


def select(net, select: Optional[str] = None, *, exclude: Optional[str] = None,
           by: str = "name") -> gluon.ParameterDict:
    """``net.collect_params(select)`` minus the names matching ``exclude``, never empty.

    ``net`` is a Block, a ParameterDict or one Parameter. ``select`` and ``exclude`` are Gluon's
    patterns: a regex applied with ``re.match`` to the full parameter name. With ``by='path'``
    they apply to the structural paths ``summary`` shows instead (``'0.1.0.bias'``, the book's
    ``rgnet[0][1][0].bias``; a tied parameter is taken when any of its paths matches); the
    result is keyed by Gluon name either way. An invalid regex, a pattern that matches nothing,
    or an ``exclude`` that removes everything is a ``ValueError`` that shows the names (or
    paths) and the likely fix.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> list(select(net, '.*weight'))
    ['dense0_weight', 'dense1_weight']
    >>> list(select(net, exclude='.*bias'))
    ['dense0_weight', 'dense1_weight']
    >>> select(net, 'weight')
    Traceback (most recent call last):
    ...
    ValueError: pattern 'weight' matches no parameter; ... use '.*weight' to match 'weight' ...
    """
    require_target(net)
    net = as_param_dict(net)  # a Parameter: a one-entry ParameterDict, in every helper
    everything = _gluon.named_params(net)
    if not everything:
        require_params(net)  # an empty net is refused: select never returns empty
    if by not in ("name", "path"):
        raise ValueError(f"by={by!r}: select matches 'name' (Gluon names such as "
                         "'dense0_weight') or 'path' (structural paths such as '0.1.0.bias')")
    names = list(everything)
    matches = _matcher(net, by)
    keep = names
    if select is not None:
        rx = compile_pattern(select, "path pattern" if by == "path" else "pattern")
        keep = [n for n in names if matches(rx, n)]
        if not keep:
            paths = list(_gluon.param_paths(net))
            raise ValueError(_no_match(select, names if by == "name" else paths, by,
                                       paths if by == "name" else names))
    if exclude is not None:
        rx = compile_pattern(exclude, "exclude")
        kept = [n for n in keep if not matches(rx, n)]
        if not kept:
            raise ValueError(
                f"exclude {exclude!r} removes every selected parameter ({', '.join(keep[:5])}); "
                "nothing would be left: narrow exclude or widen the pattern"
            )
        keep = kept
    out = gluon.ParameterDict(getattr(net, "prefix", ""))
    out.update({n: everything[n] for n in keep})
    return out


_select = select  # the function, for helpers whose argument of the same name hides it


def _matcher(net, by: str):
    """``matches(rx, name)``: whether ``rx`` matches the name itself (``by='name'``) or any
    path that holds the parameter of that name (``by='path'``)."""
    if by == "name":
        return lambda rx, name: rx.match(name) is not None
    paths: dict = {}
    for path, p in _gluon.param_paths(net).items():
        paths.setdefault(p.name, []).append(path)
    return lambda rx, name: any(rx.match(k) for k in paths.get(name, ()))


def _no_match(pattern: str, keys, by: str, others) -> str:
    """Why ``pattern`` matches none of ``keys`` (names, or paths with ``by='path'``), with the
    likely fix; when it matches one of ``others`` (the other kind), the other ``by`` too."""
    rx = compile_pattern(pattern)
    hits = shown([k for k in others if rx.match(k)], 4)
    if by == "name":
        msg = no_match_message(pattern, keys)
        if not hits:
            return msg
        return msg + (" It" if msg.endswith(".") else "; or: it") + (
            f" matches the structural path(s) {hits}: pass by='path' to select by path, "
            f"select(net, {pattern!r}, by='path')")
    msg = no_match_message(pattern, keys, "path pattern").replace("the names are",
                                                                   "the paths are")
    if hits:
        return msg + (" It" if msg.endswith(".") else "; or: it") + (
            f" matches the Gluon name(s) {hits}: leave by out (by='name', the default) to "
            "select by name")
    close = close_names(pattern, keys)
    return msg + (f" Close paths: {', '.join(close)}." if close else "") + (
        " Paths are those summary(net) shows, e.g. '0.1.0.bias' for net[0][1][0].bias")


def param_at(net: gluon.Block, path: str) -> gluon.Parameter:
    """The Parameter at a structural path, as ``summary`` prints it: ``param_at(rgnet,
    '0.1.0.bias')`` is the book's ``rgnet[0][1][0].bias``.

    A path that does not exist is a ``KeyError`` listing the close paths.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> param_at(net, '1.bias') is net[1].bias
    True
    >>> param_at(net, '1.bais')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    KeyError: "no parameter at path '1.bais'; close paths: '1.bias', ..."
    """
    require_net(net, call="param_at", why="paths such as '0.1.0.bias' follow its structure")
    if not isinstance(path, str):
        raise TypeError(f"path must be a string such as '0.weight', not {type(path).__name__} "
                        f"({brief(path, 40)})")
    paths = _gluon.param_paths(net)
    if path in paths:
        return paths[path]
    close = close_names(path, paths)
    by_name = [k for k, p in paths.items() if p.name == path]
    if by_name:
        hint = f"{path!r} is a Gluon name, at path {by_name[0]!r}"
    elif close:
        hint = "close paths: " + ", ".join(repr(c) for c in close)
    else:
        hint = f"the paths are {', '.join(repr(k) for k in list(paths)[:6])}" + (
            ", ..." if len(paths) > 6 else "") if paths else "the net has no parameters"
    raise KeyError(f"no parameter at path {path!r}; {hint} (summary(net) lists every path)")


def _validate_attrs(attrs: dict) -> dict:
    """The attributes to set, checked: ``grad_req`` one of GRAD_REQS, the multipliers
    finite numbers >= 0 (Python or NumPy) as floats."""
    if not attrs:
        raise ValueError(f"set_attr needs at least one of {', '.join(ATTRS)}, "
                         "e.g. set_attr(net, '.*bias', wd_mult=0)")
    for key, value in attrs.items():
        if key not in ATTRS:
            raise ValueError(f"unknown attribute {key!r}; set_attr sets {', '.join(ATTRS)}")
        if key == "grad_req" and value not in GRAD_REQS:
            raise ValueError(f"grad_req={value!r} is not one of {GRAD_REQS}; "
                             "'write' trains, 'add' accumulates, 'null' freezes")
    return {key: str(value) if key == "grad_req" else number(
        value, key, low=0, note=" (1 keeps the trainer's value, 0 switches it off)")
        for key, value in attrs.items()}


def set_attr(net, select: Optional[str] = None, *, exclude: Optional[str] = None,
             by: str = "name", **attrs) -> List[str]:
    """Set ``grad_req``, ``lr_mult`` or ``wd_mult`` on the selected parameters.

    ``select``, ``exclude`` and ``by`` choose the parameters as :func:`select` does.
    ``lr_mult`` and ``wd_mult`` are finite numbers >= 0 (Python or NumPy); ``grad_req`` is
    ``'write'``, ``'add'`` or ``'null'``. Parameters that never train (BatchNorm's running
    statistics, constants) keep grad_req ``'null'`` whatever is assigned, so with
    ``grad_req='write'`` or ``'add'`` they are left out, as :func:`unfreeze` leaves them out,
    and a selection of only those is a ``ValueError``. Every name and value is checked before
    anything changes. Returns the names of the parameters set.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> set_attr(net, '.*bias', wd_mult=0.0)
    ['dense0_bias', 'dense1_bias']
    >>> net[0].bias.wd_mult, net[0].weight.wd_mult
    (0.0, 1.0)
    """
    attrs = _validate_attrs(attrs)
    params = _select(net, select, exclude=exclude, by=by)
    if attrs.get("grad_req", "null") != "null":  # Gluon would keep 'null' on these
        params = trainable(params, "the net" if select is None else f"select={select!r}")
    for p in params.values():
        for key, value in attrs.items():
            setattr(p, key, value)
    return list(params)


def freeze(net, select: Optional[str] = None, *, exclude: Optional[str] = None,
           by: str = "name") -> List[str]:
    """Stop training the selected parameters (``grad_req='null'``); returns their names.

    ``select``, ``exclude`` and ``by`` (``'name'`` or ``'path'``) choose as :func:`select` does.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> freeze(net, 'dense0.*')
    ['dense0_weight', 'dense0_bias']
    >>> net[0].weight.grad_req, net[1].weight.grad_req
    ('null', 'write')
    """
    return set_attr(net, select, exclude=exclude, by=by, grad_req="null")


def unfreeze(net, select: Optional[str] = None, *, exclude: Optional[str] = None,
             by: str = "name") -> List[str]:
    """Train the selected parameters again (``grad_req='write'``); returns their names.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> _ = freeze(net)
    >>> unfreeze(net, '.*weight')
    ['dense0_weight', 'dense1_weight']
    """
    # BatchNorm's running statistics and constants stay 'null' whatever is set: set_attr
    # leaves them out (a ValueError when nothing else is selected)
    return set_attr(net, select, exclude=exclude, by=by, grad_req="write")
