"""Claims about selection and training: what a pattern picks, what is frozen."""
from __future__ import annotations

import os
import re
from typing import Iterable, List, Optional

from .. import _gluon
from .._text import compile_pattern
from .._validate import flag, require_target
from ..access import select as _select
from ._common import chosen, fail, labels, listed, one_name
from ._common import paths as _paths


def _picks(net, pattern, exclude=None, by="name") -> List[str]:
    """The names ``select`` picks, ``[]`` where it refuses an empty selection."""
    try:
        return list(_select(net, pattern, exclude=exclude, by=by))
    except ValueError:
        return []


def _suggest(net, expected: List[str]) -> Optional[str]:
    """A Gluon pattern that selects exactly ``expected``: ``'.*'`` + their common ending, or
    their common beginning + ``'.*'``; None if neither does."""
    if not expected:
        return None
    ends = os.path.commonprefix([n[::-1] for n in expected])[::-1].lstrip("_0123456789")
    starts = os.path.commonprefix(expected)
    for cand in ([".*" + re.escape(ends)] if ends else []) + (
            [re.escape(starts) + ".*"] if starts else []):
        if set(_picks(net, cand)) == set(expected):
            return cand
    return None


def assert_selects(net, select: Optional[str], expected_names: Iterable[str], *,
                   exclude: Optional[str] = None, by: str = "name",
                   name: Optional[str] = None) -> None:
    """``select(net, select, exclude=exclude, by=by)`` picks exactly ``expected_names``
    (Gluon names, in any order).

    The comparison is as sets, since Gluon lists parameters in the order layers were
    registered. An empty selection passes only for ``expected_names=[]``. A failure's first
    line says what the pattern does wrong and a pattern that would work (``'.*'`` in front
    when Gluon's ``re.match`` needs it, or one built from what the expected names share);
    ``name`` is how it calls the net (``'net'`` by default).

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> assert_selects(net, '.*bias', ['dense1_bias', 'dense0_bias'])
    >>> assert_selects(net, 'weight', ['dense0_weight', 'dense1_weight'])
    Traceback (most recent call last):
    ...
    AssertionError: 'weight' selects nothing: Gluon matches from the start, use '.*weight'
    expected: dense0_weight, dense1_weight
    found in net: nothing
    ...
    """
    if isinstance(expected_names, str) or not all(
            isinstance(n, str) for n in expected_names):
        raise TypeError(f"expected_names must be a list of parameter names such as "
                        f"['dense0_weight'], not {expected_names!r}")
    expected = list(expected_names)
    require_target(net, allow_param=False)
    label = one_name(name, "net", "assert_selects")
    pattern = select
    for rx in (pattern, exclude):
        if rx is not None:
            compile_pattern(rx, "select")  # not a string, or a bad regex: TypeError/ValueError
    refusal = ""
    try:
        got = list(_select(net, pattern, exclude=exclude, by=by))
    except ValueError as e:  # nothing matched: select's own message carries the names
        got, refusal = [], str(e)
    if set(got) == set(expected):
        return
    missing = [n for n in expected if n not in got]
    extra = [n for n in got if n not in expected]
    guess = _suggest(net, expected)
    shown = repr(pattern)
    if not got:
        anchored = (by == "name" and pattern is not None and not pattern.startswith(".*")
                    and set(_picks(net, ".*" + pattern, exclude)) == set(expected))
        first = (f"{shown} selects nothing: Gluon matches from the start, use "
                 f"{'.*' + pattern!r}" if anchored else
                 f"{shown} selects nothing: " + (f"try {guess!r}" if guess else
                                                  "see the names below"))
    elif extra and not missing:
        first = (f"{shown} also selects {listed(extra, 1)}: "
                 + (f"try {guess!r}" if guess else "narrow it"))
    elif missing and not extra:
        first = (f"{shown} misses {listed(missing, 1)}: "
                 + (f"try {guess!r}" if guess else "widen it"))
    else:
        first = (f"{shown} selects other parameters: "
                 + (f"try {guess!r}" if guess else "see the names below"))
    notes = []
    if refusal:
        notes.append(refusal)
    by_path = {k: p.name for k, p in _paths(net).items()}
    if any(n in by_path for n in expected):
        notes.append("select matches Gluon names, not structural paths: "
                     + ", ".join(f"{n} is {by_path[n]!r}" for n in expected if n in by_path))
    raise fail(first,
               f"expected: {listed(expected, 6)}",
               f"found in {label}: {listed(got, 6) or 'nothing'}"
               + (f"; not expected: {listed(extra, 3)}" if got and extra else "")
               + (f"; missing: {listed(missing, 3)}" if got and missing else ""),
               *notes)


def assert_frozen(net, select: Optional[str] = None, *, exclude: Optional[str] = None,
                  by: str = "name", frozen: bool = True, only: bool = False,
                  name: Optional[str] = None) -> None:
    """Every selected parameter has ``grad_req == 'null'`` (with ``frozen=False``: none has).

    With ``only=True`` the selected parameters are also the only frozen ones: every other
    parameter that trains by nature still trains (with ``frozen=False``: the selected train
    and no other does); a pattern that selects nothing then means "nothing frozen". With
    ``frozen=False`` or ``only=True``, parameters that never train (BatchNorm's running
    statistics, constants: Gluon keeps their grad_req 'null' whatever is set) are not counted.
    ``name`` is how the message calls the net (``'net'`` by default).

    >>> from l10_params import lecture_mlp, freeze
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> _ = freeze(net, 'dense0_.*')
    >>> assert_frozen(net, 'dense0_.*', only=True)
    >>> assert_frozen(net, '.*bias')
    Traceback (most recent call last):
    ...
    AssertionError: 1 of 2 selected still train: freeze them: freeze(net, '.*bias')
    expected grad_req 'null': dense0_bias (0.bias), dense1_bias (1.bias)
    found still training: dense1_bias (1.bias) 'write'...
    """
    label = one_name(name, "net", "assert_frozen")
    frozen = flag(frozen, "frozen", "assert_frozen")
    only = flag(only, "only", "assert_frozen")
    if only:
        require_target(net)
        for rx in (select, exclude):
            if rx is not None:
                compile_pattern(rx, "select")
        if by not in ("name", "path"):
            raise ValueError(f"by={by!r}: select matches 'name' or 'path'")
        try:
            params = list(_select(net, select, exclude=exclude, by=by).values())
        except ValueError:  # selects nothing: then nothing may be frozen
            params = []
    else:
        params = chosen(net, select, "net", exclude=exclude, by=by)
    if not frozen or only:  # BatchNorm's running statistics, constants: 'null' by nature
        params = [p for p in params if _gluon.differentiable(p)]
    names = labels(net)
    call = f"{label}" + (f", {select!r}" if select is not None else "")
    bad = [p for p in params if (p.grad_req == "null") != frozen]
    if bad:
        want = "'null'" if frozen else "'write'"
        first = (f"{len(bad)} of {len(params)} selected still train: freeze them: "
                 f"freeze({call})" if frozen else
                 f"{len(bad)} of {len(params)} selected are frozen: unfreeze({call})")
        raise fail(first,
                   f"expected grad_req {want}: {listed([names[p.name] for p in params], 5)}",
                   f"found {'still training' if frozen else 'frozen'}: " + listed(
                       [f"{names[p.name]} {p.grad_req!r}" for p in bad], 5),
                   "(in Gluon: p.grad_req = " + want + " for each p in "
                   f"{label}.collect_params(pattern).values())")
    if only:
        mine = {id(p) for p in params}
        others = [p for p in _gluon.iter_params(net) if id(p) not in mine
                  and _gluon.differentiable(p) and (p.grad_req == "null") == frozen]
        if others:
            what = "frozen" if frozen else "training"
            fix = "unfreeze" if frozen else "freeze"
            first = (f"{names[others[0].name].split(' ')[0]}"
                     + (f" and {len(others) - 1} more" if len(others) > 1 else "")
                     + f" {'is' if len(others) == 1 else 'are'} {what} too: {fix} "
                     + ("it" if len(others) == 1 else "them"))
            raise fail(first,
                       f"expected: only what {select!r} selects is {what} "
                       f"({listed([names[p.name] for p in params], 4) or 'nothing'})",
                       f"found {what} as well: {listed([names[p.name] for p in others], 5)}",
                       f"({fix}({label}, pattern) sets grad_req "
                       f"{'write' if frozen else 'null'!r})")
