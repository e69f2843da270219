"""Claims about selection and training: what a pattern picks, what is frozen."""
from __future__ import annotations

from typing import Iterable, Optional

from .. import _gluon
from .._text import compile_pattern
from .._validate import flag, require_target
from ..access import select as _select
from ._common import chosen, labels
from ._common import paths as _paths


def assert_selects(net, select: Optional[str], expected_names: Iterable[str], *,
                   exclude: Optional[str] = None, by: str = "name") -> None:
    """``select(net, select, exclude=exclude, by=by)`` picks exactly ``expected_names``
    (Gluon names, in any order).

    The comparison is as sets, since Gluon lists parameters in the order layers were
    registered; a failure shows both lists in order. An empty selection passes only for
    ``expected_names=[]``, and otherwise fails with :func:`select`'s hint.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> assert_selects(net, '.*bias', ['dense1_bias', 'dense0_bias'])
    >>> assert_selects(net, 'weight', ['dense0_weight', 'dense1_weight'])
    Traceback (most recent call last):
    ...
    AssertionError: pattern 'weight' selects nothing, expected ['dense0_weight', \
'dense1_weight']: pattern 'weight' matches no parameter; ... use '.*weight' ...
    """
    if isinstance(expected_names, str) or not all(
            isinstance(n, str) for n in expected_names):
        raise TypeError(f"expected_names must be a list of parameter names such as "
                        f"['dense0_weight'], not {expected_names!r}")
    expected = list(expected_names)
    require_target(net, allow_param=False)
    pattern = select
    for rx in (pattern, exclude):
        if rx is not None:
            compile_pattern(rx)  # a bad regex stays a ValueError
    try:
        got = list(_select(net, pattern, exclude=exclude, by=by))
    except ValueError as e:  # nothing matched: select's own message carries the fix
        if not expected:
            return
        raise AssertionError(f"pattern {pattern!r} selects nothing, expected {expected}: {e}"
                             ) from None
    if set(got) != set(expected):
        paths = {k: p.name for k, p in _paths(net).items()}
        notes = [f"selected {got}", f"expected {expected}"]
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        notes += [f"not selected: {missing}"] * bool(missing)
        notes += [f"not expected: {extra}"] * bool(extra)
        if any(n in paths for n in expected):
            notes.append("select matches Gluon names, not structural paths: "
                         + ", ".join(f"{n} is {paths[n]!r}" for n in expected if n in paths))
        raise AssertionError(f"pattern {pattern!r} does not select what was expected: "
                             + "; ".join(notes))


def assert_frozen(net, select: Optional[str] = None, *, exclude: Optional[str] = None,
                  by: str = "name", frozen: bool = True) -> None:
    """Every selected parameter has ``grad_req == 'null'`` (with ``frozen=False``: none has).

    With ``frozen=False``, parameters that never train (BatchNorm's running statistics,
    constants: Gluon keeps their grad_req 'null' whatever is set) are not counted.

    >>> from l10_params import lecture_mlp, freeze
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> _ = freeze(net, 'dense0_.*')
    >>> assert_frozen(net, 'dense0_.*')
    >>> assert_frozen(net, frozen=False)
    Traceback (most recent call last):
    ...
    AssertionError: 2 of 4 parameters are frozen (grad_req 'null') but should train: \
dense0_weight (0.weight), dense0_bias (0.bias); unfreeze them: unfreeze(net, pattern) ...
    """
    frozen = flag(frozen, "frozen", "assert_frozen")
    params = chosen(net, select, "net", exclude=exclude, by=by)
    if not frozen:  # BatchNorm's running statistics, constants: 'null' by nature, not blamed
        params = [p for p in params if _gluon.differentiable(p)]
    names = labels(net)
    bad = [p for p in params if (p.grad_req == "null") != frozen]
    if bad:
        shown = ", ".join(names[p.name] + ("" if not frozen else f" grad_req {p.grad_req!r}")
                          for p in bad)
        state, fix = (("are not frozen (grad_req should be 'null')",
                       "freeze them: freeze(net, pattern) or p.grad_req = 'null'") if frozen else
                      ("are frozen (grad_req 'null') but should train",
                       "unfreeze them: unfreeze(net, pattern) or p.grad_req = 'write'"))
        raise AssertionError(f"{len(bad)} of {len(params)} parameters {state}: {shown}; {fix}")
