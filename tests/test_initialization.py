"""Initialization: reinitialize, initialize_by_pattern, explain_init, check_init, and hist
(one histogram per selected parameter, on the given Axes, nothing shown)."""

import subprocess
import sys
import warnings

import matplotlib
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon, init, nd
from mxnet.gluon import nn

from l10_params import (
    MyInit,
    check_init,
    explain_init,
    fresh_names,
    initialize_by_pattern,
    lecture_mlp,
    reinitialize,
    replicas,
)

XAVIER = "Xavier(rnd_type='uniform', factor_type='avg', magnitude=3)"


def values(net):
    """name -> every context's copy as NumPy (to prove that a failing call changed nothing)."""
    return {n: [d.asnumpy().copy() for d in p.list_data()]
            for n, p in net.collect_params().items() if p._data is not None}


def assert_same(a, b):
    assert a.keys() == b.keys()
    for n in a:
        for x, y in zip(a[n], b[n]):
            np.testing.assert_array_equal(x, y)


def assert_replicas_identical(net, n_ctx=2):
    for p in net.collect_params().values():
        copies = [d.asnumpy() for d in p.list_data()]
        assert len(copies) == n_ctx
        for c in copies[1:]:
            np.testing.assert_array_equal(c, copies[0])  # entry by entry
    assert all(r.identical for r in replicas(net))


def lecture_shaped():
    """The lecture's MLP, never initialized (input size unknown)."""
    with fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(256, activation="relu"), nn.Dense(10))
    return net


class SuffixBlock(gluon.Block):
    """A block with a bias that has no own initializer and a gamma whose own one is ''."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.foo_bias = self.params.get("foo_bias", shape=(3,))
            self.xx_gamma = self.params.get("xx_gamma", shape=(3,), init="")


# ---- reinitialize ---------------------------------------------------------------------------

def test_reinitialize_draws_exactly_what_gluon_draws():
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    names = reinitialize(net, init.Xavier())
    ref, _ = lecture_mlp(ctx="cpu", seed=0)
    ref.initialize(init.Xavier(), force_reinit=True)
    assert names == ["dense0_weight", "dense0_bias", "dense1_weight", "dense1_bias"]
    assert_same(values(net), values(ref))


def test_override_false_keeps_bias_zeros_override_true_does_not(mlp):
    net, _ = mlp
    reinitialize(net, init.Constant(1))
    assert (net[0].weight.data() == 1).asnumpy().all() and (net[0].bias.data() == 0).asnumpy().all()
    assert reinitialize(net, init.Constant(1), override=True) == list(net.collect_params())
    assert (net[0].bias.data() == 1).asnumpy().all() and (net[1].bias.data() == 1).asnumpy().all()


def test_no_warning_spam(mlp):
    net, _ = mlp
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reinitialize(net, init.Normal(0.01))
        reinitialize(net, init.Normal(0.01), override=True)
    assert not [w for w in caught if "initialized" in str(w.message)]


def test_select_exclude_and_single_parameter(mlp):
    net, _ = mlp
    before = values(net)
    assert reinitialize(net, init.Constant(3), select="dense0.*", override=True) == \
        ["dense0_weight", "dense0_bias"]
    np.testing.assert_array_equal(net[1].weight.data().asnumpy(), before["dense1_weight"][0])
    assert reinitialize(net, init.Constant(4), exclude=".*bias") == ["dense0_weight",
                                                                    "dense1_weight"]
    assert reinitialize(net[1].weight, init.Constant(5)) == ["dense1_weight"]
    assert reinitialize(net[1].weight, init.Constant(6), select=".*weight") == ["dense1_weight"]
    assert (net[1].weight.data() == 6).asnumpy().all()
    assert (net[0].bias.data() == 3).asnumpy().all()


def test_two_contexts_stay_and_copies_are_identical(mlp2):
    net, X = mlp2
    reinitialize(net, init.Xavier())
    assert_replicas_identical(net)
    reinitialize(net, MyInit(verbose=False), override=False)
    assert_replicas_identical(net)
    assert check_init(net[0].weight, MyInit()).passed
    net(X)  # still runs on cpu(0)


def test_ctx_moves_to_the_given_contexts(mlp):
    net, X = mlp
    reinitialize(net, init.Constant(2), ctx="cpu:0,cpu:1")
    assert net[0].weight.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    assert_replicas_identical(net)


def test_deferred_parameters_get_the_init_at_first_forward(deferred_net):
    names = reinitialize(deferred_net, init.Constant(2))
    assert names == list(deferred_net.collect_params())
    deferred_net(nd.ones((1, 3)))
    assert (deferred_net[0].weight.data() == 2).asnumpy().all()
    assert (deferred_net[0].bias.data() == 0).asnumpy().all()


def test_never_initialized_is_a_runtime_error(raw_net):
    with pytest.raises(RuntimeError, match="'dense0_weight' was never initialized.*"
                                           "call net.initialize"):
        reinitialize(raw_net, init.One())
    assert all(p._data is None and not p._deferred_init for p in raw_net.collect_params().values())


def test_wrong_init_types_change_nothing(mlp):
    net, _ = mlp
    before = values(net)
    with pytest.raises(TypeError, match=r"class Xavier.*init\.Xavier\(\)"):
        reinitialize(net, init.Xavier)
    with pytest.raises(ValueError, match="'glorot' is not an initializer name.*xavier"):
        reinitialize(net, "glorot")
    with pytest.raises(TypeError, match="must be an mx.init.Initializer instance.*not float"):
        reinitialize(net, 0.5)
    with pytest.raises(ValueError, match="override=True .* needs one"):
        reinitialize(net, override=True)
    with pytest.raises(ValueError, match="matches no parameter"):
        reinitialize(net, init.One(), select="weight")
    with pytest.raises(TypeError, match="net must be"):
        reinitialize([net], init.One())
    assert_same(values(net), before)


def test_string_names_work(mlp):
    net, _ = mlp
    reinitialize(net, "ones", select=".*bias", override=True)
    assert (net[0].bias.data() == 1).asnumpy().all()


def test_xavier_on_a_bias_is_rejected_before_any_change(mlp):
    net, _ = mlp
    before = values(net)
    with pytest.raises(ValueError, match=r"needs a parameter with at least 2 dimensions, but "
                                         r"'dense0_bias' has shape \(256,\).*nothing was changed"):
        reinitialize(net, init.Xavier(), override=True)
    assert_same(values(net), before)


class WritesWrongShape(init.Initializer):
    """Writes a (256, 20) block whatever the shape: right for dense0_weight, wrong after."""

    def _init_weight(self, name, data):
        data[:] = nd.ones((256, 20))


def test_custom_initializer_writing_the_wrong_shape_changes_nothing(mlp):
    net, _ = mlp
    before = values(net)
    with pytest.raises(ValueError, match=r"WritesWrongShape\(\) failed on 'dense1_weight' of "
                                         r"shape \(10, 256\).*nothing was changed"):
        reinitialize(net, WritesWrongShape())
    assert_same(values(net), before)  # dense0_weight, which fitted, was not written either


# ---- initialize_by_pattern ------------------------------------------------------------------

def test_by_pattern_survives_deferred_init():
    net = lecture_shaped()
    used = initialize_by_pattern(net, [("dense0_weight", init.Xavier())],
                                 default=init.Constant(1))
    assert used == {"dense0_weight": XAVIER, "dense0_bias": "Constant(value=1)",
                    "dense1_weight": "Constant(value=1)", "dense1_bias": "Constant(value=1)"}
    assert net[0].weight.shape == (256, 0)
    net(nd.random.uniform(shape=(2, 20)))
    assert check_init(net[0].weight, init.Xavier()).passed
    for p in (net[0].bias, net[1].weight, net[1].bias):
        assert (p.data() == 1).asnumpy().all(), p.name


def test_plain_gluon_loses_the_xavier_when_initialize_follows():
    net = lecture_shaped()
    net[0].weight.initialize(init=init.Xavier())
    net.initialize(init.Constant(1))  # replaces the pending Xavier of the deferred weight
    net(nd.random.uniform(shape=(2, 20)))
    assert (net[0].weight.data() == 1).asnumpy().all()
    assert not check_init(net[0].weight, init.Xavier()).passed


def test_by_pattern_first_match_wins_and_default_none_keeps_gluons_rule(mlp):
    net, _ = mlp
    used = initialize_by_pattern(net, {"dense0_weight": init.Constant(7), ".*weight": "ones"})
    assert used == {"dense0_weight": "Constant(value=7)", "dense0_bias": "Zero() ('zeros')",
                    "dense1_weight": "One() ('ones')", "dense1_bias": "Zero() ('zeros')"}
    assert (net[0].weight.data() == 7).asnumpy().all()
    assert (net[1].weight.data() == 1).asnumpy().all()
    assert (net[1].bias.data() == 0).asnumpy().all()


def test_by_pattern_on_two_contexts(two_cpus):
    net = lecture_shaped()
    initialize_by_pattern(net, [(".*weight", init.Xavier())], ctx=two_cpus)
    net(nd.random.uniform(shape=(2, 20)))
    assert_replicas_identical(net)
    assert check_init(net[1].weight, init.Xavier()).passed
    initialize_by_pattern(net, [(".*weight", MyInit(verbose=False))])  # keeps both contexts
    assert_replicas_identical(net)


@pytest.mark.parametrize("rules, error, match", [
    ([("weight", init.Xavier())], ValueError, "pattern 'weight' matches no parameter.*'.*weight'"),
    ([("dense0_(", init.One())], ValueError, r"rule 0 pattern 'dense0_\(' is not a valid regular"),
    ([(".*", init.Xavier())], ValueError, "at least 2 dimensions.*'dense0_bias'.*'.*weight'"),
    ([(".*", init.One()), (".*bias", init.Zero())], ValueError,
     r"rule 1 \('.*bias'\) never applies: rule 0 \('.*'\) already takes"),
    ([(".*weight", init.Xavier)], TypeError, r"rule 0 \('.*weight'\) initializer is the class"),
    ([(".*weight", "kaiming")], ValueError, "'kaiming' is not an initializer name"),
    ([".*weight"], TypeError, "rule 0 is '.*weight'; each rule is a .pattern, initializer. pair"),
    ("xavier", TypeError, "rules must be a list of"),
])
def test_by_pattern_bad_input_changes_nothing(mlp, rules, error, match):
    net, _ = mlp
    before = values(net)
    with pytest.raises(error, match=match):
        initialize_by_pattern(net, rules, default=init.One())
    assert_same(values(net), before)


def test_by_pattern_bad_default_and_target(mlp):
    net, _ = mlp
    with pytest.raises(TypeError, match="default is the class Constant"):
        initialize_by_pattern(net, [], default=init.Constant)
    with pytest.raises(TypeError, match="net must be a gluon.Block, a ParameterDict"):
        initialize_by_pattern(net[0].weight, [])


# ---- explain_init ---------------------------------------------------------------------------

def test_explain_constant_on_the_lecture_net(mlp, golden):
    net, _ = mlp
    t = explain_init(net, init.Constant(1))
    rows = {r.name: r for r in t}
    assert rows["dense0_weight"].runs == "Constant(value=1)"
    assert rows["dense0_bias"].runs == "Zero() ('zeros')"
    assert "'zeros' (Parameter.init) wins" in rows["dense1_bias"].why
    assert all(r.without_force_reinit.startswith("skipped") for r in t)
    assert "would skip 4 of 4" in str(t) and "<table" in t._repr_html_()
    golden("explain_init_constant", str(t))
    # the prediction is what happens
    net.initialize(init.Constant(1), force_reinit=True)
    for r in t:
        assert check_init(net.collect_params()[r.name],
                          init.Constant(1) if r.runs.startswith("Constant") else "zeros").passed


def test_explain_default_deferred_and_uninitialized(raw_net):
    t = explain_init(raw_net)
    assert t[0].runs == "Uniform(scale=0.07)" and t[0].state == "uninitialized"
    assert t[0].without_force_reinit == "runs at the first forward"
    assert t[1].without_force_reinit == "runs"  # the bias shape (4,) is known
    raw_net.initialize(init.Xavier())
    t = explain_init(raw_net, init.One())
    assert t[0].state == "deferred"
    assert t[0].without_force_reinit == f"replaces pending {XAVIER} (deferred)"
    assert t[1].without_force_reinit.startswith("skipped")


def test_explain_suffix_rule_is_exactly_mxnets():
    with fresh_names():
        b = SuffixBlock()
    rows = {r.name: r for r in explain_init(b, init.Constant(5))}
    # no own initializer: Constant's _init_weight runs even on a name ending in 'bias'
    assert rows["suffixblock0_foo_bias"].runs == "Constant(value=5)"
    # own initializer '' (falsy): the name-suffix rule picks _init_gamma, which writes 1
    assert rows["suffixblock0_xx_gamma"].runs == "Constant(value=5)._init_gamma (1)"
    assert "name-suffix rule" in rows["suffixblock0_xx_gamma"].why
    b.initialize(init.Constant(5))
    assert (b.foo_bias.data() == 5).asnumpy().all()
    assert (b.xx_gamma.data() == 1).asnumpy().all()


def test_explain_flags_what_would_fail():
    with fresh_names():
        b = SuffixBlock()
    rows = {r.name: r for r in explain_init(b, init.Xavier())}
    assert "fails" in rows["suffixblock0_foo_bias"].runs
    with pytest.raises(ValueError, match="Xavier initializer cannot be applied to vector"):
        b.initialize(init.Xavier())  # MXNet itself, as predicted


def test_explain_bad_input(mlp):
    net, _ = mlp
    with pytest.raises(TypeError, match="class Normal"):
        explain_init(net, init.Normal)
    with pytest.raises(TypeError, match="net must be"):
        explain_init("net")


# ---- check_init -----------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: init.Constant(0.25), lambda: init.Constant(nd.arange(10).reshape((10, 1)) + 0.5),
    lambda: init.Zero(), lambda: "ones", lambda: init.Uniform(0.3), lambda: init.Normal(0.02),
    lambda: init.Xavier(), lambda: init.Xavier(factor_type="in", magnitude=2),
    lambda: init.Xavier(rnd_type="gaussian", factor_type="out"), lambda: init.MSRAPrelu(),
    lambda: MyInit(verbose=False),
])
def test_check_init_passes_on_what_the_initializer_made(make):
    mx.random.seed(1)
    with fresh_names():
        layer = nn.Dense(10, in_units=256)
    layer.initialize(make(), ctx=[mx.cpu(0), mx.cpu(1)])
    c = check_init(layer.weight, make())
    assert c.passed, str(c)
    assert c.measured["contexts"] == 2 and "\n" not in str(c) and str(c).startswith("PASS")


@pytest.mark.parametrize("made, judged", [
    (init.Uniform(0.07), init.Uniform(0.01)), (init.Uniform(0.07), init.Uniform(0.5)),
    (init.Normal(0.01), init.Normal(0.02)), (init.Xavier(factor_type="in"), init.Xavier()),
    (init.Xavier(), init.Xavier(factor_type="in")), (init.Xavier(), init.Xavier(magnitude=1)),
    (init.Xavier(rnd_type="gaussian"), init.Xavier()), (init.Uniform(7.0), MyInit()),
    (init.Constant(1), init.Constant(2)), (init.Uniform(), "zeros"),
])
def test_check_init_fails_on_other_values(made, judged):
    mx.random.seed(1)
    with fresh_names():
        layer = nn.Dense(64, in_units=128)
    layer.initialize(made)
    c = check_init(layer.weight, judged)
    assert not c.passed, str(c)
    assert str(c).startswith("FAIL dense0_weight ~ ")


def test_check_init_reports_differing_copies(mlp2):
    net, _ = mlp2
    net[0].weight.data(mx.cpu(1))[0, 0] = 0.5
    c = check_init(net[0].weight, init.Uniform(0.07))
    assert not c.passed and "copies on [cpu(0), cpu(1)] differ" in str(c)


def test_check_init_bad_input(mlp, deferred_net):
    net, _ = mlp
    with pytest.raises(ValueError, match=r"check_init: Broken\(\) raised RuntimeError \(this "
                                         r"initializer is broken\) when asked for a fresh sample "
                                         r"of shape \(256, 20\) on a scratch array"):
        check_init(net[0].weight, Broken())
    with pytest.raises(RuntimeError, match="'dense0_weight' is deferred.*one forward pass"):
        check_init(deferred_net[0].weight, init.Uniform())
    with pytest.raises(ValueError, match=r"at least 2 dimensions.*shape \(256,\)"):
        check_init(net[0].bias, init.Xavier())
    with pytest.raises(TypeError, match="one gluon.Parameter"):
        check_init(net, init.Xavier())
    with pytest.raises(TypeError, match="class Xavier"):
        check_init(net[0].weight, init.Xavier)
    with pytest.raises(ValueError, match=r"array has shape \(3,\), which cannot fill"):
        check_init(net[0].weight, init.Constant(nd.ones(3)))


def test_tied_parameters_are_initialized_once_and_stay_tied(tied):
    net, X = tied
    names = reinitialize(net, init.Constant(3), select=".*weight")
    assert names == ["dense1_weight", "dense0_weight", "dense3_weight"]  # the shared one once
    assert net[1].weight is net[2].weight
    used = initialize_by_pattern(net, [("dense0_weight", init.Xavier())])
    assert list(used) == list(net.collect_params())
    assert check_init(net[2].weight, init.Xavier()).passed
    net(X)


# ---- check_init: any initializer (two-sample KS), exact KS for the known ones, dtypes --------

class Broken(init.Initializer):
    """An initializer that raises: check_init must name it and touch nothing."""

    def _init_weight(self, name, data):
        raise RuntimeError("this initializer is broken")


class StudentInit(init.Initializer):
    """A student's own: U(-3, 3), then every entry with |w| < 1 set to 0 (either interface)."""

    def _init_weight(self, name, data):
        if mx.npx.is_np_array():
            data[:] = mx.np.random.uniform(-3, 3, size=data.shape)
            data *= mx.np.abs(data) >= 1
        else:
            data[:] = nd.random.uniform(low=-3, high=3, shape=data.shape)
            data *= data.abs() >= 1


def student_layer(make):
    mx.random.seed(2)
    with fresh_names():
        layer = nn.Dense(256, in_units=20)
    layer.initialize(make())
    return layer


def test_check_init_judges_a_students_initializer_by_ks(mode):
    layer = student_layer(StudentInit)
    before = layer.weight.data().asnumpy().copy()
    own = check_init(layer.weight, StudentInit())
    assert own.passed, str(own)
    assert "two-sample Kolmogorov-Smirnov test against a fresh draw of the same shape on a " \
           "scratch array (5120 values each)" in str(own) and own.expected["alpha"] == 1e-6
    assert own.measured["ks_p"] >= 1e-6
    uni = check_init(layer.weight, init.Uniform(3))
    assert not uni.passed and uni.measured["ks_p"] < 1e-6, str(uni)
    assert np.array_equal(before, layer.weight.data().asnumpy())  # the parameter untouched
    layer.initialize(init.Uniform(3), force_reinit=True)
    assert check_init(layer.weight, init.Uniform(3)).passed
    assert not check_init(layer.weight, StudentInit()).passed


def test_check_init_orthogonal_against_itself_and_others():
    layer = student_layer(lambda: init.Orthogonal())
    assert check_init(layer.weight, init.Orthogonal()).passed
    assert not check_init(layer.weight, init.Orthogonal(scale=0.5)).passed


def test_check_init_raising_initializer_changes_nothing(mode):
    net, X = lecture_mlp(ctx="cpu", seed=0)
    before = values(net)
    with pytest.raises(ValueError, match=r"Broken\(\) raised RuntimeError.*'dense0_weight' with "
                                         r"\(the parameter was not touched\)"):
        check_init(net[0].weight, Broken())
    assert_same(before, values(net))
    assert net(X).shape == (2, 10)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("make", [
    lambda: init.Uniform(0.07), lambda: init.Normal(0.5), lambda: init.Xavier(),
    lambda: MyInit(verbose=False), lambda: init.Constant(0.1), lambda: StudentInit(),
])
def test_check_init_tolerances_follow_the_dtype(dtype, make):
    mx.random.seed(3)
    with fresh_names():
        layer = nn.Dense(256, in_units=20, dtype=dtype)
    layer.initialize(make())
    c = check_init(layer.weight, make())
    assert c.passed, str(c)


def test_float16_uniform_rounds_past_the_bound_and_still_passes():
    mx.random.seed(0)
    with fresh_names():
        layer = nn.Dense(256, in_units=20, dtype="float16")
    layer.initialize(init.Uniform(0.07))
    w = layer.weight.data().asnumpy()
    # float16 rounding: a hair outside [-0.07, 0.07]; compared as Python floats (NumPy 2 would
    # compare a float16 with 0.07 in float16, where the two are equal)
    assert float(np.abs(w).max()) > 0.07
    assert check_init(layer.weight, init.Uniform(0.07)).passed
    assert not check_init(layer.weight, init.Uniform(0.06)).passed


def test_a_failed_write_puts_every_value_back(mode):
    """Gluon's initialize drops the old values before it writes: a failure must restore them."""
    from l10_params.initialization import plan as _initplan

    net, X = lecture_mlp(ctx="cpu", seed=0)
    before = values(net)
    plans = [_initplan.plan(p, init.One()) for p in net.collect_params().values()]
    for pl in plans:
        pl.ctx = [mx.cpu()]
    plans[2].ctx = [mx.gpu(0)]  # this CPU-only build cannot write there: the third write fails
    with pytest.raises(ValueError, match="writing the new values failed.*put back, nothing was"):
        _initplan.apply(plans)
    assert_same(before, values(net))
    assert [p.list_ctx() for p in net.collect_params().values()] == [[mx.cpu()]] * 4
    assert net(X).shape == (2, 10)


matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from l10_params import hist, summary  # noqa: E402


def labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_one_histogram_per_selected_parameter(mlp, monkeypatch):
    net, _ = mlp
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("hist must not call plt.show"))
    before = dict(matplotlib.rcParams)
    fig, axes = plt.subplots(1, 2)
    ax = hist(net, ".*weight", ax=axes[1], bins=10)
    assert ax is axes[1] and not axes[0].patches
    assert labels(ax) == ["dense0_weight (256, 20)", "dense1_weight (10, 256)"]
    assert len(ax.patches) == 2  # one step outline each
    assert dict(matplotlib.rcParams) == before
    plt.close(fig)


def test_counts_and_range_are_the_values(mlp):
    net, _ = mlp
    ax = hist(net[1].weight, bins=7)
    xs, ys = ax.patches[0].get_xy()[:, 0], ax.patches[0].get_xy()[:, 1]
    w = net[1].weight.data().asnumpy()
    assert np.isclose(xs.min(), w.min()) and np.isclose(xs.max(), w.max())
    assert ys.max() == np.histogram(w, bins=7)[0].max()
    plt.close(ax.figure)


def test_all_parameters_by_default_and_on_two_devices(mlp2):
    net, _ = mlp2
    ax = hist(net)
    assert labels(ax) == ["dense0_weight (256, 20)", "dense0_bias (256,)",
                          "dense1_weight (10, 256)", "dense1_bias (10,)"]
    plt.close(ax.figure)


def test_bad_input(mlp, deferred_net):
    net, _ = mlp
    with pytest.raises(ValueError, match="pattern 'weight' matches no parameter"):
        hist(net, "weight")
    with pytest.raises(ValueError, match=r"hist: bins=0 must be a whole number >= 1, e\.g\. bins"):
        hist(net, bins=0)
    with pytest.raises(RuntimeError, match=r"'dense0_weight' is deferred, shape \(4, \?\): it "
                                           r"has no values yet .*run one forward pass first"):
        hist(deferred_net)
    with pytest.raises(TypeError, match="net must be"):
        hist(np.zeros(3))
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes \(e.g. fig, ax = "
                                        r"plt.subplots\(\)\), not int \(3\)"):
        hist(net, ax=3)
    with pytest.raises(ValueError, match=r"has no parameters \(an empty Sequential\)"):
        hist(nn.Sequential())


def test_a_parameter_with_select_works_as_everywhere(mlp):
    """A Parameter is a one-entry ParameterDict for select=, in hist as in summary."""
    net, _ = mlp
    ax = hist(net[0].weight, ".*weight")
    assert labels(ax) == ["dense0_weight (256, 20)"]
    assert [r.name for r in summary(net[0].weight, ".*weight").rows] == ["dense0_weight"]
    plt.close(ax.figure)


def test_nan_and_inf_are_counted_not_plotted(mlp):
    net, _ = mlp
    net[1].bias.data()[:3] = float("nan")
    net[1].bias.data()[3] = float("-inf")
    ax = hist(net, ".*bias", bins=10)
    assert labels(ax) == ["dense0_bias (256,)", "dense1_bias (10,), 4 NaN/inf not shown"]
    assert np.isfinite(ax.get_xlim()).all()
    plt.close(ax.figure)


def test_matplotlib_is_imported_only_when_plotting():
    code = "import sys, l10_params; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
