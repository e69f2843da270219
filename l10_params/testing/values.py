"""Claims about values: initialized, drawn by an initializer, equal between two nets."""
from __future__ import annotations

import contextlib
import io
import linecache
import math
import os
from typing import Dict, List, Optional, Tuple

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon
from mxnet import initializer as mxinit

from .. import _gluon
from .. import _values as _cmp
from .._text import format_shape
from .._validate import no_values_message, number, require_target
from ..editing import Snapshot, snapshot
from ..initialization import check_init
from ..initialization.plan import as_initializer, describe, plan
from ..summary import summary
from ._common import (
    FIRST_LINE,
    chosen,
    default_names,
    fail,
    labels,
    listed,
    one_name,
    operand_names,
    tidy,
)


def assert_initialized(net, *, name: Optional[str] = None) -> None:
    """Every parameter has values: none deferred (shape unknown), none never initialized.

    ``name`` is how the message calls the net (``'net'`` by default).

    >>> from l10_params import fresh_names
    >>> from mxnet.gluon import nn
    >>> with fresh_names():
    ...     net = nn.Dense(4)
    >>> net.initialize()
    >>> assert_initialized(net)
    Traceback (most recent call last):
    ...
    AssertionError: 1 of 2 parameters have no values yet: run net(X) once
    deferred: dense0_weight (weight) shape (4, ?); run one forward pass, e.g. net(X), so \
Gluon learns the input size
    >>> from mxnet import nd
    >>> _ = net(nd.ones((2, 3)))
    >>> assert_initialized(net)
    """
    require_target(net, "net")
    label = one_name(name, "net", "assert_initialized")
    rows = summary(net).rows
    groups = {"deferred": [], "uninitialized": []}
    for r in rows:
        if r.state in groups:
            shown = r.name if r.paths[0] == r.name else f"{r.name} ({', '.join(r.paths)})"
            groups[r.state].append(f"{shown} shape {r.shape}")
    if any(groups.values()):
        fixes = {"deferred": f"run one forward pass, e.g. {label}(X), so Gluon learns the "
                 "input size", "uninitialized": f"call {label}.initialize() (then "
                 f"{label}(X) once)"}
        lines = [f"{st}: {', '.join(names)}; {fixes[st]}" for st, names in groups.items() if names]
        bad = sum(map(len, groups.values()))
        fix = (f"run {label}(X) once" if not groups["uninitialized"] else
               f"{label}.initialize(), then {label}(X)")
        raise fail(f"{bad} of {len(rows)} parameters have no values yet: {fix}", *lines)


# -- assert_init_matches --------------------------------------------------------------------

def _draw_error(init, shape, dtype) -> Optional[Tuple[BaseException, str]]:
    """Run ``init`` on a scratch array of ``shape``, as Gluon runs it on a weight; the
    exception it raises and the source line it raised at (the innermost line outside MXNet
    and this package), or None when it runs."""
    initializer = as_initializer(init)
    if isinstance(initializer, str):
        initializer = mxinit.create(initializer)
    scratch = _gluon.zeros(shape, dtype, mx.cpu())
    try:
        with autograd.pause(), contextlib.redirect_stdout(io.StringIO()):
            initializer(mxinit.InitDesc("weight", {"__init__": initializer}), scratch)
    except Exception as e:  # noqa: BLE001 - whatever a student's initializer raises
        skip = (os.path.dirname(mx.__file__), os.path.dirname(os.path.dirname(__file__)))
        line, tb = "", e.__traceback__
        while tb is not None:
            fname = tb.tb_frame.f_code.co_filename
            if not fname.startswith(skip):
                line = linecache.getline(fname, tb.tb_lineno).strip()
            tb = tb.tb_next
        return e, line
    return None


def _std_formulas(shape) -> List[Tuple[float, str, str]]:
    """Standard deviations a fan-based initializer might use for a weight of ``shape``:
    ``(value, formula, which)`` where ``which`` is 'in', 'out', 'both' or 'variance'."""
    if len(shape) < 2:
        return []
    field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    fin, fout = shape[1] * field, shape[0] * field
    out = []
    for k in (2, 1):
        out += [(math.sqrt(k / fin), f"sqrt({k} / {fin})", "in"),
                (math.sqrt(k / fout), f"sqrt({k} / {fout})", "out"),
                (k / fin, f"{k} / {fin}", "variance"),
                (math.sqrt(2 * k / (fin + fout)), f"sqrt({2 * k} / ({fin} + {fout}))", "both")]
    return out


def _normal_diagnosis(w: np.ndarray, sigma: float, shape, label: str) -> Optional[Tuple[str,
                                                                                       str]]:
    """For values that should be N(0, sigma): (first line, a line on the formulas), or None."""
    n = w.size
    if n < 2:
        return None
    mean, std = float(w.mean()), float(w.std(ddof=1))
    se = sigma / math.sqrt(2 * (n - 1))
    formulas = _std_formulas(shape)
    want = next((f for f in formulas if abs(f[0] - sigma) <= 1e-6 * sigma), None)
    fin = shape[1] * (int(np.prod(shape[2:])) if len(shape) > 2 else 1) if len(shape) > 1 \
        else None
    about = (f"fan_in = shape[1] = {fin} for a weight of shape {tuple(shape)}"
             if len(shape) == 2 else f"fan_in = {fin}" if fin else "")
    expected = (f"expected: std {sigma:.4g}" + (f" = {want[1]}" if want else "")
                + (f" ({about})" if about else ""))
    if abs(mean - sigma) <= 5 * sigma / math.sqrt(n) and abs(mean) > 5 * sigma / math.sqrt(n):
        return (f"{label}: mean {mean:.3g}, expected 0: normal(0, std), loc first", expected)
    if n >= 50 and np.abs(w - mean).max() <= math.sqrt(3) * std * 1.05:
        return (f"{label}: the values look uniform, not normal: draw with normal()",
                expected)  # a normal sample of 50 reaches beyond 2 std; a uniform one never
    if abs(std - sigma) <= 5 * se:
        return None  # the spread is right; the shape of the distribution is not: generic
    close = [f for f in formulas if abs(std - f[0]) <= 5 * f[0] / math.sqrt(2 * (n - 1))
             and abs(f[0] - sigma) > 5 * se]
    if close:
        value, formula, which = min(close, key=lambda f: abs(std - f[0]))
        fix = {"out": "the fan-out: use fan_in = shape[1]",
               "variance": "a variance: take its square root",
               "in": f"expected {want[1]}" if want else f"expected {sigma:.3g}",
               "both": f"expected {want[1]}" if want else f"expected {sigma:.3g}"}[which]
        first = f"{label}: std = {formula}, {fix}"
        if len(first) > FIRST_LINE:
            first = f"{label}: std {std:.3g} = {formula}: {fix.split(': ')[-1]}"
        return first, expected
    return (f"{label}: std {std:.3g}, expected {sigma:.3g}"
            + (f" = {want[1]}: check the formula" if want else ""), expected)


def _looks_like(p: gluon.Parameter, init) -> bool:
    try:
        return check_init(p, init).passed
    except (RuntimeError, ValueError, TypeError):
        return False


def _diagnose(p: gluon.Parameter, init, c, label: str, path: str) -> Tuple[str, List[str]]:
    """First line and more lines for one parameter whose values do not look like ``init``."""
    w = next(iter(_gluon.copies(p).values())).astype(np.float64).ravel()
    what = c.initializer
    found = (f"found: {path}{'' if path == p.name else f' ({p.name})'} "
             f"{format_shape(p.shape)}: mean {w.mean():.4g}, "
             f"std {w.std():.4g}, range [{w.min():.4g}, {w.max():.4g}]")
    initializer = as_initializer(init)
    if w.size and np.all(w == w[0]) and not isinstance(
            initializer, (mxinit.Constant, mxinit.Zero, mxinit.One, str)):
        return (f"{label}: all of {path} is {w[0]:g}: write in place, data[:] = ...",
                [f"expected: values drawn by {what}", found,
                 "an initializer that rebinds data (data = ...) leaves Gluon's zeros behind"])
    default = mxinit.Uniform()
    if not isinstance(initializer, mxinit.Uniform) and _looks_like(p, default):
        return (f"{label} got the default Uniform(0.07): {label}.initialize({what})",
                [f"expected: values drawn by {what}",
                 found + ", as Gluon's default initializer Uniform(0.07) draws",
                 f"likely: a later {label}.initialize() replaced {what} (on a deferred net "
                 "the last call wins), or initialize("
                 f"{what}) ran on an initialized net without force_reinit=True, which "
                 f"changes nothing (Gluon only warns); explain_init({label}) shows what "
                 "each parameter would get"])
    if type(initializer) is mxinit.Normal:
        d = _normal_diagnosis(w, float(initializer.sigma), p.shape, label)
        if d:
            return d[0], [d[1], found]
    return (f"{label}'s {path} does not look like {what}: explain_init({label})",
            [f"expected: values drawn by {what}", found, str(c),
             f"explain_init({label}) shows which initializer each parameter would get"])


def _no_values(missing, init, label: str, where, params) -> str:
    """Why ``missing`` have no values: the initializer raises (its error and line), or no
    forward pass ran yet, or nothing initialized them; the one wording of _validate below."""
    what = describe(as_initializer(init))
    shaped = [p for p in missing if _gluon.known_shape(p)]
    err = _draw_error(init, shaped[0].shape, shaped[0].dtype) if shaped else None
    if err:
        e, line = err
        said = str(e).strip().splitlines()[-1] if str(e).strip() else ""
        interface = ("mx.nd.NDArray" in said and "numpy" in said) or (
            "mxnet.numpy" in said and "NDArray" in said)
        lines = [f"{what} raised {type(e).__name__}: fix it, then Restart & Run All",
                 f"{type(e).__name__}: {said[:300]}",
                 f"at: {line}" if line else None,
                 "likely: an array of the other interface; after npx.set_np() an "
                 "initializer writes mx.np arrays (np.random.normal(...)), with legacy nd "
                 "arrays (nd.random.normal(...)) otherwise" if interface else None,
                 f"so {label}'s {listed([where[p.name] for p in missing])} have no values: "
                 "the initializer never finished"]
    else:
        deferred = [p for p in missing if _gluon.state(p) == _gluon.DEFERRED]
        lines = [f"{label} has no values yet: run {label}(X) once" if deferred else
                 f"{label} has no values: {label}.initialize(...), then {label}(X)",
                 f"expected: {listed([where[p.name] for p in params])} drawn by {what}"]
        lines += [no_values_message(p, where[p.name]) for p in missing]
    return tidy("\n".join(ln for ln in lines if ln))


def assert_init_matches(net, init, select: Optional[str] = None, *,
                        exclude: Optional[str] = None, by: str = "name",
                        name: Optional[str] = None) -> None:
    """Every selected parameter's values look like ``init``'s, judged by :func:`check_init`.

    ``net`` is a net, a ParameterDict or one Parameter; ``select``, ``exclude`` and ``by``
    choose as :func:`l10_params.select` does; ``name`` is how the message calls ``net``.
    A failure says the likely mistake: values that look like Gluon's default
    ``Uniform(0.07)`` (the initializer was replaced or never ran), a normal spread that
    matches another fan formula (the fan-out, a variance taken for a standard deviation),
    values that are all one number. A selected parameter without values is a
    ``RuntimeError`` (the claim needs values), which says why: ``init`` raises (its error and
    the line; a student's initializer that fails in the forward pass leaves the weights
    without values), or no forward pass ran, or nothing initialized it.

    >>> from l10_params import lecture_mlp
    >>> from mxnet import init
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> assert_init_matches(net, 'uniform', select='.*weight')
    >>> assert_init_matches(net, init.Normal(0.5), '.*weight')
    Traceback (most recent call last):
    ...
    AssertionError: net got the default Uniform(0.07): net.initialize(Normal(sigma=0.5))
    expected: values drawn by Normal(sigma=0.5)
    ...
    """
    label = one_name(name, "net", "assert_init_matches")
    params = chosen(net, select, "net", exclude=exclude, by=by)
    names = labels(net)
    where = {p.name: names[p.name].split(" (")[-1].rstrip(")") for p in params}
    failed: List[Tuple[str, List[str]]] = []
    failing: List[str] = []
    missing = [p for p in params if _gluon.state(p) != _gluon.INITIALIZED]
    if missing:  # no values yet: the one RuntimeError, saying why, before any check runs
        raise RuntimeError(_no_values(missing, init, label, where, params))
    for p in params:
        c = check_init(p, init)
        if not c.passed:
            failed.append(_diagnose(p, init, c, label, where[p.name]))
            failing.append(p.name)
    if failed:
        first, lines = failed[0]
        key = [f[0].replace(where[p], "{}") for p, f in zip(failing, failed)]
        same = [where[p] for p, k in zip(failing, key) if k == key[0]][1:]
        other = [f[0] for f, k in zip(failed, key) if k != key[0]]
        more = ([f"({listed(same)}: the same)"] if same else []) + (
            [f"(and: {'; '.join(other[:2])})"] if other else [])
        raise fail(first, *lines, *more)


# -- assert_params_equal --------------------------------------------------------------------

def _values(x, select=None, exclude=None, by="name"
            ) -> "Dict[str, Optional[Dict[str, np.ndarray]]]":
    """Structural path -> {context: NumPy copy} (None without values), from a net or Snapshot."""
    return (x if isinstance(x, Snapshot) else snapshot(x)).by_path(select, exclude=exclude,
                                                                    by=by)


def _initial(x, keys) -> bool:
    """Every parameter of ``x`` at ``keys`` still looks like what its initializer drew
    (``x.initialize()`` with Gluon's default, its own initializers winning)."""
    if not isinstance(x, (gluon.Block, gluon.Parameter)):
        return False
    owned = {}
    for path, p in _gluon.param_paths(x).items():
        owned[path] = p
    ps = [owned[k] for k in keys if k in owned] if isinstance(x, gluon.Block) else [x]
    if not ps:
        return False
    for p in ps:
        chosen_init = plan(p, mxinit.Uniform()).chosen
        if chosen_init is None or not _looks_like(p, chosen_init):
            return False
    return True


def _kind(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def assert_params_equal(a, b, select: Optional[str] = None, *, exclude: Optional[str] = None,
                        by: str = "name", rtol: float = 1e-6, atol: float = 0.0,
                        names: Optional[Tuple[str, str]] = None) -> None:
    """``a`` and ``b`` (nets, layers, Parameters or Snapshots) hold the same values.

    Parameters pair up by structural path (``'0.weight'``); every context's copy is
    compared (``|a - b| <= atol + rtol * |b|``; NaN equals NaN, and differs from any
    number), a context one side lacks against that
    side's first copy. ``select``, ``exclude`` and ``by`` choose by the names (or paths)
    of ``a`` (of ``b`` if ``a`` is a Snapshot and ``b`` is not), as
    :func:`l10_params.select` does. ``names`` is how the message calls ``a`` and ``b``
    (e.g. ``('pretrained[0]', 'student[0]')``). The first line of a failure names the
    likely mistake: only some kinds of parameter copied (the weights, not the biases),
    ``b`` still holding what its initializer drew (nothing was copied: ``initialize`` again
    without ``force_reinit=True`` changes nothing), ``b`` changed since a snapshot ``a``;
    then, per path, how many values differ and the largest difference and where.

    >>> from l10_params import lecture_mlp
    >>> a, X = lecture_mlp(ctx='cpu', seed=0)
    >>> b, _ = lecture_mlp(ctx='cpu:0,cpu:1', seed=0)
    >>> assert_params_equal(a, b)
    >>> b[1].bias.list_data()[1][3] += 0.5
    >>> assert_params_equal(a, b, select='.*bias', names=('a', 'b'))
    Traceback (most recent call last):
    ...
    AssertionError: b differs from a at 1.bias: copy_params(a, b)
    largest |a - b| = 0.5 at 1.bias [3] on cpu(1) (a 0, b 0.5)
      1.bias on cpu(1): 1 of 10 values differ, largest 0.5 at [3]
    """
    rtol = number(rtol, "rtol", "assert_params_equal", low=0)
    atol = number(atol, "atol", "assert_params_equal", low=0)
    for x, side in ((a, "a"), (b, "b")):
        if not isinstance(x, (gluon.Block, gluon.ParameterDict, gluon.Parameter, Snapshot)):
            raise TypeError(f"assert_params_equal takes nets, layers, Parameters or Snapshots, "
                            f"not {type(x).__name__} as {side}"
                            + (": pass the Parameter (net[0].weight), not its values "
                               "(net[0].weight.data())" if hasattr(x, "asnumpy") else ""))
    A, B = operand_names(names, 2, default_names(a, b), "assert_params_equal")
    ref = b if isinstance(a, Snapshot) and not isinstance(b, Snapshot) else a
    keep = (_values(ref, select, exclude, by)
            if select is not None or exclude is not None else None)
    va, vb = ({k: v for k, v in _values(x, None).items() if keep is None or k in keep}
              for x in (a, b))
    if isinstance(a, gluon.Parameter) and isinstance(b, gluon.Parameter):
        va, vb = {"value": next(iter(va.values()))}, {"value": next(iter(vb.values()))}
    lines = [f"{k}: in {A} but not in {B}" for k in va if k not in vb]
    lines += [f"{k}: in {B} but not in {A}" for k in vb if k not in va]
    worst, differ, shapes, novalue = (0.0, ""), [], [], []
    for key in (k for k in va if k in vb):
        ca, cb = va[key], vb[key]
        if ca is None or cb is None:
            novalue.append(key)
            lines.append(f"{key}: no values in {A if ca is None else B} (deferred or never "
                         "initialized); initialize it and run one forward pass first")
            continue
        for ctx in dict.fromkeys(list(ca) + list(cb)):
            x, y = ca.get(ctx, next(iter(ca.values()))), cb.get(ctx, next(iter(cb.values())))
            if x.shape != y.shape:
                shapes.append(key)
                lines.append(f"{key}: shape {x.shape} in {A}, {y.shape} in {B}")
                break
            d = _cmp.abs_change(x, y)  # NaN against NaN: 0; against a number: inf
            bad = _cmp.differ_mask(x, y, rtol=rtol, atol=atol)
            if bad.any():
                flat = int(np.argmax(np.where(bad, d, -1.0)))
                # Python ints: NumPy 2 writes its own integers in a list as np.int64(3)
                at = tuple(int(i) for i in np.unravel_index(flat, d.shape))
                where = f"{key} {list(at)} on {ctx} ({A} {x[at]:.6g}, {B} {y[at]:.6g})"
                worst = max(worst, (float(d[at]), where))
                if key not in differ:
                    differ.append(key)
                lines.append(f"{key} on {ctx}: {int(bad.sum())} of {bad.size} values differ, "
                             f"largest {float(d[at]):.6g} at {list(at)}")
    if not lines:
        return
    head = f"largest |a - b| = {worst[0]:.6g} at {worst[1]}" if worst[1] else None
    if head and (A, B) != ("a", "b"):
        head = head.replace("|a - b|", "difference")
    first, why = _first_line(a, b, A, B, va, vb, differ, shapes, novalue)
    raise fail(first, *why, head, *[f"  {ln}" for ln in lines],
               f"(compared with rtol={rtol:g}, atol={atol:g})" if (rtol, atol) != (1e-6, 0.0)
               else None)


def _plural(kind: str) -> str:
    return kind + ("es" if kind.endswith("s") else "s")


def _first_line(a, b, A: str, B: str, va, vb, differ, shapes, novalue) -> Tuple[str, List[str]]:
    """What is wrong and the fix for a failed assert_params_equal, and lines that explain it."""
    common = [k for k in va if k in vb]
    if isinstance(a, Snapshot) and not isinstance(b, Snapshot):
        was = {name for name, _ in a.params.values()}
        now = {p.name for p in _gluon.iter_params(b)} if isinstance(
            b, (gluon.Block, gluon.ParameterDict)) else {b.name}
        if not was & now:
            return (f"{B} is a new layer, not the one in {A}: keep the original",
                    [f"expected: the parameters of {A} ({listed(sorted(was), 3)}), unchanged",
                     f"found: other Parameter objects ({listed(sorted(now), 3)}): the net was "
                     "rebuilt or re-created after the snapshot"])
        if differ:
            return (f"{B} changed since {A}: leave it as it was",
                    [f"expected: the values of {A}", f"found: {listed(differ)} changed "
                     "(re-initialized, trained or written to?)"])
    if not common or set(va) != set(vb):
        return f"{B} and {A} do not have the same parameters: see the paths below", []
    if shapes:
        return f"{B} and {A} differ in shape at {shapes[0]}: compare matching layers", []
    if novalue:
        return f"{listed(novalue, 2)} has no values: initialize, then run it once", []
    kinds: Dict[str, List[str]] = {}
    for k in common:
        kinds.setdefault(_kind(k), []).append(k)
    wrong = sorted({_kind(k) for k in differ})
    right = sorted(set(kinds) - set(wrong))
    varied = all(np.ptp(next(iter(va[k].values()))) > 0 for r in right for k in kinds[r])
    if right and varied:
        ok, bad = ", ".join(map(_plural, right)), ", ".join(map(_plural, wrong))
        return (f"{B}: {ok} copied, {bad} not: copy the {bad} too",
                [f"expected: every value of {A} in {B}, {' and '.join(map(_plural, kinds))}",
                 f"found: the {ok} equal, the {bad} different"])
    if _initial(b, differ):
        return (f"{B} kept its initial values: nothing copied; use set_data",
                [f"expected: the values of {A}",
                 f"found: in {listed(differ)}, what {B}'s initializer drew (nothing was "
                 "copied into it)",
                 "likely: initialize(...) on an initialized parameter changes nothing without "
                 "force_reinit=True (Gluon only warns); copy the values instead: "
                 f"copy_params({A}, {B}), or p.set_data(q.data()) for each parameter"])
    first = f"{B} differs from {A} at {differ[0]}: copy_params({A}, {B})"
    if len(first) > FIRST_LINE:
        first = f"{B} differs from {A}: see the values below"
    return first, []
