"""Assertions for homework and tests: ``from l10_params.testing import assert_tied``.

Like ``numpy.testing``, each ``assert_*`` returns None when the claim holds and raises
``AssertionError`` otherwise, with a message that names the parameters (Gluon name and
structural path), the values involved and what to do. The wrong kind of object is a
``TypeError``, a bad pattern a ``ValueError``.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional

import numpy as np
from mxnet import gluon

from . import _gluon
from ._initplan import describe
from .editing import Snapshot
from .initializers import check_init
from .selection import _empty_message
from .selection import select as _select
from .sharing import is_tied

__all__ = ["assert_tied", "assert_not_tied", "assert_initialized", "assert_init_matches",
           "assert_params_equal", "assert_selects", "assert_frozen"]


def _labels(target) -> Dict[int, str]:
    """id(Parameter) -> ``"dense0_weight (0.weight)"`` (the name alone when path == name)."""
    return {i: p.name if paths[0] == p.name else f"{p.name} ({', '.join(paths)})"
            for i, (p, paths) in _gluon.unique_params(target).items()}


def _chosen(target, pattern, what: str) -> List[gluon.Parameter]:
    """The distinct parameters of ``target`` that Gluon's ``pattern`` selects (all if None)."""
    _gluon.check_target(target, what)
    if isinstance(target, gluon.Parameter):
        one = gluon.ParameterDict()
        one.update({target.name: target})
        target = one
    params = list(_select(target, pattern).values())
    if not params:
        raise ValueError(f"{what} has no parameters to check; pass a net that holds some")
    return params


def _pair(a, b, fn: str) -> None:
    kinds = (gluon.Parameter, gluon.Block)
    if not (isinstance(a, kinds) and isinstance(b, kinds)) or \
            isinstance(a, gluon.Parameter) != isinstance(b, gluon.Parameter):
        raise TypeError(f"{fn} takes two Parameters or two layers, not {type(a).__name__} and "
                        f"{type(b).__name__}; e.g. {fn}(net[1], net[2]) or "
                        f"{fn}(net[1].weight, net[2].weight)")


def _same_values(p, q) -> bool:
    ready = _gluon.state(p) == _gluon.state(q) == _gluon.INITIALIZED and p.shape == q.shape
    return ready and bool(np.array_equal(_gluon.first_copy(p), _gluon.first_copy(q)))


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
    _pair(a, b, "assert_tied")
    if is_tied(a, b):
        return
    fix = "build the second layer with params=first.params (or tied_dense(first))"
    pa, pb = (({"": a}, {"": b}) if isinstance(a, gluon.Parameter)
              else (_gluon.param_paths(a), _gluon.param_paths(b)))
    notes, equal = [], True  # equal: every separate pair holds equal values
    for key in list(pa) + [k for k in pb if k not in pa]:
        p, q = pa.get(key), pb.get(key)
        head = f"{key}: " if key else ""
        if p is None or q is None:
            notes.append(f"{head}only in {(a if q is None else b).name!r}")
            equal = False
        elif p is not q:
            same = _same_values(p, q)
            equal = equal and same
            notes.append(f"{head}{p.name!r} {_gluon.format_shape(p.shape)} vs {q.name!r} "
                         f"{_gluon.format_shape(q.shape)}, "
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
    _pair(a, b, "assert_not_tied")
    is_tied(a, b)  # its ValueError for a layer without parameters
    mine = {id(p) for p in _gluon.iter_params(b)}
    shared = [p.name for p in _gluon.iter_params(a) if id(p) in mine]
    if shared:
        where = "" if isinstance(a, gluon.Parameter) else f" by layers {a.name!r} and {b.name!r}"
        what = "is one Parameter object" if len(shared) == 1 else "are Parameter objects"
        raise AssertionError(
            f"{', '.join(repr(n) for n in shared)} {what} used in both places{where}; build "
            "the second layer without params=... to give it its own parameters, or copy "
            "values with copy_params(first, second) instead of tying")


def assert_initialized(net_or_param) -> None:
    """Every parameter has values: none deferred (shape unknown), none never initialized.

    >>> from l10_params import fresh_names
    >>> from mxnet.gluon import nn
    >>> with fresh_names():
    ...     net = nn.Dense(4)
    >>> net.initialize()
    >>> assert_initialized(net)
    Traceback (most recent call last):
    ...
    AssertionError: 1 of 2 parameters have no values yet: deferred: dense0_weight (weight) \
shape (4, ?); run one forward pass, e.g. net(X), so Gluon learns the input size
    >>> from mxnet import nd
    >>> _ = net(nd.ones((2, 3)))
    >>> assert_initialized(net)
    """
    _gluon.check_target(net_or_param, "net_or_param")
    labels, groups = _labels(net_or_param), {_gluon.DEFERRED: [], _gluon.UNINITIALIZED: []}
    for i, (p, _) in _gluon.unique_params(net_or_param).items():
        if _gluon.state(p) in groups:
            groups[_gluon.state(p)].append(f"{labels[i]} shape {_gluon.format_shape(p.shape)}")
    if any(groups.values()):
        fixes = {_gluon.DEFERRED: "run one forward pass, e.g. net(X), so Gluon learns the "
                 "input size", _gluon.UNINITIALIZED: "call net.initialize() (then net(X) once)"}
        lines = [f"{st}: {', '.join(names)}; {fixes[st]}" for st, names in groups.items() if names]
        bad = sum(map(len, groups.values()))
        raise AssertionError(f"{bad} of {len(labels)} parameters have no values yet: "
                             + "\n".join(lines))


def assert_init_matches(param_or_net, init, select: Optional[str] = None) -> None:
    """Every selected parameter's values look like ``init``'s, judged by :func:`check_init`.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> assert_init_matches(net, 'uniform', select='.*weight')
    >>> assert_init_matches(net[0], 'ones')
    Traceback (most recent call last):
    ...
    AssertionError: 2 of 2 parameters do not look like One(): ...
      FAIL dense0_bias ~ One(): 256 of 256 values differ from 1 (min 0, max 0) ...
    """
    params = _chosen(param_or_net, select, "param_or_net")
    labels, fails, what = _labels(param_or_net), [], describe(init)
    for p in params:
        try:
            c = check_init(p, init)
        except RuntimeError as e:  # no values yet: a failed claim, with check_init's fix
            fails.append(f"  {labels[id(p)]}: {e}")
            continue
        what = c.initializer
        if not c.passed:
            fails.append(f"  {c} [{labels[id(p)]}]")
    if fails:
        raise AssertionError(f"{len(fails)} of {len(params)} parameters do not look like "
                             f"{what}:\n" + "\n".join(fails) + "\nexplain_init(net) shows which "
                             "initializer each parameter got; re-run it with reinitialize(...)")


def _values(x, select) -> "Dict[str, Optional[Dict[str, np.ndarray]]]":
    """Structural path -> {context: NumPy copy} (None without values), from a net or Snapshot."""
    snap = x if isinstance(x, Snapshot) else Snapshot(x)
    names = [name for name, _ in snap.params.values()]
    if select is not None:
        rx = _gluon.compile_pattern(select, "select")
        names = [n for n in names if rx.match(n)]
        if not names:
            raise ValueError(_empty_message(select, [n for n, _ in snap.params.values()],
                                            "select"))
    return {path: snap.values[first] for first, (name, paths) in snap.params.items()
            if name in names for path in paths}


def assert_params_equal(a, b, *, rtol: float = 1e-6, atol: float = 0.0,
                        select: Optional[str] = None) -> None:
    """``a`` and ``b`` (nets, layers, Parameters or Snapshots) hold the same values.

    Parameters pair up by structural path (``'0.weight'``); every context's copy is
    compared (``|a - b| <= atol + rtol * |b|``), a context one side lacks against that
    side's first copy. ``select`` is a Gluon pattern on the names of ``a`` (of ``b`` if
    ``a`` is a Snapshot and ``b`` is not). The message lists missing paths, shapes that
    differ and, per path, how many values differ and the largest difference and where.

    >>> from l10_params import lecture_mlp
    >>> a, X = lecture_mlp(ctx='cpu', seed=0)
    >>> b, _ = lecture_mlp(ctx='cpu:0,cpu:1', seed=0)
    >>> assert_params_equal(a, b)
    >>> b[1].bias.list_data()[1][3] += 0.5
    >>> assert_params_equal(a, b, select='.*bias')
    Traceback (most recent call last):
    ...
    AssertionError: parameters differ (rtol=1e-06, atol=0): largest |a - b| = 0.5 at 1.bias \
[3] on cpu(1) (a 0, b 0.5)
      1.bias on cpu(1): 1 of 10 values differ, largest 0.5 at [3]
    to make b equal a, copy_params(a, b); ...
    """
    ref = b if isinstance(a, Snapshot) and not isinstance(b, Snapshot) else a
    keep = _values(ref, select) if select is not None else None
    va, vb = ({k: v for k, v in _values(x, None).items() if keep is None or k in keep}
              for x in (a, b))
    if isinstance(a, gluon.Parameter) and isinstance(b, gluon.Parameter):
        va, vb = {"value": next(iter(va.values()))}, {"value": next(iter(vb.values()))}
    lines = [f"{k}: in a but not in b" for k in va if k not in vb]
    lines += [f"{k}: in b but not in a" for k in vb if k not in va]
    worst = (0.0, "")
    for key in (k for k in va if k in vb):
        ca, cb = va[key], vb[key]
        if ca is None or cb is None:
            side = "a" if ca is None else "b"
            lines.append(f"{key}: no values in {side} (deferred or never initialized); "
                         "initialize it and run one forward pass first")
            continue
        for ctx in dict.fromkeys(list(ca) + list(cb)):
            x, y = ca.get(ctx, next(iter(ca.values()))), cb.get(ctx, next(iter(cb.values())))
            if x.shape != y.shape:
                lines.append(f"{key}: shape {x.shape} in a, {y.shape} in b")
                break
            d = np.abs(x.astype(np.float64) - y)
            bad = d > atol + rtol * np.abs(y)
            if bad.any():
                at = np.unravel_index(int(np.argmax(d)), d.shape)
                where = f"{key} {list(at)} on {ctx} (a {x[at]:.6g}, b {y[at]:.6g})"
                worst = max(worst, (float(d[at]), where))
                lines.append(f"{key} on {ctx}: {int(bad.sum())} of {bad.size} values differ, "
                             f"largest {float(d[at]):.6g} at {list(at)}")
    if lines:
        head = f"parameters differ (rtol={rtol:g}, atol={atol:g})"
        if worst[1]:
            head += f": largest |a - b| = {worst[0]:.6g} at {worst[1]}"
        raise AssertionError(head + "\n  " + "\n  ".join(lines) + "\nto make b equal a, "
                             "copy_params(a, b); for rounding noise, raise rtol or atol")


def assert_selects(net, pattern: Optional[str], expected_names: Iterable[str]) -> None:
    """``select(net, pattern)`` picks exactly ``expected_names`` (Gluon names, in any order).

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
    _gluon.check_target(net, allow_param=False)
    if pattern is not None:
        _gluon.compile_pattern(pattern)  # a bad regex stays a ValueError
    try:
        got = list(_select(net, pattern))
    except ValueError as e:  # nothing matched: select's own message carries the fix
        if not expected:
            return
        raise AssertionError(f"pattern {pattern!r} selects nothing, expected {expected}: {e}"
                             ) from None
    if set(got) != set(expected):
        paths = {k: p.name for k, p in _gluon.param_paths(net).items()}
        notes = [f"selected {got}", f"expected {expected}"]
        missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
        notes += [f"not selected: {missing}"] * bool(missing)
        notes += [f"not expected: {extra}"] * bool(extra)
        if any(n in paths for n in expected):
            notes.append("select matches Gluon names, not structural paths: "
                         + ", ".join(f"{n} is {paths[n]!r}" for n in expected if n in paths))
        raise AssertionError(f"pattern {pattern!r} does not select what was expected: "
                             + "; ".join(notes))


def assert_frozen(net, pattern: Optional[str] = None, *, frozen: bool = True) -> None:
    """Every selected parameter has ``grad_req == 'null'`` (with ``frozen=False``: none has).

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
    params = _chosen(net, pattern, "net")
    labels = _labels(net)
    bad = [p for p in params if (p.grad_req == "null") != frozen]
    if bad:
        shown = ", ".join(labels[id(p)] + ("" if not frozen else f" grad_req {p.grad_req!r}")
                          for p in bad)
        state, fix = (("are not frozen (grad_req should be 'null')",
                       "freeze them: freeze(net, pattern) or p.grad_req = 'null'") if frozen else
                      ("are frozen (grad_req 'null') but should train",
                       "unfreeze them: unfreeze(net, pattern) or p.grad_req = 'write'"))
        raise AssertionError(f"{len(bad)} of {len(params)} parameters {state}: {shown}; {fix}")
