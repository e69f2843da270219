"""Claims about tied parameters: the same Parameter objects, or separate ones."""
from __future__ import annotations

from typing import Optional, Tuple

from mxnet import gluon

from .._text import format_shape
from ..access import select
from ..sharing import is_tied
from ._common import default_names, fail, listed, operand_names, pair, paths, same_values


def assert_tied(a, b, *, names: Optional[Tuple[str, str]] = None) -> None:
    """``a`` and ``b`` are the same Parameter, or two layers holding the same Parameter objects.

    Equal values are not enough: the message says which parameters are separate objects,
    and whether their values are equal (copied instead of tied). ``names`` is how it calls
    ``a`` and ``b`` (e.g. ``('tied_net[1]', 'tied_net[2]')``; their Gluon names by default).

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> assert_tied(net[1], net[2])
    >>> assert_tied(net[0], net[1], names=('net[0]', 'net[1]'))
    Traceback (most recent call last):
    ...
    AssertionError: net[0] and net[1] are not tied: build one with params=
    expected: the same Parameter objects in both ...
    found: weight: 'dense1_weight' (8, 20) vs 'dense0_weight' (8, 8), separate objects; ...
    """
    pair(a, b, "assert_tied")
    A, B = operand_names(names, 2, default_names(a, b), "assert_tied")
    if is_tied(a, b):
        return
    pa, pb = (({"": a}, {"": b}) if isinstance(a, gluon.Parameter)
              else (paths(a), paths(b)))
    notes, equal = [], True  # equal: every separate pair holds equal values
    for key in list(pa) + [k for k in pb if k not in pa]:
        p, q = pa.get(key), pb.get(key)
        head = f"{key}: " if key else ""
        if p is None or q is None:
            notes.append(f"{head}only in {A if q is None else B}")
            equal = False
        elif p is not q:
            same = same_values(p, q)
            equal = equal and same
            notes.append(f"{head}{p.name!r} {format_shape(p.shape)} vs {q.name!r} "
                         f"{format_shape(q.shape)}, "
                         + ("separate objects (values equal)" if same else "separate objects"))
    first = (f"{B} copies {A} instead of sharing: use params=" if equal else
             f"{A} and {B} are not tied: build one with params=")
    raise fail(first,
               "expected: the same Parameter objects in both (the second layer built with "
               "params=first.params, or tied_dense(first))",
               "found: " + "; ".join(notes),
               "equal values are not a tie: training changes one copy and not the other"
               if equal else None)


def assert_not_tied(a, b, *, names: Optional[Tuple[str, str]] = None) -> None:
    """No Parameter object of ``a`` is also one of ``b`` (not even one of several).

    ``names`` is how the message calls ``a`` and ``b`` (their Gluon names by default).

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> assert_not_tied(net[0], net[1])
    >>> assert_not_tied(net[1].weight, net[2].weight)
    Traceback (most recent call last):
    ...
    AssertionError: 'dense0_weight' is used in both: give each its own Parameter
    ...
    """
    pair(a, b, "assert_not_tied")
    A, B = operand_names(names, 2, default_names(a, b), "assert_not_tied")
    is_tied(a, b)  # its ValueError for a layer without parameters
    mine = {id(p) for p in select(b).values()}
    shared = [p.name for p in select(a).values() if id(p) in mine]
    if not shared:
        return
    if a is b and isinstance(a, gluon.Block):
        first = f"{B} is {A} itself: copy into a layer of its own"
        found = f"found: one layer object ({a.name!r}) in both places"
    elif isinstance(a, gluon.Parameter):
        first = f"{a.name!r} is used in both: give each its own Parameter"
        found = f"found: one Parameter object {a.name!r} in both places"
    else:
        first = f"{A} and {B} share {listed(shared, 2)}: build {B} without params="
        if len(first) > 67:
            first = f"{A} and {B} share Parameters: build {B} without params="
        found = (f"found: {listed([repr(n) for n in shared])} "
                 f"{'is one Parameter object' if len(shared) == 1 else 'are Parameter objects'}"
                 f" used by both")
    raise fail(first,
               "expected: separate Parameter objects (values may be equal)",
               found,
               "so training one changes the other; to start from the same values, copy them: "
               "copy_params(first, second), or second.weight.set_data(first.weight.data()) "
               "and the same for the bias")
