"""Properties checked on many generated inputs (hypothesis), against real MXNet.

Random small architectures (a stack of Dense layers of random widths, sometimes a BatchNorm,
sometimes hybridized, float32, float64 or float16) holding random values that include NaN,
+inf and -inf. Examples are few (each builds real nets): the file runs in seconds.

The second half checks every option of every public function, found from the signatures
(``inspect``), so that a new option cannot escape: each flag refuses anything but True and
False (and takes NumPy's bools), each numeric option takes the NumPy scalar of a valid value
exactly as the Python number, and refuses the wrong kinds and ranges; every refused call
changes nothing (the nets' checksums, and MXNet's random stream).
"""
import inspect
import re
from typing import Callable, NamedTuple

import mxnet as mx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mxnet import gluon, init, nd
from mxnet.gluon import nn
from nets import checksum

import l10_params as L
from l10_params import (
    copy_params,
    diff,
    fresh_names,
    lecture_mlp,
    reinitialize,
    reset_ctx,
    resolve_ctx,
    select,
    set_value,
    snapshot,
    summary,
)
from l10_params import testing as T
from l10_params.testing import assert_params_equal

NET, _ = lecture_mlp(ctx="cpu", seed=0)
NAMES = list(NET.collect_params())
FRAGMENTS = ["dense", "0", "1", "_", "weight", "bias", ".*", ".", "w", "b", "e", "(0|1)"]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-8, 65504.0]


@st.composite
def architectures(draw):
    return dict(widths=draw(st.lists(st.integers(1, 6), min_size=2, max_size=4)),
                batchnorm=draw(st.booleans()), hybrid=draw(st.booleans()),
                dtype=draw(st.sampled_from(["float32", "float64", "float16"])),
                special=draw(st.lists(st.tuples(st.integers(0, 10 ** 6), st.sampled_from(SPECIAL)),
                                      max_size=4)),
                seed=draw(st.integers(0, 2 ** 16)))


def build(arch, seed=None, special=True):
    """The architecture as a net (every shape known), its values drawn, special values set."""
    mx.random.seed(arch["seed"] if seed is None else seed)
    w = arch["widths"]
    with fresh_names():
        net = nn.HybridSequential() if arch["hybrid"] else nn.Sequential()
        for a, b in zip(w, w[1:]):
            net.add(nn.Dense(b, in_units=a))
        if arch["batchnorm"]:
            net.add(nn.BatchNorm(in_channels=w[-1]))
    net.initialize(init.Uniform(2.0))
    if arch["dtype"] != "float32":
        net.cast(arch["dtype"])
    if arch["hybrid"]:
        net.hybridize()
    params = list(net.collect_params().values())
    for k, value in arch["special"] if special else ():
        p = params[k % len(params)]
        a = p.data().asnumpy()
        a.flat[k % a.size] = value
        p.set_data(nd.array(a, dtype=p.dtype))  # set_data: set_value refuses NaN on purpose
    return net


def batch(arch):
    return nd.random.uniform(-1, 1, shape=(2, arch["widths"][0]), dtype=arch["dtype"])


@settings(max_examples=25, deadline=None)
@given(architectures())
def test_snapshot_then_diff_without_edit_reports_nothing(arch):
    net = build(arch)
    rows = diff(snapshot(net), net).rows
    assert [r.changed for r in rows] == [0] * len(rows)
    assert all(r.largest == 0 for r in rows)


@settings(max_examples=20, deadline=None)
@given(architectures())
def test_copy_params_makes_equal_values_and_equal_outputs(arch):
    src, dst = build(arch), build(arch, seed=arch["seed"] + 1, special=False)
    copy_params(src, dst, allow_nonfinite=True)  # src holds NaN and inf on purpose
    assert_params_equal(src, dst, rtol=0)
    if arch["dtype"] != "float16":  # MXNet's CPU build has no float16 Dense forward
        X = batch(arch)
        np.testing.assert_array_equal(src(X).asnumpy(), dst(X).asnumpy())  # NaN == NaN here


REFUSED = [
    lambda net: set_value(list(net.collect_params().values())[0], np.nan),
    lambda net: reinitialize(net, init.Xavier(), override=True),  # 1-D biases
    lambda net: reinitialize(net, select="weight"),
    lambda net: select(net, "(?i)W"),
    lambda net: reset_ctx(net, mx.cpu(-1)),
    lambda net: reset_ctx(net, "cpu:0,cpu:1000"),
    lambda net: copy_params(net, lecture_mlp(ctx="cpu", seed=0)[0]),
    lambda net: reinitialize(net, init.Constant(float("nan"))),
    lambda net: reinitialize(net, init.One(), override="no"),
    lambda net: summary(net, stats="no"),
    lambda net: L.set_attr(net, ".*", lr_mult=-1),
]


@settings(max_examples=30, deadline=None)
@given(architectures(), st.integers(0, len(REFUSED) - 1))
def test_a_refused_call_changes_nothing(arch, k):
    net = build(arch)
    before = checksum(net)
    with pytest.raises((ValueError, TypeError, RuntimeError, KeyError)):
        REFUSED[k](net)
    assert checksum(net) == before


@settings(max_examples=15, deadline=None)
@given(architectures())
def test_reset_ctx_there_and_back_keeps_every_value(arch):
    net = build(arch)
    before = snapshot(net)
    assert all(r.unchanged for r in reset_ctx(net, "cpu:0,cpu:1"))
    assert all(r.unchanged for r in reset_ctx(net, "cpu:0"))
    assert_params_equal(before, net, rtol=0)


@settings(max_examples=25, deadline=None)
@given(architectures())
def test_summary_total_is_the_sum_over_collect_params(arch):
    net = build(arch, special=False)
    s = summary(net)
    assert s.total == sum(int(np.prod(p.shape)) for p in net.collect_params().values())
    assert len(s.rows) == len(list(net.collect_params().keys()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5).map("".join))
def test_select_is_collect_params_or_refuses(pattern):
    """select gives exactly what Gluon's collect_params gives, and refuses only the empty set."""
    expected = [n for n in NAMES if re.match(pattern, n)]
    assert list(NET.collect_params(pattern)) == expected
    if expected:
        assert list(select(NET, pattern)) == expected
    else:
        with pytest.raises(ValueError, match="matches no parameter"):
            select(NET, pattern)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=4, unique=True))
def test_cpu_lists_round_trip(indices):
    spec = ",".join(f"cpu:{i}" for i in indices)
    assert resolve_ctx(spec) == [mx.cpu(i) for i in indices]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 255)), min_size=1, max_size=30),
       st.floats(-100, 100, allow_nan=False, width=32))
def test_diff_counts_exactly_the_entries_set_value_changed(cells, value):
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    before = snapshot(net)
    old = net[1].weight.data().asnumpy()
    new = old.copy()
    for i, j in cells:
        new[i, j] = value
    set_value(net[1].weight, new)
    rows = {r.name: r for r in diff(before, net).rows}
    changed = int(np.sum(new != old))
    assert rows["dense1_weight"].changed == changed
    assert all(r.changed == 0 for n, r in rows.items() if n != "dense1_weight")
    if changed:
        assert rows["dense1_weight"].largest == pytest.approx(float(np.max(np.abs(new - old))))


# Every option of every public function, from its signature.

RECORDS = {"Check": "a verdict check_init builds", "DistResult": "a result run_dist builds"}
OPERANDS = {"net", "init", "X", "a", "b", "src", "dst", "param", "value", "rules", "default",
            "ax", "after", "rows"}  # unannotated parameters that are no option
BY_ANNOTATION = {"bool": "flag", "int": "whole", "Optional[int]": "whole", "float": "number",
                 "Optional[float]": "number"}
KWARGS = {  # what the **kwargs of a public function take (a signature cannot say)
    "set_attr": {"lr_mult": "number", "wd_mult": "number"},
    "tied_dense": {"in_units": "whole", "use_bias": "flag", "flatten": "flag"},
    "MyInit": {},  # mx.init.Initializer's own keyword arguments, stored as given
}
PUBLIC = {**{n: getattr(L, n) for n in L.__all__},
          **{f"testing.{n}": getattr(T, n) for n in T.__all__}}


def _kind(p: inspect.Parameter):
    """'flag', 'whole', 'number', 'other', or None when the parameter cannot be classified."""
    if p.annotation is not p.empty:
        ann = p.annotation if isinstance(p.annotation, str) else getattr(
            p.annotation, "__name__", str(p.annotation))
        return BY_ANNOTATION.get(ann, "other")
    if isinstance(p.default, bool):
        return "flag"
    if isinstance(p.default, (int, float)):
        return "whole" if isinstance(p.default, int) else "number"
    return "other" if p.name in OPERANDS else None


def _options():
    found, unknown = [], []
    for name, fn in PUBLIC.items():
        if name in RECORDS:
            continue
        for p in inspect.signature(fn).parameters.values():
            if p.kind is p.VAR_KEYWORD:
                if name in KWARGS:
                    found += [(name, k, kind) for k, kind in KWARGS[name].items()]
                else:
                    unknown.append(f"{name}(**{p.name})")
                continue
            kind = _kind(p)
            if kind is None:
                unknown.append(f"{name}({p.name})")
            elif kind != "other":
                found.append((name, p.name, kind))
    return found, unknown


OPTIONS, UNCLASSIFIED = _options()


class Call(NamedTuple):
    build: Callable  # () -> the operands (built from fixed seeds: the same every time)
    call: Callable  # call(*operands, **options)


def _mlp():
    return (lecture_mlp(ctx="cpu", seed=0)[0],)


CALLS = {
    "summary": Call(_mlp, lambda n, **o: L.summary(n, **o)),
    "Summary": Call(tuple, lambda **o: L.Summary([], title="t", **{"stats": False, **o})),
    "hist": Call(_mlp, lambda n, **o: L.hist(n, ".*bias", **o)),
    "reinitialize": Call(_mlp, lambda n, **o: L.reinitialize(n, init.One(), ".*weight", **o)),
    "initialize_by_pattern": Call(_mlp, lambda n, **o: L.initialize_by_pattern(
        n, [(".*weight", init.One())], **o)),
    "copy_params": Call(lambda: (lecture_mlp(ctx="cpu", seed=1)[0], _mlp()[0]),
                        lambda a, b, **o: L.copy_params(a, b, **o)),
    "set_value": Call(_mlp, lambda n, **o: L.set_value(n[0].bias, 0.5, **o)),
    "set_attr": Call(_mlp, lambda n, **o: L.set_attr(n, ".*bias", **{"lr_mult": 1.0, **o})),
    "lecture_mlp": Call(tuple, lambda **o: L.lecture_mlp(ctx="cpu", **o)),
    "lecture_tied_mlp": Call(tuple, lambda **o: L.lecture_tied_mlp(ctx="cpu", **o)),
    "MyInit": Call(tuple, lambda **o: L.MyInit(**o)),
    "try_gpu": Call(tuple, lambda **o: L.try_gpu(**o)),
    "tied_dense": Call(_mlp, lambda n, **o: _fresh(lambda: L.tied_dense(n[1], **o))),
    # port 80 is refused after every other argument is checked: no process is started here
    "run_dist": Call(tuple, lambda **o: L.run_dist(**{"port": 80, **o})),
    "testing.assert_frozen": Call(_mlp, lambda n, **o: T.assert_frozen(
        n, **{"frozen": False, **o})),
    "testing.assert_params_equal": Call(_mlp, lambda n, **o: T.assert_params_equal(n, n, **o)),
    "testing.assert_grad_is_sum": Call(lambda: L.lecture_tied_mlp(ctx="cpu", seed=0),
                                       lambda n, X, **o: T.assert_grad_is_sum(n, X, **o)),
    "testing.assert_grad_norms": Call(_mlp, lambda n, **o: T.assert_grad_norms(
        n, {"0.weight": 0.0, "1.weight": 0.0}, **o)),  # no backward yet: gradients are 0
}
VALID = {  # a strategy of valid values for each numeric option
    ("hist", "bins"): st.integers(1, 60),
    ("set_attr", "lr_mult"): st.integers(0, 8) | st.floats(0, 8),
    ("set_attr", "wd_mult"): st.integers(0, 8) | st.floats(0, 8),
    ("lecture_mlp", "seed"): st.integers(0, 2 ** 31 - 1),
    ("lecture_tied_mlp", "seed"): st.integers(0, 2 ** 31 - 1),
    ("try_gpu", "i"): st.integers(0, 3),
    ("tied_dense", "units"): st.just(10),  # the shared layer's
    ("tied_dense", "in_units"): st.sampled_from([0, 256]),
    ("run_dist", "workers"): st.integers(1, 16),
    ("run_dist", "servers"): st.integers(1, 8),
    ("run_dist", "steps"): st.integers(0, 1000),
    ("run_dist", "port"): st.just(80),  # refused alike: a run is not started here
    ("run_dist", "timeout"): st.floats(0.5, 100),
    **{(f"testing.{f}", t): st.floats(0, 1) | st.just(0)
       for f in ("assert_params_equal", "assert_grad_is_sum", "assert_grad_norms")
       for t in ("rtol", "atol")},
}
WHOLE_TYPES = [np.int8, np.int32, np.int64, np.uint8, np.uint64]
REAL_TYPES = [np.float16, np.float32, np.float64, np.int64, np.uint8]
NOT_BOOLS = st.one_of(st.text(max_size=4), st.integers(-2, 2), st.floats(), st.none(),
                      st.lists(st.booleans(), max_size=2),
                      st.sampled_from([np.int64(0), np.int64(1), np.float32(1), b"no"]))
ALWAYS_NOT_BOOLS = ["no", "False", "", 0, 1, None, np.int64(1), 1.0]
BAD_NUMBERS = ["1", True, np.True_, [1], float("nan"), float("inf"), -1, np.int64(-1),
               np.float32(-0.5)]
BAD_WHOLE = BAD_NUMBERS + [1.5, np.float64(2.0)]
GAP = "a known gap: this option takes a value it should refuse"
RAISED = (ValueError, TypeError, RuntimeError, KeyError)


def _fresh(f):
    with fresh_names():  # tied_dense makes a layer: the same name every time
        return f()


def _plain(result):
    """A result in comparable form (tables as text, nets as checksums, a figure closed)."""
    if isinstance(result, tuple) and result and isinstance(result[0], gluon.Block):
        return ("net", checksum(result[0]), result[1].asnumpy().tobytes())
    if hasattr(result, "get_legend"):  # matplotlib Axes: close its figure
        import matplotlib.pyplot as plt

        legend = [t.get_text() for t in result.get_legend().get_texts()]
        plt.close(result.figure)
        return ("axes", len(result.patches), legend)
    if isinstance(result, gluon.nn.Dense):
        return ("dense", str(result))
    if isinstance(result, L.MyInit):
        return ("MyInit", result.verbose, type(result.verbose))
    if isinstance(result, (gluon.Parameter, mx.Context)) or hasattr(result, "rows"):
        return (type(result).__name__, str(result))
    return result


def _outcome(name, **options):
    """What a call does: its result (or exception) and the operands' checksums after it."""
    c = CALLS[name]
    args = c.build()
    try:
        got = ("returned", _plain(c.call(*args, **options)))
    except RAISED + (AssertionError,) as e:  # a testing claim may fail: alike, then
        got = ("raised", type(e).__name__, str(e))
    return got, [checksum(a) for a in args if isinstance(a, gluon.Block)]


def _refused_changes_nothing(name, option, value):
    """The call with ``option=value`` raises a built-in error naming the option, and changes
    neither its operands nor MXNet's random stream."""
    c = CALLS[name]
    args = c.build()
    before = [checksum(a) for a in args if isinstance(a, gluon.Block)]
    mx.random.seed(7)
    with pytest.raises(RAISED) as e:
        c.call(*args, **{option: value})
    draw = nd.random.uniform(shape=4).asnumpy()
    mx.random.seed(7)
    assert (nd.random.uniform(shape=4).asnumpy() == draw).all(), "the random stream moved"
    assert [checksum(a) for a in args if isinstance(a, gluon.Block)] == before
    assert option in str(e.value), f"{name}({option}={value!r}): {e.value}"
    return e.value


def _marked(kind, gaps=frozenset()):
    """The options of these kinds as test parameters; ``gaps`` are known to fail (a strict
    xfail: when they are mended, the mark must go)."""
    return [pytest.param(n, o, id=f"{n}-{o}", marks=[pytest.mark.xfail(
        strict=True, reason=GAP)] * ((n, o) in gaps)) for n, o, k in OPTIONS if k in kind]


def test_every_parameter_of_every_public_function_is_classified():
    assert not UNCLASSIFIED, ("classify these parameters (an option kind by annotation or "
                              f"default, an operand in OPERANDS, **kwargs in KWARGS): "
                              f"{UNCLASSIFIED}")
    assert set(RECORDS) <= set(PUBLIC)
    missing = {n for n, _, _ in OPTIONS} - set(CALLS)
    assert not missing, f"add a valid call to CALLS for {sorted(missing)}"
    missing = {(n, o) for n, o, k in OPTIONS if k != "flag"} - set(VALID)
    assert not missing, f"add valid values to VALID for {sorted(missing)}"
    known = {("reinitialize", "override", "flag"), ("summary", "stats", "flag"),
             ("testing.assert_frozen", "frozen", "flag"), ("hist", "bins", "whole"),
             ("set_attr", "lr_mult", "number"), ("tied_dense", "use_bias", "flag"),
             ("testing.assert_params_equal", "atol", "number"),
             ("lecture_mlp", "seed", "whole"), ("copy_params", "allow_nonfinite", "flag")}
    assert known <= set(OPTIONS)  # the discovery finds what is known today


@pytest.mark.parametrize("name, option", _marked({"flag"}))
def test_a_flag_refuses_anything_but_a_bool_and_changes_nothing(mode, name, option):
    for value in ALWAYS_NOT_BOOLS:
        e = _refused_changes_nothing(name, option, value)
        assert isinstance(e, TypeError) and "must be True or False" in str(e), str(e)

    @settings(max_examples=6, deadline=None)
    @given(NOT_BOOLS)
    def check(value):
        e = _refused_changes_nothing(name, option, value)
        assert isinstance(e, TypeError) and "must be True or False" in str(e), str(e)

    check()


@pytest.mark.parametrize("name, option", _marked({"flag"}))
def test_a_flag_takes_numpy_bools_as_bools(mode, name, option):
    for value in (False, True):
        assert _outcome(name, **{option: np.bool_(value)}) == _outcome(name, **{option: value})


@pytest.mark.parametrize("name, option", _marked({"whole", "number"}))
def test_a_numeric_option_takes_numpy_scalars_as_python_numbers(mode, name, option):
    whole = (name, option, "whole") in OPTIONS

    @settings(max_examples=3, deadline=None)
    @given(VALID[(name, option)])
    def check(value):
        kinds = [t for t in (WHOLE_TYPES if whole else REAL_TYPES)
                 if np.dtype(t).kind == "f" or (float(value).is_integer()
                                                and np.iinfo(t).min <= value <= np.iinfo(t).max)]
        assert np.int64 in kinds or not whole
        wants = {}
        for t in kinds:
            scalar = t(value)
            plain = scalar.item()  # the same number as a Python int or float
            if plain not in wants:
                wants[plain] = _outcome(name, **{option: plain})
            want = wants[plain]
            assert want[0][0] == "returned" or name == "run_dist", want  # valid: it runs
            assert _outcome(name, **{option: scalar}) == want, f"{name}({option}={scalar!r})"

    check()


@pytest.mark.parametrize("name, option", _marked({"whole", "number"}))
def test_a_numeric_option_refuses_wrong_kinds_and_ranges_and_changes_nothing(mode, name,
                                                                             option):
    whole = (name, option, "whole") in OPTIONS
    default = inspect.signature(PUBLIC[name]).parameters.get(option)
    bad = BAD_WHOLE if whole else BAD_NUMBERS
    if default is None or default.default is not None:  # None is refused unless the default
        bad = bad + [None]
    for value in bad:
        _refused_changes_nothing(name, option, value)
