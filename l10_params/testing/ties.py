"""Claims about tied parameters: the same Parameter objects, or separate ones."""
from __future__ import annotations

from mxnet import gluon

from .._text import format_shape
from ..access import select
from ..sharing import is_tied
from ._common import pair, paths, same_values


def assert_tied(a, b) -> None:
    """``a`` and ``b`` are the same Parameter, or two layers holding the same Parameter objects.

    Equal values are not enough: the message says which parameters are separate objects.

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> assert_tied(net[1], net[2])
    >>> assert_tied(net[0], net[1])
    Traceback (most recent call last):
    ...
    AssertionError: layers 'dense1' and 'dense0' are not tied: weight: 'dense1_weight' (8, 20) \
vs 'dense0_weight' (8, 8), separate objects; ... params=first.params ...
    """
    pair(a, b, "assert_tied")
    if is_tied(a, b):
        return
    fix = "build the second layer with params=first.params (or tied_dense(first))"
    pa, pb = (({"": a}, {"": b}) if isinstance(a, gluon.Parameter)
              else (paths(a), paths(b)))
    notes, equal = [], True  # equal: every separate pair holds equal values
    for key in list(pa) + [k for k in pb if k not in pa]:
        p, q = pa.get(key), pb.get(key)
        head = f"{key}: " if key else ""
        if p is None or q is None:
            notes.append(f"{head}only in {(a if q is None else b).name!r}")
            equal = False
        elif p is not q:
            same = same_values(p, q)
            equal = equal and same
            notes.append(f"{head}{p.name!r} {format_shape(p.shape)} vs {q.name!r} "
                         f"{format_shape(q.shape)}, "
                         + ("separate objects (values equal)" if same else "separate objects"))
    kind = "Parameters" if isinstance(a, gluon.Parameter) else "layers"
    raise AssertionError(f"{kind} {a.name!r} and {b.name!r} are not tied: " + "; ".join(notes)
                         + (f"; equal values but separate objects: {fix}" if equal
                            else f"; to tie them, {fix}"))


def assert_not_tied(a, b) -> None:
    """No Parameter object of ``a`` is also one of ``b`` (not even one of several).

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> assert_not_tied(net[0], net[1])
    >>> assert_not_tied(net[1].weight, net[2].weight)
    Traceback (most recent call last):
    ...
    AssertionError: 'dense0_weight' is one Parameter object used in both places; ...
    """
    pair(a, b, "assert_not_tied")
    is_tied(a, b)  # its ValueError for a layer without parameters
    mine = {id(p) for p in select(b).values()}
    shared = [p.name for p in select(a).values() if id(p) in mine]
    if shared:
        where = "" if isinstance(a, gluon.Parameter) else f" by layers {a.name!r} and {b.name!r}"
        what = "is one Parameter object" if len(shared) == 1 else "are Parameter objects"
        raise AssertionError(
            f"{', '.join(repr(n) for n in shared)} {what} used in both places{where}; build "
            "the second layer without params=... to give it its own parameters, or copy "
            "values with copy_params(first, second) instead of tying")
