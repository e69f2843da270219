"""Words for messages and tables: shapes, close names, patterns (private, no MXNet).

Every message the library raises is built from these pieces, so that one condition is
always worded one way.
"""
from __future__ import annotations

import difflib
import re
from typing import Iterable, List, Sequence

_PREFIX = re.compile(r"([a-z_]+?\d+)_")


def brief(obj, n: int = 60) -> str:
    """``repr(obj)`` on one line, cut to ``n`` characters (a ParameterDict's spans many).

    >>> brief({'a': [1, 2]}), brief('x' * 80, 10)
    ("{'a': [1, 2]}", "'xxxxxx...")
    """
    text = " ".join(repr(obj).split())
    return text if len(text) <= n else text[:n - 3] + "..."


def format_shape(shape) -> str:
    """``(256, 0)`` -> ``'(256, ?)'``: Gluon's 0 means 'not known until the first forward'.

    >>> format_shape((256, 0)), format_shape((10,)), format_shape(None)
    ('(256, ?)', '(10,)', '?')
    """
    if shape is None:
        return "?"
    dims = ["?" if d <= 0 else str(d) for d in shape]  # 0; -1 in NumPy mode (npx.set_np())
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def close_names(name: str, names: Iterable[str], n: int = 5) -> List[str]:
    """Up to ``n`` of ``names`` that look like ``name`` (for KeyError and ValueError hints).

    >>> close_names('dense0_wieght', ['dense0_weight', 'dense0_bias', 'conv0_weight'])
    ['dense0_weight', 'dense0_bias', 'conv0_weight']
    """
    return difflib.get_close_matches(str(name), list(names), n=n, cutoff=0.4)


def shown(names: Sequence[str], n: int = 5) -> str:
    """The first ``n`` names, quoted and joined, with ``...`` when there are more.

    >>> shown(['a', 'b', 'c'], n=2)
    "'a', 'b', ..."
    """
    return ", ".join(repr(x) for x in names[:n]) + (", ..." if len(names) > n else "")


def compile_pattern(pattern, what: str = "pattern") -> "re.Pattern[str]":
    """Compile a Gluon select pattern, turning ``re.error`` into a ValueError with the fix.

    >>> compile_pattern('.*weight').pattern
    '.*weight'
    >>> compile_pattern('[')
    Traceback (most recent call last):
    ...
    ValueError: pattern '[' is not a valid regular expression (...); Gluon matches it with ...
    """
    if not isinstance(pattern, str):
        raise TypeError(f"{what} must be a regex string such as '.*weight', not "
                        f"{type(pattern).__name__} ({brief(pattern)})")
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError) as e:
        raise ValueError(
            f"{what} {pattern!r} is not a valid regular expression ({e}); Gluon matches it "
            "with re.match against the full name, e.g. '.*weight' or 'dense0_.*'") from None


def _matches_somewhere(pattern: str, names: Sequence[str]) -> bool:
    try:
        rx = re.compile(".*(?:" + pattern + ")")
    except (re.error, RecursionError, OverflowError):
        return False
    return any(rx.match(n) for n in names)


def no_match_message(pattern: str, names: Sequence[str], what: str = "pattern") -> str:
    """Why ``pattern`` selects nothing from ``names``, and the likely fix.

    Gluon's ``collect_params(select)`` uses ``re.match``: anchored at the start, so
    ``'weight'`` needs ``'.*weight'``; layer numbers count up per process, so ``'dense0.*'``
    fails after a cell is re-run.

    >>> no_match_message('weight', ['dense0_weight', 'dense0_bias'])  # doctest: +ELLIPSIS
    "pattern 'weight' matches no parameter; the names are ... use '.*weight' to match ..."
    >>> no_match_message('dense0.*', ['dense2_weight'])  # doctest: +ELLIPSIS
    "... this net's layers are dense2; use 'dense2.*', build the net inside fresh_names()..."
    """
    if not names:
        return f"{what} {pattern!r} matches no parameter: the net has no parameters at all"
    msg = f"{what} {pattern!r} matches no parameter; the names are {shown(list(names))}."
    fix = None
    if _matches_somewhere(pattern, names):
        fix = (f"Gluon uses re.match, anchored at the start of the full name: "
               f"use {'.*' + pattern!r} to match {pattern!r} anywhere in the name")
    else:
        m = re.match(r"([a-z_]+?)(\d+)", pattern)
        prefixes = sorted({_PREFIX.match(n).group(1) for n in names if _PREFIX.match(n)},
                          key=lambda s: (len(s), s))
        same_kind = [p for p in prefixes if m and p.startswith(m.group(1))]
        if m and same_kind:
            fix = (f"layer names count up per process ({m.group(1)}0, {m.group(1)}1, ... and "
                   f"more each time a cell is re-run): this net's layers are "
                   f"{', '.join(same_kind)}; use {same_kind[0] + '.*'!r}, build the net inside "
                   "fresh_names(), or select from the layer itself (net[0].collect_params())")
        else:
            try:
                folded = any(re.match(pattern, n, re.IGNORECASE) for n in names)
            except (re.error, RecursionError, OverflowError):
                folded = False
            if folded:
                fix = f"names are lower case; use {pattern.lower()!r} or '(?i)' + pattern"
    return msg + (" " + fix if fix else "")


def complaint(e: BaseException) -> str:
    """``'TypeName: the line that says what went wrong'`` (MXNet puts its C++ traceback first
    and the reason last).

    >>> complaint(ValueError('Traceback (most recent call last):\\n  File "a.cc"\\nValueError: no'))
    'ValueError: no'
    """
    lines = [ln.strip() for ln in str(e).strip().splitlines() if ln.strip()]
    if lines and lines[0].startswith("Traceback"):
        lines = [ln for ln in lines if not ln.startswith(("Traceback", "File ", "["))][-1:]
    text = lines[0] if lines else ""
    text = text[len(type(e).__name__) + 2:] if text.startswith(type(e).__name__ + ": ") else text
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
