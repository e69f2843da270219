"""l10_params.testing: each assertion passes on a true claim, fails with an actionable message."""
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
    with pytest.raises(AssertionError, match=r"layers 'dense1' and 'dense0' are not tied: "
                       r"weight: 'dense1_weight' \(8, 20\) vs 'dense0_weight' \(8, 8\), "
                       r"separate objects; bias: 'dense1_bias' \(8,\) vs 'dense0_bias' \(8,\), "
                       r"separate objects \(values equal\); to tie them, build the second layer with "
                       r"params=first.params"):
        assert_tied(net[0], net[1])


def test_assert_tied_equal_values_separate_objects():
    with fresh_names():
        first = nn.Dense(3, in_units=2)
        second = nn.Dense(3, in_units=2)
    first.initialize(init.Constant(1))
    second.initialize(init.Constant(1))
    assert_params_equal(first, second)  # the values agree ...
    with pytest.raises(AssertionError, match=r"weight: 'dense0_weight' \(3, 2\) vs "
                       r"'dense1_weight' \(3, 2\), separate objects \(values equal\).*"
                       r"equal values but separate objects: build the second layer with "
                       r"params=first.params"):
        assert_tied(first, second)  # ... but they are not tied
    with pytest.raises(AssertionError, match=r"Parameters 'dense0_weight' and 'dense1_weight'"
                       r" are not tied: .*equal values but separate objects"):
        assert_tied(first.weight, second.weight)
    with fresh_names():
        twin = tied_dense(first)
    assert_tied(first, twin)


def test_assert_tied_layer_without_some_parameter():
    with fresh_names():
        a, b = nn.Dense(3, in_units=2), nn.Dense(3, in_units=2, use_bias=False)
    with pytest.raises(AssertionError, match=r"bias: only in 'dense0'"):
        assert_tied(a, b)


def test_assert_not_tied_lists_shared(tied):
    net, _ = tied
    with pytest.raises(AssertionError, match=r"'dense0_weight', 'dense0_bias' are Parameter "
                       r"objects used in both places by layers 'dense0' and 'dense2'; build "
                       r"the second layer without params=\.\.\."):
        assert_not_tied(net[1], net[2])
    with pytest.raises(AssertionError, match=r"'dense0_weight' is one Parameter object"):
        assert_not_tied(net[1].weight, net[2].weight)


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
    with pytest.raises(AssertionError, match=r"^2 of 4 parameters have no values yet: deferred: "
                       r"dense0_weight \(0.weight\) shape \(4, \?\), dense1_weight \(1.weight\) "
                       r"shape \(2, \?\); run one forward pass, e.g. net\(X\)"):
        assert_initialized(deferred_net)
    deferred_net(nd.ones((2, 5)))
    assert_initialized(deferred_net)


def test_assert_initialized_never(raw_net):
    with pytest.raises(AssertionError, match=r"4 of 4 .*uninitialized: dense0_weight "
                       r"\(0.weight\) shape \(4, \?\), dense0_bias .*call net.initialize\(\)"):
        assert_initialized(raw_net)
    with pytest.raises(AssertionError, match=r"^1 of 1 .*uninitialized: dense0_bias shape"):
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


def test_assert_init_matches_carries_check_text(mlp):
    net, _ = mlp
    with pytest.raises(AssertionError, match=r"^2 of 2 parameters do not look like "
                       r"Normal\(sigma=0.01\):\n  FAIL dense0_weight ~ Normal\(sigma=0.01\): "
                       r"mean .* std 0.04.* \[dense0_weight \(0.weight\)\]\n.*\n"
                       r"explain_init\(net\) shows"):
        assert_init_matches(net, init.Normal(0.01), select=".*weight")


def test_assert_init_matches_replicas_differ(mlp2):
    net, _ = mlp2
    net[1].bias.list_data()[1][0] = 1.0
    with pytest.raises(AssertionError, match=r"(?s)1 of 2 .*FAIL dense1_bias ~ Zero\(\).*"
                       r"copies on \[cpu\(0\), cpu\(1\)\] differ"):
        assert_init_matches(net, "zeros", select=".*bias")


def test_assert_init_matches_deferred_is_the_runtime_error(deferred_net):
    """No values yet is a RuntimeError, as the package docstring says (the claim needs values)."""
    with pytest.raises(RuntimeError, match=r"parameter 'dense0_weight' \(0.weight\) is deferred"
                       r".*one forward pass"):
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
    with pytest.raises(AssertionError, match=r"^parameters differ \(rtol=1e-06, atol=0\): "
                       r"largest \|a - b\| = 0\.13\d+ at 0.weight \[\d+, \d+\] on cpu\(0\) "
                       r"\(a .*, b .*\)\n  0.weight on cpu\(0\): 5120 of 5120 values differ"):
        assert_params_equal(a, b)
    assert_params_equal(a, b, select=".*bias")  # the biases are zeros in both
    assert_params_equal(a, b, atol=0.15)


def test_assert_params_equal_every_context(mlp, mlp2):
    a, _ = mlp
    b, _ = mlp2
    b[0].weight.list_data()[1][2, 3] += 0.25
    with pytest.raises(AssertionError, match=r"largest \|a - b\| = 0\.25 at 0.weight \[2, 3\] "
                       r"on cpu\(1\).*\n  0.weight on cpu\(1\): 1 of 5120 values differ"):
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
    with pytest.raises(AssertionError, match=r"1.weight on cpu\(0\)"):
        assert_params_equal(before, net, select="dense1_.*")


def test_assert_params_equal_structure(mlp, deferred_net, raw_net):
    a, _ = mlp
    with pytest.raises(AssertionError, match=r"0.weight: no values in b \(deferred.*\n"
                       r"  0.bias: shape \(256,\) in a, \(4,\) in b"):
        assert_params_equal(a, deferred_net)
    with fresh_names():
        longer = nn.Sequential()
        longer.add(nn.Dense(256), nn.Dense(10), nn.Dense(3))
    longer.initialize()
    longer(nd.ones((1, 20)))
    with pytest.raises(AssertionError, match=r"2.weight: in b but not in a\n  2.bias: in b"):
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
    with pytest.raises(AssertionError, match=r"pattern 'dense0_.\*' does not select what was "
                       r"expected: selected \['dense0_weight', 'dense0_bias'\]; expected "
                       r"\['dense0_weight'\]; not expected: \['dense0_bias'\]$"):
        assert_selects(net, "dense0_.*", ["dense0_weight"])
    with pytest.raises(AssertionError, match=r"not selected: \['0.weight'\].*select matches "
                       r"Gluon names, not structural paths: 0.weight is 'dense0_weight'"):
        assert_selects(net, ".*weight", ["0.weight", "dense1_weight"])


def test_assert_selects_empty_gives_select_hint(mlp):
    net, _ = mlp
    with pytest.raises(AssertionError, match=r"pattern 'weight' selects nothing, expected "
                       r"\['dense0_weight'\]: pattern 'weight' matches no parameter.*"
                       r"use '\.\*weight'"):
        assert_selects(net, "weight", ["dense0_weight"])


def test_assert_selects_errors(mlp):
    net, _ = mlp
    with pytest.raises(TypeError, match=r"expected_names must be a list.*not 'dense0_weight'"):
        assert_selects(net, ".*", "dense0_weight")
    with pytest.raises(ValueError, match=r"pattern '\(' is not a valid regular expression"):
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
    with pytest.raises(AssertionError, match=r"^2 of 4 parameters are not frozen \(grad_req "
                       r"should be 'null'\): dense0_bias \(0.bias\) grad_req 'write', "
                       r"dense1_bias \(1.bias\) grad_req 'write'; freeze them: freeze"):
        assert_frozen(net)
    with pytest.raises(AssertionError, match=r"^2 of 2 parameters are frozen \(grad_req 'null'\)"
                       r" but should train: dense0_weight \(0.weight\), dense1_weight "
                       r"\(1.weight\); unfreeze them"):
        assert_frozen(net, ".*weight", frozen=False)


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
