"""Selecting parameters by Gluon's regex, and changing how the selected ones train.

Gluon's ``collect_params(select)`` applies ``re.match`` to the full name, so ``'weight'``
matches nothing and an empty selection passes silently. :func:`select` refuses it and says
what the pattern should have been.
"""
from __future__ import annotations

import math
from typing import List, Optional

from mxnet import gluon

from . import _gluon
from ._text import compile_pattern, no_match_message
from ._validate import require_target

GRAD_REQS = ("write", "add", "null")
ATTRS = ("grad_req", "lr_mult", "wd_mult")


def select(net, pattern: Optional[str] = None, *, exclude: Optional[str] = None
           ) -> gluon.ParameterDict:
    """``net.collect_params(pattern)`` minus the names matching ``exclude``, never empty.

    ``net`` is a Block or a ParameterDict. Patterns are Gluon's: a regex applied with
    ``re.match`` to the full parameter name. An invalid regex, a pattern that matches
    nothing, or an ``exclude`` that removes everything is a ``ValueError`` that shows the
    names and the likely fix.

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
    require_target(net, allow_param=False)
    everything = _gluon.named_params(net)
    names = list(everything)
    keep = names
    if pattern is not None:
        rx = compile_pattern(pattern)
        keep = [n for n in names if rx.match(n)]
        if not keep:
            raise ValueError(no_match_message(pattern, names))
    if exclude is not None:
        rx = compile_pattern(exclude, "exclude")
        kept = [n for n in keep if not rx.match(n)]
        if not kept:
            raise ValueError(
                f"exclude {exclude!r} removes every selected parameter ({', '.join(keep[:5])}); "
                "nothing would be left: narrow exclude or widen the pattern"
            )
        keep = kept
    out = gluon.ParameterDict(getattr(net, "prefix", ""))
    out.update({n: everything[n] for n in keep})
    return out


def _validate_attrs(attrs: dict) -> None:
    if not attrs:
        raise ValueError(f"set_attr needs at least one of {', '.join(ATTRS)}, "
                         "e.g. set_attr(net, '.*bias', wd_mult=0)")
    for key, value in attrs.items():
        if key not in ATTRS:
            raise ValueError(f"unknown attribute {key!r}; set_attr sets {', '.join(ATTRS)}")
        if key == "grad_req" and value not in GRAD_REQS:
            raise ValueError(f"grad_req={value!r} is not one of {GRAD_REQS}; "
                             "'write' trains, 'add' accumulates, 'null' freezes")
        if key != "grad_req" and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not math.isfinite(value) or value < 0):
            raise ValueError(f"{key}={value!r} must be a finite number >= 0 "
                             f"(1 keeps the trainer's value, 0 switches it off)")


def set_attr(net, pattern: Optional[str] = None, **attrs) -> List[str]:
    """Set ``grad_req``, ``lr_mult`` or ``wd_mult`` on the selected parameters.

    Every name and value is checked before anything changes. Returns the names changed.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> set_attr(net, '.*bias', wd_mult=0.0)
    ['dense0_bias', 'dense1_bias']
    >>> net[0].bias.wd_mult, net[0].weight.wd_mult
    (0.0, 1.0)
    """
    _validate_attrs(attrs)
    params = select(net, pattern)
    for p in params.values():
        for key, value in attrs.items():
            setattr(p, key, value if key == "grad_req" else float(value))
    return list(params)


def freeze(net, pattern: Optional[str] = None, *, exclude: Optional[str] = None) -> List[str]:
    """Stop training the selected parameters (``grad_req='null'``); returns their names.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> freeze(net, 'dense0.*')
    ['dense0_weight', 'dense0_bias']
    >>> net[0].weight.grad_req, net[1].weight.grad_req
    ('null', 'write')
    """
    return set_attr(select(net, pattern, exclude=exclude), None, grad_req="null")


def unfreeze(net, pattern: Optional[str] = None, *, exclude: Optional[str] = None) -> List[str]:
    """Train the selected parameters again (``grad_req='write'``); returns their names.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> _ = freeze(net)
    >>> unfreeze(net, '.*weight')
    ['dense0_weight', 'dense1_weight']
    """
    return set_attr(select(net, pattern, exclude=exclude), None, grad_req="write")
