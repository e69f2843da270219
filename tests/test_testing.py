"""l10_params.testing: each assertion passes on a true claim, fails with an actionable message.

A failure's first line says what is wrong and the fix (it fits in nbgrader validate), the next
lines what was expected and what was found; every message below is matched whole or by its
first line.
"""
import re

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn

import l10_params
from l10_params import freeze, fresh_names, lecture_mlp, snapshot, tied_dense
from l10_params.testing import (
    assert_frozen,
    assert_init_matches,
    assert_initialized,
    assert_not_tied,
    assert_params_equal,
    assert_selects,
    assert_tied,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_submodule_not_in_package_namespace():
    assert "assert_tied" not in l10_params.__all__
    assert not hasattr(l10_params, "assert_tied")


# assert_tied / assert_not_tied

def test_tied_layers_and_params_pass(tied):
    net, _ = tied
    assert_tied(net[1], net[2])
    assert_tied(net[1].weight, net[2].weight)
    assert_tied(net, net)
    assert_not_tied(net[0], net[1])
    assert_not_tied(net[0].weight, net[1].weight)


def test_assert_tied_names_the_separate_parameters(tied):
    net, _ = tied
    with pytest.raises(AssertionError, match=r"^'dense1' and 'dense0' are not tied: build one "
                       r"with params=\nexpected: the same Parameter objects in both \(the second "
                       r"layer built with params=first.params, or tied_dense\(first\)\)\n"
                       r"found: weight: 'dense1_weight' \(8, 20\) vs 'dense0_weight' \(8, 8\), "
                       r"separate objects; bias: 'dense1_bias' \(8,\) vs 'dense0_bias' \(8,\), "
                       r"separate objects \(values equal\)$"):
        assert_tied(net[0], net[1])
    with pytest.raises(AssertionError, match=r"^net\[0\] and net\[1\] are not tied"):
        assert_tied(net[0], net[1], names=("net[0]", "net[1]"))


def test_assert_tied_equal_values_separate_objects():
    with fresh_names():
        first = nn.Dense(3, in_units=2)
        second = nn.Dense(3, in_units=2)
    first.initialize(init.Constant(1))
    second.initialize(init.Constant(1))
    assert_params_equal(first, second)  # the values agree ...
    with pytest.raises(AssertionError, match=r"(?s)^second copies first instead of sharing: "
                       r"use params=\n.*weight: 'dense0_weight' \(3, 2\) vs "
                       r"'dense1_weight' \(3, 2\), separate objects \(values equal\).*"
                       r"equal values are not a tie"):
        assert_tied(first, second, names=("first", "second"))  # ... but they are not tied
    with pytest.raises(AssertionError, match=r"^'dense1_weight' copies 'dense0_weight' instead "
                       r"of sharing"):
        assert_tied(first.weight, second.weight)
    with fresh_names():
        twin = tied_dense(first)
    assert_tied(first, twin)


def test_assert_tied_layer_without_some_parameter():
    with fresh_names():
        a, b = nn.Dense(3, in_units=2), nn.Dense(3, in_units=2, use_bias=False)
    with pytest.raises(AssertionError, match=r"bias: only in 'dense0'"):
        assert_tied(a, b)
    with pytest.raises(TypeError, match=r"assert_tied: names must be a tuple of 2 strings"):
        assert_tied(a, b, names="a")


def test_assert_not_tied_lists_shared(tied):
    net, _ = tied
    with pytest.raises(AssertionError, match=r"^net\[1\] and net\[2\] share Parameters: build "
                       r"net\[2\] without params=\nexpected: separate Parameter objects.*\n"
                       r"found: 'dense0_weight', 'dense0_bias' are Parameter objects used by "
                       r"both\nso training one changes the other"):
        assert_not_tied(net[1], net[2], names=("net[1]", "net[2]"))
    with pytest.raises(AssertionError, match=r"^'dense0_weight' is used in both: give each its "
                       r"own Parameter"):
        assert_not_tied(net[1].weight, net[2].weight)
    with pytest.raises(AssertionError, match=r"^student\[0\] is pretrained\[0\] itself: copy "
                       r"into a layer of its own\n.*\nfound: one layer object \('dense1'\)"):
        assert_not_tied(net[0], net[0], names=("pretrained[0]", "student[0]"))


@pytest.mark.parametrize("fn", [assert_tied, assert_not_tied])
def test_tied_type_errors(mlp, fn):
    net, _ = mlp
    with pytest.raises(TypeError, match=fr"{fn.__name__} takes two Parameters or two layers, "
                       r"not Parameter and NDArray"):
        fn(net[0].weight, net[0].weight.data())
    with pytest.raises(TypeError, match=r"not Dense and Parameter"):
        fn(net[0], net[0].weight)
    with pytest.raises(ValueError, match=r"layer 'relu0' has no parameters"):
        with fresh_names():
            fn(nn.Activation("relu"), net[0])


# assert_initialized

def test_assert_initialized_passes(mlp, mlp2):
    assert_initialized(mlp[0])
    assert_initialized(mlp2[0])
    assert_initialized(mlp[0][0].weight)


def test_assert_initialized_deferred(deferred_net):
    with pytest.raises(AssertionError, match=r"^2 of 4 parameters have no values yet: run "
                       r"net\(X\) once\ndeferred: dense0_weight \(0.weight\) shape \(4, \?\), "
                       r"dense1_weight \(1.weight\) shape \(2, \?\); run one forward pass, e.g. "
                       r"net\(X\)"):
        assert_initialized(deferred_net)
    deferred_net(nd.ones((2, 5)))
    assert_initialized(deferred_net)


def test_assert_initialized_never(raw_net):
    with pytest.raises(AssertionError, match=r"^4 of 4 parameters have no values yet: "
                       r"raw.initialize\(\), then raw\(X\)\nuninitialized: dense0_weight "
                       r"\(0.weight\) shape \(4, \?\), dense0_bias .*call raw.initialize\(\)"):
        assert_initialized(raw_net, name="raw")
    with pytest.raises(AssertionError, match=r"(?s)^1 of 1 .*uninitialized: dense0_bias shape"):
        assert_initialized(raw_net[0].bias)


def test_assert_initialized_type_error():
    with pytest.raises(TypeError, match=r"net must be a gluon.Block.*not int"):
        assert_initialized(3)


# assert_init_matches

def test_assert_init_matches_passes(mlp, mlp2):
    net, _ = mlp
    assert_init_matches(net, init.Uniform(0.07), select=".*weight")
    assert_init_matches(net, "zeros", select=".*bias")
    assert_init_matches(net[0].weight, "uniform")
    assert_init_matches(mlp2[0], "uniform", select=".*weight")


def test_assert_init_matches_says_the_default_initializer_stayed(mlp):
    """The wrong call order (a later initialize() replaced the initializer, or one without
    force_reinit=True changed nothing) leaves Gluon's default Uniform(0.07)."""
    net, _ = mlp
    with pytest.raises(AssertionError, match=r"^he_net got the default Uniform\(0.07\): "
                       r"he_net.initialize\(Normal\(sigma=0.5\)\)\nexpected: values drawn by "
                       r"Normal\(sigma=0.5\)\nfound: 0.weight \(dense0_weight\) \(256, 20\): "
                       r"mean .*, as Gluon's default initializer Uniform\(0.07\) draws\nlikely: "
                       r"a later he_net.initialize\(\) replaced .*force_reinit=True.*\n"
                       r"\(1.weight: the same\)$"):
        assert_init_matches(net, init.Normal(0.5), ".*weight", name="he_net")


class _Drawn(init.Initializer):
    """Draws N(mean, std(shape)) with the legacy nd interface."""

    def __init__(self, std, mean=0.0, kind="normal", **kwargs):
        super().__init__(**kwargs)
        self.std, self.mean, self.kind = std, mean, kind

    def _init_weight(self, name, data):
        s = self.std(data.shape)
        if self.kind == "normal":
            data[:] = nd.random.normal(self.mean, s, shape=data.shape)
        elif self.kind == "uniform":
            data[:] = nd.random.uniform(-s * 3 ** 0.5, s * 3 ** 0.5, shape=data.shape)
        else:
            data = nd.ones(data.shape)  # noqa: F841 - rebinds: Gluon's zeros stay


@pytest.mark.parametrize("drawn, message", [
    (_Drawn(lambda s: (2 / s[0]) ** 0.5),
     r"^HeNormal: std = sqrt\(2 / 64\), the fan-out: use fan_in = shape\[1\]\nexpected: std "
     r"0.3162 = sqrt\(2 / 20\) \(fan_in = shape\[1\] = 20 for a weight of shape \(64, 20\)\)"),
    (_Drawn(lambda s: 2 / s[1]), r"^HeNormal: std = 2 / 20, a variance: take its square root"),
    (_Drawn(lambda s: (1 / s[1]) ** 0.5), r"^HeNormal: std = sqrt\(1 / 20\), expected "
     r"sqrt\(2 / 20\)"),
    (_Drawn(lambda s: 1.0, mean=(2 / 20) ** 0.5), r"^HeNormal: mean 0.3\d*, expected 0: "
     r"normal\(0, std\), loc first"),
    (_Drawn(lambda s: 0.7), r"^HeNormal: std 0.7\d*, expected 0.316 = sqrt\(2 / 20\): check "
     r"the formula"),
    (_Drawn(lambda s: (2 / s[1]) ** 0.5, kind="uniform"), r"^HeNormal: the values look "
     r"uniform, not normal: draw with normal\(\)"),
    (_Drawn(lambda s: 1.0, kind="rebind"), r"^HeNormal: all of dense0_weight is 0: write in "
     r"place, data\[:\] = ...\n.*\n.*\nan initializer that rebinds data"),
])
def test_assert_init_matches_names_the_formula(drawn, message):
    mx.random.seed(0)
    with fresh_names():
        layer = nn.Dense(64, in_units=20)
    layer.initialize(drawn)
    with pytest.raises(AssertionError, match=message):
        assert_init_matches(layer.weight, init.Normal((2 / 20) ** 0.5), name="HeNormal")


def test_assert_init_matches_generic_carries_check_text(mlp):
    net, _ = mlp
    with pytest.raises(AssertionError, match=r"^net's 0.bias does not look like One\(\): "
                       r"explain_init\(net\)\nexpected: values drawn by One\(\)\nfound: 0.bias "
                       r"\(dense0_bias\) \(256,\): mean 0, .*\nFAIL dense0_bias ~ One\(\): 256 of "
                       r"256 values differ from 1.*\n.*\n\(1.bias: the same\)$"):
        assert_init_matches(net, "ones", ".*bias")


class _Broken(init.Initializer):
    def _init_weight(self, name, data):
        data[:] = nd.random.normal(0, sqrt(2), shape=data.shape)  # noqa: F821 - the mistake


def test_assert_init_matches_an_initializer_that_raises(raw_net):
    """A NameError inside the initializer is reported as such, not as 'never initialized'."""
    net = raw_net
    net.initialize(_Broken())
    with pytest.raises(NameError):
        net(nd.ones((2, 5)))  # the student's cell: the deferred initialization fails
    with pytest.raises(RuntimeError, match=r"^_Broken\(\) raised NameError: fix it, then "
                       r"Restart & Run All\nNameError: name 'sqrt' is not defined\nat: data\[:\] "
                       r"= nd.random.normal\(0, sqrt\(2\), shape=data.shape\).*\nso he_net's "
                       r"0.weight, 1.weight have no values: the initializer never finished$"):
        assert_init_matches(net, _Broken(), ".*weight", name="he_net")


def test_assert_init_matches_other_interface_is_named():
    npx = mx.npx
    npx.set_np()
    try:
        with fresh_names():
            layer = nn.Dense(4, in_units=3)
        with pytest.raises(TypeError):
            layer.initialize(_Drawn(lambda s: 1.0))  # nd arrays into an mx.np parameter
        with pytest.raises(RuntimeError, match=r"(?s)^_Drawn\(\) raised TypeError: .*\n"
                           r"likely: an array of the other interface; after npx.set_np\(\)"):
            assert_init_matches(layer, _Drawn(lambda s: 1.0), ".*weight")
    finally:
        npx.reset_np()


def test_assert_init_matches_replicas_differ(mlp2):
    net, _ = mlp2
    net[1].bias.list_data()[1][0] = 1.0
    with pytest.raises(AssertionError, match=r"(?s)^net's 1.bias does not look like Zero\(\).*"
                       r"FAIL dense1_bias ~ Zero\(\).*copies on \[cpu\(0\), cpu\(1\)\] differ"):
        assert_init_matches(net, "zeros", select=".*bias")


def test_assert_init_matches_deferred_is_the_runtime_error(deferred_net):
    """No values yet is a RuntimeError, as the package docstring says (the claim needs values),
    whose first line names the net and the fix."""
    with pytest.raises(RuntimeError, match=r"(?s)^net has no values yet: run net\(X\) once\n"
                       r".*parameter 'dense0_weight' \(0.weight\) is deferred.*one forward pass"):
        assert_init_matches(deferred_net, "zeros")


def test_assert_init_matches_errors(mlp):
    net, _ = mlp
    with pytest.raises(ValueError, match=r"pattern 'weight' matches no parameter.*'\.\*weight'"):
        assert_init_matches(net, "uniform", select="weight")
    with pytest.raises(TypeError, match=r"net must be .*not list"):
        assert_init_matches([net[0].weight], "uniform")
    with pytest.raises(ValueError, match=r"'unifrom' is not an initializer name"):
        assert_init_matches(net, "unifrom")


# assert_params_equal

def test_assert_params_equal_passes(mlp, mlp2):
    a, _ = mlp
    b, _ = mlp2
    assert_params_equal(a, b)
    assert_params_equal(b, a)
    assert_params_equal(a[0].weight, b[0].weight)
    before = snapshot(a)
    assert_params_equal(before, a)
    assert_params_equal(a, before, select=".*bias")


def test_assert_params_equal_other_seed(mlp):
    a, _ = mlp
    b, _ = lecture_mlp(ctx="cpu", seed=1)
    with pytest.raises(AssertionError, match=r"(?s)^b kept its initial values: nothing copied; "
                       r"use set_data\n.*\nlargest \|a - b\| = 0\.13\d+ at 0.weight \[\d+, \d+\] "
                       r"on cpu\(0\) \(a .*, b .*\)\n  0.weight on cpu\(0\): 5120 of 5120 values "
                       r"differ"):
        assert_params_equal(a, b)
    assert_params_equal(a, b, select=".*bias")  # the biases are zeros in both
    assert_params_equal(a, b, atol=0.15)


def test_assert_params_equal_every_context(mlp, mlp2):
    a, _ = mlp
    b, _ = mlp2
    b[0].weight.list_data()[1][2, 3] += 0.25
    with pytest.raises(AssertionError, match=r"^b differs from a at 0.weight: copy_params\(a, b\)"
                       r"\nlargest \|a - b\| = 0\.25 at 0.weight \[2, 3\] on cpu\(1\).*\n  0.weight "
                       r"on cpu\(1\): 1 of 5120 values differ"):
        assert_params_equal(a, b)
    assert_params_equal(a, b, atol=0.3)


def test_assert_params_equal_names_the_index_in_plain_ints(mlp, mlp2):
    """Whatever NumPy's printing: NumPy 2 without the shim's print option (as in a thread the
    program starts) would write the index as [np.int64(2), np.int64(3)]."""
    a, _ = mlp
    b, _ = mlp2
    b[0].weight.list_data()[1][2, 3] += 0.25
    with np.printoptions(legacy=False), pytest.raises(AssertionError) as raised:
        assert_params_equal(a, b)
    assert "at 0.weight [2, 3] on cpu(1)" in str(raised.value)
    assert "largest 0.25 at [2, 3]" in str(raised.value)


def test_assert_params_equal_after_training_step(mlp):
    net, X = mlp
    before = snapshot(net)
    freeze(net, "dense0_.*")
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with autograd.record():
        net(X).sum().backward()
    trainer.step(1)
    assert_params_equal(before, net, select="dense0_.*")  # frozen layer unchanged
    with pytest.raises(AssertionError, match=r"(?s)^net changed since before: leave it as it "
                       r"was\nexpected: the values of before\nfound: 1.weight, 1.bias changed.*"
                       r"1.weight on cpu\(0\)"):
        assert_params_equal(before, net, select="dense1_.*", names=("before", "net"))


def test_assert_params_equal_structure(mlp, deferred_net, raw_net):
    a, _ = mlp
    with pytest.raises(AssertionError, match=r"(?s)^b and a differ in shape at 0.bias: compare "
                       r"matching layers\n  0.weight: no values in b \(deferred.*\n"
                       r"  0.bias: shape \(256,\) in a, \(4,\) in b"):
        assert_params_equal(a, deferred_net)
    with fresh_names():
        longer = nn.Sequential()
        longer.add(nn.Dense(256), nn.Dense(10), nn.Dense(3))
    longer.initialize()
    longer(nd.ones((1, 20)))
    with pytest.raises(AssertionError, match=r"(?s)^b and a do not have the same parameters: see "
                       r"the paths below\n.*  2.weight: in b but not in a\n  2.bias: in b"):
        assert_params_equal(a, longer)
    with pytest.raises(AssertionError, match=r"2.weight: in a but not in b"):
        assert_params_equal(longer, a)


def test_assert_params_equal_errors(mlp):
    a, _ = mlp
    with pytest.raises(TypeError, match=r"assert_params_equal takes nets, layers, Parameters or "
                                        r"Snapshots, not int as b"):
        assert_params_equal(a, 5)
    with pytest.raises(ValueError, match=r"select 'bias' matches no parameter.*'\.\*bias'"):
        assert_params_equal(a, a, select="bias")


# assert_selects

def test_assert_selects_passes_in_any_order(mlp):
    net, _ = mlp
    assert_selects(net, ".*weight", ["dense1_weight", "dense0_weight"])
    assert_selects(net, None, ["dense0_weight", "dense0_bias", "dense1_weight", "dense1_bias"])
    assert_selects(net, "weight", [])  # the pitfall: re.match selects nothing


def test_assert_selects_shows_both_lists(mlp):
    net, _ = mlp
    with pytest.raises(AssertionError, match=r"^'dense0_.\*' also selects dense0_bias: try "
                       r"'.\*dense0_weight'\nexpected: dense0_weight\nfound in net: dense0_weight, "
                       r"dense0_bias; not expected: dense0_bias$"):
        assert_selects(net, "dense0_.*", ["dense0_weight"])
    with pytest.raises(AssertionError, match=r"^'dense0_weight' misses dense1_weight: try "
                       r"'.\*weight'\n.*\nfound in net: dense0_weight; missing: dense1_weight$"):
        assert_selects(net, "dense0_weight", ["dense0_weight", "dense1_weight"])
    with pytest.raises(AssertionError, match=r"^'dense0_.\*' selects other parameters: try "
                       r"'.\*bias'\n"):
        assert_selects(net, "dense0_.*", ["dense0_bias", "dense1_bias"])
    with pytest.raises(AssertionError, match=r"(?s)missing: 0.weight.*select matches "
                       r"Gluon names, not structural paths: 0.weight is 'dense0_weight'"):
        assert_selects(net, ".*weight", ["0.weight", "dense1_weight"])


def test_assert_selects_empty_gives_the_fix(mlp):
    net, _ = mlp
    with pytest.raises(AssertionError, match=r"^'weight' selects nothing: Gluon matches from the "
                       r"start, use '\.\*weight'\nexpected: dense0_weight, dense1_weight\nfound in "
                       r"my_net: nothing\npattern 'weight' matches no parameter.*use '\.\*weight'"):
        assert_selects(net, "weight", ["dense0_weight", "dense1_weight"], name="my_net")
    with pytest.raises(AssertionError, match=r"^'conv.\*' selects nothing: try '.\*bias'"):
        assert_selects(net, "conv.*", ["dense0_bias", "dense1_bias"])


def test_assert_selects_errors(mlp):
    net, _ = mlp
    with pytest.raises(TypeError, match=r"expected_names must be a list.*not 'dense0_weight'"):
        assert_selects(net, ".*", "dense0_weight")
    with pytest.raises(ValueError, match=r"select '\(' is not a valid regular expression"):
        assert_selects(net, "(", [])
    with pytest.raises(TypeError, match=r"must be a gluon.Block, a ParameterDict, not Parameter"):
        assert_selects(net[0].weight, None, ["dense0_weight"])


# assert_frozen

def test_assert_frozen_passes(mlp):
    net, _ = mlp
    assert_frozen(net, frozen=False)
    freeze(net, "dense0_.*")
    assert_frozen(net, "dense0_.*")
    assert_frozen(net[0].weight)
    assert_frozen(net, "dense1_.*", frozen=False)


def test_assert_frozen_lists_offenders(mlp):
    net, _ = mlp
    freeze(net, ".*weight")
    with pytest.raises(AssertionError, match=r"^2 of 4 selected still train: freeze them: "
                       r"freeze\(net\)\nexpected grad_req 'null': dense0_weight \(0.weight\), "
                       r".*\nfound still training: dense0_bias \(0.bias\) 'write', dense1_bias "
                       r"\(1.bias\) 'write'\n\(in Gluon: p.grad_req = 'null'"):
        assert_frozen(net)
    with pytest.raises(AssertionError, match=r"^2 of 2 selected are frozen: unfreeze\(model, "
                       r"'.\*weight'\)\nexpected grad_req 'write': dense0_weight \(0.weight\), "
                       r"dense1_weight \(1.weight\)\nfound frozen: dense0_weight \(0.weight\) "
                       r"'null', dense1_weight \(1.weight\) 'null'"):
        assert_frozen(net, ".*weight", frozen=False, name="model")


def test_assert_frozen_only_what_is_selected(mlp):
    """only=True: exactly what the pattern selects is frozen; a pattern that selects nothing
    then means 'nothing frozen' (its mistake belongs to another claim)."""
    net, _ = mlp
    assert_frozen(net, "bias", only=True)  # selects nothing, nothing frozen
    freeze(net, ".*")
    with pytest.raises(AssertionError, match=r"^dense0_weight and 1 more are frozen too: "
                       r"unfreeze them\nexpected: only what '.\*bias' selects is frozen "
                       r"\(dense0_bias \(0.bias\), dense1_bias \(1.bias\)\)\nfound frozen as well: "
                       r"dense0_weight \(0.weight\), dense1_weight \(1.weight\)"):
        assert_frozen(net, ".*bias", only=True)
    with pytest.raises(AssertionError, match=r"^dense0_weight and 3 more are frozen too"):
        assert_frozen(net, "bias", only=True)
    net.collect_params(".*weight").setattr("grad_req", "write")
    assert_frozen(net, ".*bias", only=True)
    with pytest.raises(ValueError, match=r"not a valid regular expression"):
        assert_frozen(net, "(", only=True)


def test_assert_frozen_errors(mlp):
    net, _ = mlp
    with pytest.raises(TypeError, match=r"net must be a gluon.Block.*not str"):
        assert_frozen("net")
    with pytest.raises(ValueError, match=r"pattern 'bias' matches no parameter"):
        assert_frozen(net, "bias")
    with pytest.raises(ValueError, match=r"net 'relu0_' has no parameters \(an empty "
                                         r"Activation\): nothing to select"):
        with fresh_names():
            assert_frozen(nn.Activation("relu"))


def test_ctx_two_devices_frozen_and_tied(two_cpus):
    """The assertions read every context: a tied net on two devices passes them all."""
    net, _ = l10_params.lecture_tied_mlp(ctx=two_cpus, seed=0)
    assert_tied(net[1], net[2])
    assert_initialized(net)
    assert_params_equal(net, net)
    assert [c for c in net[1].weight.list_ctx()] == [mx.cpu(0), mx.cpu(1)]


def test_assert_params_equal_treats_nan_deliberately(mlp):
    """NaN equals NaN (the same value); NaN against a number differs, whatever rtol."""
    a, _ = mlp
    b, _ = lecture_mlp(ctx="cpu", seed=0)
    for net in (a, b):
        net[1].bias.data()[0] = float("nan")
        net[1].bias.data()[1] = float("inf")
    assert_params_equal(a, b)
    b[1].bias.data()[0] = 1.0
    with pytest.raises(AssertionError, match=r"1.bias on cpu\(0\): 1 of 10 values differ, "
                                             r"largest inf at \[0\]"):
        assert_params_equal(a, b, rtol=1e9)


# the wrong kind of object is a TypeError saying what the assertion takes

@pytest.mark.parametrize("call, message", [
    (lambda net, X: l10_params.testing.assert_param_at(net, "0.bias", net[0].bias.data()),
     r"^param must be a gluon.Parameter, not mxnet.nd.NDArray: param holds its values; take "
     r"the Parameter itself"),
    (lambda net, X: l10_params.testing.assert_param_at(net[0].bias, "0.bias", net[0].bias),
     r"assert_param_at: net must be a gluon.Block \(the network itself\), not Parameter"),
    (lambda net, X: l10_params.testing.assert_param_at(net, 0, net[0].bias),
     r"path must be a structural path such as '0.1.bias', not 0"),
    (lambda net, X: l10_params.testing.assert_grad_is_sum(X, X),
     r"assert_grad_is_sum: net must be a gluon.Block \(the network itself\), not NDArray"),
    (lambda net, X: l10_params.testing.assert_grad_is_sum(net, X, [net[1].weight.grad()]),
     r"grads must be a dict \{structural path: gradient\}, e.g. \{'1.weight': g\}, not list"),
    (lambda net, X: l10_params.testing.assert_grad_is_sum(net, X, {"1.weight": net[1].weight}),
     r"takes the gradient for '1.weight' as an array \(NumPy or MXNet\), not gluon.Parameter of "
     r"shape \(8, 8\), float32: pass its gradient"),
    (lambda net, X: l10_params.testing.assert_grad_norms(net, [1.0]),
     r"^reported must be a dict \{structural path: norm\}, e.g. \{'0.weight': 0.12\}, not list "
     r"of 1 float: \[1\.0\]$"),
    (lambda net, X: l10_params.testing.assert_grad_norms(
        net, dict.fromkeys(["0.weight", "1.weight", "2.weight", "3.weight"], "big"),
        names=("net", "norms")),
     r"^norms\['0.weight'\] must be a number, e.g. float\(np.linalg.norm\(p.grad\(\)\)\), not "
     r"str 'big'"),
    (lambda net, X: assert_params_equal(net[0].weight.data(), net[0].weight),
     r"assert_params_equal takes nets, layers, Parameters or Snapshots, not NDArray as a: "
     r"pass the Parameter"),
    (lambda net, X: assert_tied(net[1].weight.data(), net[2].weight),
     r"assert_tied takes two Parameters or two layers, not NDArray and Parameter"),
    (lambda net, X: assert_not_tied("dense0", net[1]),
     r"assert_not_tied takes two Parameters or two layers, not str and Dense"),
    (lambda net, X: assert_frozen([net[0]]), r"must be a gluon.Block.*not list"),
    (lambda net, X: assert_selects(net, ".*bias", "dense0_bias"),
     r"expected_names must be a list of parameter names such as \['dense0_weight'\]"),
    (lambda net, X: assert_init_matches(None, "zeros"),
     r"must be a gluon.Block, a ParameterDict or a Parameter, not NoneType"),
    (lambda net, X: assert_params_equal(net, net, names=("a",)),
     r"assert_params_equal: names must be a tuple of 2 strings"),
    (lambda net, X: assert_frozen(net, name=3), r"assert_frozen: name must be a non-empty string"),
    (lambda net, X: l10_params.testing.assert_losses([1.0, 0.5], steps=1),
     r"assert_losses: steps=1 must be a whole number >= 2"),
])
def test_wrong_kind_of_object_is_a_type_error(call, message):
    net, X = l10_params.lecture_tied_mlp(ctx="cpu", seed=0)
    before = snapshot(net)
    with pytest.raises((TypeError, ValueError), match=message):
        call(net, X)
    assert_params_equal(before, net)  # a refused call changes nothing


# where a parameter sits, gradients, norms, losses

def test_assert_param_at_names_the_mistake():
    from l10_params.testing import assert_param_at

    with fresh_names():
        inner = nn.Sequential()
        inner.add(nn.Dense(3, in_units=2), nn.Dense(2, in_units=3), nn.Dense(2, in_units=2))
        net = nn.Sequential()
        net.add(inner, nn.Dense(1, in_units=2))
    net.initialize()
    assert_param_at(net, "0.1.bias", inner[1].bias)
    names = ("rgnet", "nested_bias")
    with pytest.raises(AssertionError, match=r"^nested_bias is rgnet\[0\]\[1\].weight: take "
                       r".bias\nexpected: the Parameter at path '0.1.bias', rgnet\[0\]\[1\].bias "
                       r"\(dense1_bias, shape \(2,\)\)\nfound: dense1_weight, at path "
                       r"'0.1.weight'$"):
        assert_param_at(net, "0.1.bias", inner[1].weight, names=names)
    with pytest.raises(AssertionError, match=r"^nested_bias is rgnet\[0\]\[2\].bias: indices "
                       r"count from 0\n"):
        assert_param_at(net, "0.1.bias", inner[2].bias, names=names)
    with pytest.raises(AssertionError, match=r"^nested_bias is rgnet\[0\]\[0\].bias, another "
                       r"layer: see the paths\n"):
        assert_param_at(net, "0.1.bias", inner[0].bias, names=names)
    other, _ = lecture_mlp(ctx="cpu", seed=0)
    with pytest.raises(AssertionError, match=r"^nested_bias \(dense0_bias\) is not in rgnet: "
                       r"index into rgnet itself\n.*\nfound: dense0_bias, a Parameter of another "
                       r"net$"):
        assert_param_at(net, "0.1.bias", other[0].bias, names=names)
    with pytest.raises(ValueError, match=r"net has no parameter at path '1.1.bias'; its paths "
                       r"are 0.0.weight, 0.0.bias"):
        assert_param_at(net, "1.1.bias", inner[0].bias)


def _backward(net, X):
    with autograd.record():
        out = net(X).sum()
    out.backward()


def test_assert_grad_is_sum_and_its_mistakes(tied):
    from l10_params.testing import assert_grad_is_sum

    net, X = tied
    _backward(net, X)
    g = net[1].weight.grad()
    assert_grad_is_sum(net, X, {"1.weight": g, "dense0_bias": net[2].bias.grad().asnumpy()})
    names = ("tied_net", "shared_grad")
    with pytest.raises(AssertionError, match=r"^shared_grad is 2 x the gradient: grad\(\) already "
                       r"sums the 2 uses\nexpected: the sum of the gradients of its 2 uses "
                       r"\(1.weight and 2.weight\), norm .* \(the uses: .*\)\nfound: norm .*\n"
                       r"likely: the layers that share the Parameter hold one Parameter"):
        assert_grad_is_sum(net, X, {"1.weight": 2 * g}, names=names)
    with pytest.raises(AssertionError, match=r"^shared_grad is all zeros: run backward\(\) before "
                       r"reading grad\(\)"):
        assert_grad_is_sum(net, X, {"1.weight": 0 * g}, names=names)
    with pytest.raises(AssertionError, match=r"^shared_grad is 0.25 x the gradient: backward of "
                       r"tied_net\(X\).sum\(\)\n.*\n.*\nlikely: the gradient of another loss"):
        assert_grad_is_sum(net, X, {"1.weight": g / 4}, names=names)
    with pytest.raises(AssertionError, match=r"^shared_grad is not tied_net's gradient: one "
                       r"backward of tied_net\(X\).sum\(\)"):
        assert_grad_is_sum(net, X, {"1.weight": g + 1}, names=names)
    with pytest.raises(AssertionError, match=r"^shared_grad has shape \(8,\), expected \(8, 8\): "
                       r"take .weight.grad\(\)\n.*\nfound: mxnet.nd.NDArray of shape \(8,\), "
                       r"float32$"):
        assert_grad_is_sum(net, X, {"1.weight": net[1].bias.grad()}, names=names)
    # a parameter used once: its own gradient (copied values instead of a tie cost one test)
    assert_grad_is_sum(net, X, {"0.weight": net[0].weight.grad()})
    with pytest.raises(AssertionError, match=r"^grads\['0.weight'\] is 2 x the gradient: one "
                       r"backward, fresh gradients\nexpected: the gradient of 0.weight \(used "
                       r"once\).*\n.*\nlikely: gradients added over several backward passes"):
        assert_grad_is_sum(net, X, {"0.weight": 2 * net[0].weight.grad(), "1.weight": g})
    with pytest.raises(ValueError, match=r"'9.weight' is neither a structural path nor a Gluon "
                       r"name of net"):
        assert_grad_is_sum(net, X, {"9.weight": g})
    plain, Xp = lecture_mlp(ctx="cpu", seed=0)
    with pytest.raises(AssertionError, match=r"^net has no tied parameters: build a layer with "
                       r"params=\n.*\nfound: every Parameter of net has one use$"):
        assert_grad_is_sum(plain, Xp)


def test_assert_grad_norms_and_its_mistakes(tied):
    from l10_params.testing import assert_grad_norms

    net, X = tied
    _backward(net, X)
    norms = {f"{i}.weight": float(nd.norm(net[i].weight.grad()).asscalar()) for i in range(4)}
    assert_grad_norms(net, norms)
    assert norms["1.weight"] == norms["2.weight"]  # one Parameter, one gradient
    names = ("tied_net", "grad_norms")
    values = dict(norms, **{"0.weight": float(nd.norm(net[0].weight.data()).asscalar())})
    with pytest.raises(AssertionError, match=r"^grad_norms\['0.weight'\] is the norm of the "
                       r"values: use grad\(\)\n0.weight \(dense1_weight\): expected .*, found .*; "
                       r"that is the norm of the weight's values$"):
        assert_grad_norms(net, values, names=names)
    with pytest.raises(AssertionError, match=r"^grad_norms is off at 2 weights: take the norm "
                       r"after the last step\n0.weight .*\n3.weight .*report the gradient of the "
                       r"last backward"):
        assert_grad_norms(net, dict(norms, **{"0.weight": 5.0, "3.weight": 1.0}), names=names)
    with pytest.raises(AssertionError, match=r"^grad_norms has Gluon names as keys: key it by "
                       r"path, e.g. '0.weight'\nexpected: one norm per weight, keyed by "
                       r"structural path: 0.weight, 1.weight, 2.weight, 3.weight\nfound keys: "
                       r"'dense1_weight' \(a Gluon name: its path is '0.weight'\), '1.weight'"):
        assert_grad_norms(net, {"dense1_weight": 1.0, "1.weight": 1.0, "2.weight": 1.0,
                                "3.weight": 1.0}, names=names)
    with pytest.raises(AssertionError, match=r"^grad_norms lacks '3.weight': one norm per weight"):
        assert_grad_norms(net, {k: v for k, v in norms.items() if k != "3.weight"}, names=names)
    with pytest.raises(AssertionError, match=r"^reported has keys that are no weight's path: "
                       r"0.bias"):
        assert_grad_norms(net, dict(norms, **{"0.bias": 1.0}))
    for p in net.collect_params().values():
        p.zero_grad()
    with pytest.raises(AssertionError, match=r"^reported is off at 4 weights: run backward "
                       r"first\n0.weight .*the gradient is all zeros"):
        assert_grad_norms(net, norms)


def test_assert_losses_and_its_mistakes():
    from l10_params.testing import assert_losses

    assert_losses([0.9, 0.5, 0.2], steps=3)
    assert_losses((2.0, 1.0))
    cases = [
        (3.0, r"^losses is float, not a list: append one loss per step\nexpected: a list of 5 "
              r"Python floats, one loss per step\nfound: float 3.0$"),
        ([1.0] * 5000, r"^losses has 5000 items, expected 5: append once per step\n.*\nfound: "
                       r"list of 5000 float: \[1.0, 1.0, .*, \.\.\., 1.0\]$"),
        ([np.float32(0.5)] * 5, r"^losses holds numpy.float32, not float: append float\(l\)\n"
                                r".*\nfound: list of 5 numpy.float32: \[0.5, 0.5, 0.5, 0.5, 0.5\]$"),
        ([nd.array([1.0])] * 5, r"^losses holds mxnet.nd.NDArray, not float: append float\(l\)\n"
                                r".*\nfound: list of 5 mxnet.nd.NDArray: \[<mxnet.nd.NDArray \(1,\) "
                                r"float32>"),
        ([1.0, 2.0, 3.0, 4.0, 5.0], r"^the loss did not go down: trainer.step after each "
                                    r"backward\?\nexpected: the last loss below the first \(1\)"),
        ([1.0, float("nan"), 1.0, 1.0, 0.5], r"^losses\[1\] is nan: lower the learning rate"),
    ]
    for losses, message in cases:
        with pytest.raises(AssertionError, match=message):
            assert_losses(losses, steps=5)
    with pytest.raises(AssertionError, match=r"^history has 1 items: append one loss per step"):
        assert_losses([1.0], name="history")
    long = str(pytest.raises(AssertionError, assert_losses, [0.1] * 100000, steps=5).value)
    assert len(long) < 400  # a long list is shortened, its length and type kept


def test_messages_shortened_values_keep_their_type():
    from l10_params.testing._common import show

    assert show([np.float32(0.25)] * 3) == "list of 3 numpy.float32: [0.25, 0.25, 0.25]"
    assert show([0.25, np.float32(0.5)]) == "list of 2 float and numpy.float32: [0.25, 0.5]"
    assert len(show(list(range(100000)))) < 260
    assert show(nd.zeros((2, 3))) == "mxnet.nd.NDArray of shape (2, 3), float32"
    assert show({"0.weight": np.float32(1.5)}) == ("dict of 1 (numpy.float32): "
                                                   "{'0.weight': 1.5}")


# in a notebook: failed claims show the cell's line; a missing name says what to do

@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    yield sh
    InteractiveShell.clear_instance()


def _run(shell, capsys, code):
    shell.run_cell(code, store_history=True)  # as Jupyter runs a cell: In holds its source
    out = capsys.readouterr()
    return ANSI.sub("", out.out + out.err)


def test_explain_errors_in_ipython(shell, capsys):
    from l10_params.testing import explain_errors

    shell.run_cell("from l10_params import testing, lecture_mlp\n"
                   "net, X = lecture_mlp(ctx='cpu', seed=0)")
    said = _run(shell, capsys, "testing.assert_selects(net, BIAS_PATTERN, [])")
    assert "name 'BIAS_PATTERN' is not defined" in said  # before: IPython's words
    explain_errors()
    said = _run(shell, capsys, "testing.assert_selects(net, BIAS_PATTERN, [])")
    assert ("NameError: BIAS_PATTERN is not defined yet: Kernel → Restart & Run All\nRun every "
            "cell from the top (Kernel → Restart & Run All): a cell above this one must define "
            "BIAS_PATTERN.") in said
    said = _run(shell, capsys, "# YOUR CODE HERE\nraise NotImplementedError()")
    said = _run(shell, capsys, "testing.assert_selects(net, BIAS_PATTERN, [])")
    assert "NameError: BIAS_PATTERN is not defined: an answer above is not written yet\n" in said
    said = _run(shell, capsys, "BIAS_PATTERN = '.*bias')")  # does not parse
    said = _run(shell, capsys, "testing.assert_selects(net, BIAS_PATTERN, [])")
    assert "NameError: BIAS_PATTERN is not defined: the cell that sets it failed; fix it\n" in said
    said = _run(shell, capsys, "BIAS_PATERN = '.*bias'\nBIAS_PATTERN")
    assert "NameError: BIAS_PATTERN is not defined, but BIAS_PATERN is: a typo" in said
    said = _run(shell, capsys, "def f():\n    return sqrt(2)\nf()")
    assert "NameError: name 'sqrt' is not defined" in said  # inside a function: Python's words
    said = _run(shell, capsys, "testing.assert_selects(net, 'bias', ['dense0_bias'])")
    assert "AssertionError: 'bias' selects nothing: try '.*dense0_bias'" in said
    assert "----> 1 testing.assert_selects(net, 'bias', ['dense0_bias'])" in said
    assert "l10_params" not in said and "raise fail" not in said  # the cell, not the library
    said = _run(shell, capsys, "assert 1 == 2, 'plain'")
    assert "AssertionError: plain" in said


def test_explain_errors_cites_the_answer_cell_that_failed(shell, capsys, tmp_path):
    from l10_params.testing import explain_errors

    shell.run_cell("import mxnet as mx\nfrom mxnet import npx\nfrom mxnet.gluon import nn\n"
                   "from l10_params import testing\n"
                   "a = nn.Dense(3, in_units=2); a.initialize(mx.init.One())\n"
                   "b = nn.Dense(3, in_units=2); b.initialize()", store_history=True)
    explain_errors()
    explain_errors()  # again, as a notebook run twice does: still one record per cell
    records = [cb for cb in shell.events.callbacks["post_run_cell"]
               if getattr(cb, "__qualname__", "") == "_Cells.record"]
    assert len(records) == 1
    test = "testing.assert_params_equal(a, b, names=('a', 'b'))"
    _run(shell, capsys, "1 / 0\nb.weight.set_data(a.weight.data())")  # the answer stops early
    n = shell.execution_count - 1
    said = _run(shell, capsys, test)
    assert (f"AssertionError: b differs from a at weight: copy_params(a, b)\n"
            f"likely: In [{n}] above stopped with an error: fix it first\n"
            f"In [{n}]: ZeroDivisionError: division by zero\n") in said
    said = _run(shell, capsys, "c = 1")  # an answer cell that runs: the guess is its own again
    said = _run(shell, capsys, test)
    assert "AssertionError: b differs from a" in said and "above stopped" not in said
    # MXNet's own AssertionError in an answer cell is shown as it is
    _run(shell, capsys, "1 / 0")
    said = _run(shell, capsys, "b.weight = a.weight")
    assert "Overriding Parameter attribute" in said and "likely:" not in said
    # the MXNet error whose words lack the fix: one layer's file loaded after npx.set_np()
    path = (tmp_path / "layer.params").as_posix()
    try:
        _run(shell, capsys, "npx.set_np()\nc = nn.Dense(3, in_units=2); c.initialize(mx.init.One())"
                            "\nd = nn.Dense(3, in_units=2); d.initialize()")
        _run(shell, capsys, f"c.save_parameters({path!r})\nd.load_parameters({path!r})")
        n = shell.execution_count - 1
        said = _run(shell, capsys, "testing.assert_params_equal(c, d, names=('c', 'd'))")
    finally:
        shell.run_cell("npx.reset_np()")
    assert (f"likely: In [{n}] above stopped with an error: fix it first\n"
            f"In [{n}]: TypeError: Cannot assign mx.nd.NDArray to mxnet.numpy.ndarray\n"
            "MXNet 1.9.1 reads one layer's saved file as nd arrays, which fails after "
            "npx.set_np(): copy the values with set_data") in said
    # a missing name whose cell failed: that cell's error
    _run(shell, capsys, "losses = []\nlosses.append(undefined_loss)")
    n = shell.execution_count - 1
    said = _run(shell, capsys, "del losses\nlosses")
    assert (f"NameError: losses is not defined: the cell that sets it failed; fix it\n"
            f"In [{n}]: NameError: name 'undefined_loss' is not defined\n") in said


def test_explain_errors_outside_ipython_does_nothing():
    from l10_params.testing import explain_errors

    assert explain_errors() is None


FIRST_LINES = [  # the first line of each failure above fits nbgrader validate's 88 columns
    "'bias' selects nothing: Gluon matches from the start, use '.*bias'",
    "HeNormal: std = sqrt(2 / 64), the fan-out: use fan_in = shape[1]",
    "he_net got the default Uniform(0.07): he_net.initialize(HeNormal())",
    "student[0] kept its initial values: nothing copied; use set_data",
    "student[0]: weights copied, biases not: copy the biases too",
    "tied_net[2] copies tied_net[1] instead of sharing: use params=",
    "shared_grad is 2 x the gradient: grad() already sums the 2 uses",
    "nested_bias is rgnet[0][3][1].bias: indices count from 0",
    "losses holds numpy.float32, not float: append float(l)",
]


def test_first_lines_fit_nbgrader_validate():
    from l10_params.testing._common import FIRST_LINE

    assert len("    AssertionError: ") + FIRST_LINE == 87  # validate cuts longer lines
    for line in FIRST_LINES:
        assert len(line) <= FIRST_LINE, line
