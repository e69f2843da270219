"""tied_groups, is_tied, tied_dense and tied_gradients on real MXNet nets."""
from __future__ import annotations

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, init, nd
from mxnet.gluon import nn

from l10_params import (
    copy_params,
    fresh_names,
    is_tied,
    lecture_tied_mlp,
    tied_dense,
    tied_gradients,
    tied_groups,
)


def untied_copy(tied_net, ctx):
    """The lecture's tied net rebuilt with a separate parameter per use, same values."""
    with fresh_names():
        plain = nn.Sequential()
        plain.add(nn.Dense(8, activation="relu"), nn.Dense(8, activation="relu"),
                  nn.Dense(8, activation="relu"), nn.Dense(10))
    plain.initialize(init.Zero(), ctx=ctx)
    plain(nd.zeros((1, 20), ctx=ctx[0]))
    copy_params(tied_net, plain)
    return plain


def grads_of(net, X, ctx):
    with autograd.record():
        y = net(X.as_in_context(ctx)).sum()
    y.backward()
    return {k: p.grad(ctx).asnumpy() for k, p in net._collect_params_with_prefix().items()}


def reused_block_net():
    """One Dense object added twice: paths 1.* and 2.* hold the same parameters."""
    with fresh_names():
        d = nn.Dense(6, activation="relu", in_units=6)
        net = nn.Sequential()
        net.add(nn.Dense(6, activation="relu", in_units=4), d, d, nn.Dense(2, in_units=6))
    net.initialize(init.Uniform(0.5))
    return net, nd.random.uniform(shape=(3, 4))


def nested_net():
    with fresh_names():
        shared = nn.Dense(4, in_units=4)
        inner = nn.Sequential()
        inner.add(shared, nn.Dense(4, in_units=4))
        outer = nn.Sequential()
        outer.add(inner, nn.Dense(4, in_units=4, params=shared.params))
    outer.initialize(init.Uniform(0.5))
    return outer


# ---- tied_groups / is_tied ---------------------------------------------------------------

def test_tied_groups_lecture_reused_nested(tied, mlp):
    assert tied_groups(tied[0]) == [["1.weight", "2.weight"], ["1.bias", "2.bias"]]
    net, _ = reused_block_net()
    assert tied_groups(net) == [["1.weight", "2.weight"], ["1.bias", "2.bias"]]
    assert tied_groups(nested_net()) == [["0.0.weight", "1.weight"], ["0.0.bias", "1.bias"]]
    assert tied_groups(mlp[0]) == []
    with pytest.raises(TypeError, match="tied_groups: net must be a gluon.Block.*ParameterDict lists each Parameter once"):
        tied_groups(tied[0].collect_params())


def test_is_tied_objects_not_values(tied):
    net, _ = tied
    assert is_tied(net[1], net[2]) and is_tied(net[2].bias, net[1].bias)
    assert not is_tied(net[0], net[1]) and not is_tied(net[1].weight, net[1].bias)
    plain = untied_copy(net, [mx.cpu()])
    assert np.array_equal(plain[1].weight.data().asnumpy(), plain[2].weight.data().asnumpy())
    assert not is_tied(plain[1], plain[2])  # equal values, two objects
    outer = nested_net()
    assert is_tied(outer[0][0], outer[1]) and not is_tied(outer[0][1], outer[1])


def test_is_tied_refusals(tied):
    net, _ = tied
    with pytest.raises(TypeError, match=r"not NDArray \(that is a value: pass the Parameter"):
        is_tied(net[1].weight.data(), net[2].weight.data())
    with pytest.raises(TypeError, match="not str"):
        is_tied("dense0_weight", net[1].weight)
    with pytest.raises(TypeError, match="two Parameters or two layers, not one of each"):
        is_tied(net[1], net[1].weight)
    with pytest.raises(ValueError, match="'relu0' has no parameters"):
        with fresh_names():
            act = nn.Activation("relu")
        is_tied(act, net[1])


# ---- tied_dense ----------------------------------------------------------------------------

def test_tied_dense_builds_a_tie():
    with fresh_names():
        shared = nn.Dense(8, activation="relu")
        net = nn.Sequential()
        net.add(nn.Dense(8, activation="relu"), shared, tied_dense(shared, activation="relu"))
    net.initialize()
    net(nd.ones((2, 5)))
    assert is_tied(net[1], net[2])


def test_tied_dense_shape_mismatch_names_both():
    with fresh_names():
        shared = nn.Dense(8, activation="relu", in_units=8)
    shared.initialize()
    before = list(shared.params)
    with pytest.raises(AssertionError, match="desired '\\(16, 0\\)' vs stored '\\(8, 8\\)'"):
        nn.Dense(16, params=shared.params)  # what Gluon does
    with pytest.raises(ValueError, match=r"new Dense\(16\) to layer 'dense0' \(Dense\(8\)\): "
                       r"the new layer needs a weight of shape \(16, \?\), but 'dense0_weight' "
                       r"has shape \(8, 8\)"):
        tied_dense(shared, 16)
    with pytest.raises(ValueError, match=r"shape \(8, 5\), but 'dense0_weight' has shape \(8, 8\)"):
        tied_dense(shared, in_units=5)
    with pytest.raises(ValueError, match="dtype float16 differs"):
        tied_dense(shared, dtype="float16")
    assert list(shared.params) == before


def test_tied_dense_refusals():
    with fresh_names():
        shared = nn.Dense(8, use_bias=False)
    with pytest.raises(ValueError, match="wants a bias but 'dense0' has none; pass use_bias=False"):
        tied_dense(shared)
    assert list(shared.params) == ["dense0_weight"]
    assert tied_dense(shared, use_bias=False).weight is shared.weight
    with pytest.raises(TypeError, match="nn.Dense, not Conv2D"):
        tied_dense(nn.Conv2D(4, 3))


# ---- tied_gradients ------------------------------------------------------------------------

def test_tied_gradients_is_sum_over_an_untied_copy(tied):
    net, X = tied
    t = tied_gradients(net, X)
    assert [r.name for r in t] == ["dense0_weight", "dense0_bias"]
    assert all(r.agree for r in t)
    plain = untied_copy(net, [mx.cpu()])
    g_plain, g_tied = grads_of(plain, X, mx.cpu()), grads_of(net, X, mx.cpu())
    for row, key in zip(t, ("weight", "bias")):
        expected = g_plain[f"1.{key}"] + g_plain[f"2.{key}"]
        np.testing.assert_allclose(row.summed, expected, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(row.grad, g_tied[f"1.{key}"], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(row.grad, expected, rtol=1e-5, atol=1e-6)
        assert row.use_norms == pytest.approx(
            (np.linalg.norm(g_plain[f"1.{key}"]), np.linalg.norm(g_plain[f"2.{key}"])), rel=1e-5)
    assert "tied gradient = sum over the uses" in str(t)


def test_tied_gradients_leaves_gradients_and_ties(tied):
    net, X = tied
    before = grads_of(net, X, mx.cpu())
    tied_gradients(net, X)
    after = {k: p.grad().asnumpy() for k, p in net._collect_params_with_prefix().items()}
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])
    assert net[1].weight is net[2].weight and net[2]._reg_params["weight"] is net[1].weight


def test_tied_gradients_reused_block_separates_the_uses():
    net, X = reused_block_net()
    t = tied_gradients(net, X)
    assert all(r.agree for r in t)
    w = t[0]
    assert w.use_norms[0] != pytest.approx(w.use_norms[1])  # two different uses
    assert net[1] is net[2]
    g = grads_of(net, X, mx.cpu())
    np.testing.assert_allclose(w.grad, g["1.weight"], rtol=1e-6)


@pytest.mark.filterwarnings("ignore:All children of this Sequential")
def test_tied_gradients_nested_and_hybridized():
    net = nested_net()
    X = nd.random.uniform(shape=(2, 4))
    assert all(r.agree for r in tied_gradients(net, X))
    tied, X = lecture_tied_mlp(ctx="cpu", seed=0)
    tied.hybridize()
    tied(X)
    t = tied_gradients(tied, X)
    assert all(r.agree for r in t) and all(b._active for b in tied)


def test_tied_gradients_per_context(two_cpus):
    net, X = lecture_tied_mlp(ctx=two_cpus, seed=0)
    net[1].weight.data(mx.cpu(1))[:] *= 2  # replicas differ, so the contexts differ
    t = tied_gradients(net, X)
    assert [(r.name, r.context) for r in t] == [
        ("dense0_weight", "cpu(0)"), ("dense0_weight", "cpu(1)"),
        ("dense0_bias", "cpu(0)"), ("dense0_bias", "cpu(1)")]
    assert all(r.agree for r in t)
    plain = untied_copy(net, two_cpus)
    for c in two_cpus:  # copy_params reads the first context: rebuild each context's copy
        for i in (1, 2):
            plain[i].weight.data(c)[:] = net[1].weight.data(c)
    for row in t:
        ctx = mx.cpu(int(row.context[4]))
        g = grads_of(plain, X, ctx)
        key = row.name.split("_")[1]
        expected = g[f"1.{key}"] + g[f"2.{key}"]
        for idx in np.ndindex(expected.shape):
            assert row.summed[idx] == pytest.approx(expected[idx], rel=1e-5, abs=1e-6)
            assert row.grad[idx] == pytest.approx(expected[idx], rel=1e-5, abs=1e-6)
    assert t[0].grad_norm != pytest.approx(t[1].grad_norm)


def test_tied_gradients_no_ties(mlp):
    net, X = mlp
    t = tied_gradients(net, X)
    assert len(t) == 0 and "no tied parameters" in str(t)


def test_tied_gradients_refusals(tied, deferred_net):
    net, X = tied
    with pytest.raises(ValueError, match=r"data is on cpu\(1\) but parameter 'dense1_weight'.*"
                       r"as_in_context\(cpu\(0\)\)"):
        tied_gradients(net, X.as_in_context(mx.cpu(1)))
    with pytest.raises(TypeError, match=r"needs X as an array batch \(mx.nd, mx.np or NumPy\)"):
        tied_gradients(net, X.asnumpy().tolist())
    assert all(r.agree for r in tied_gradients(net, X.asnumpy()))  # NumPy values: accepted
    with pytest.raises(TypeError, match="tied_gradients: net must be a gluon.Block"):
        tied_gradients(net.collect_params(), X)
    with pytest.raises(RuntimeError, match=r"'dense0_weight' \(0\.weight\) is deferred.*net\(X\)"):
        tied_gradients(deferred_net, nd.ones((2, 3)))
    net[1].weight.grad_req = "null"
    with pytest.raises(ValueError, match="grad_req 'null' \\(frozen\\).*grad_req = 'write'"):
        tied_gradients(net, X)
    net[1].weight.grad_req = "write"
    with autograd.record():
        with pytest.raises(RuntimeError, match="outside your `with autograd.record"):
            tied_gradients(net, X)


# ---- sharing by call: the book's FancyMLP, hybridized nets, both modes ----------------------

def F(name):
    """An operator of the interface in force (the book's code uses np/npx in NumPy mode)."""
    return getattr(mx.npx if mx.npx.is_np_array() else nd, name)


def dot(a, b):
    return mx.np.dot(a, b) if mx.npx.is_np_array() else nd.dot(a, b)


class FancyMLP(nn.Block):
    """The book's FancyMLP: one Dense layer called twice in forward, a constant weight, and
    (``inplace=True``) the book's own ``X /= 2``, which autograd cannot record."""

    def __init__(self, inplace=False, **kwargs):
        super().__init__(**kwargs)
        self.inplace = inplace
        shape = (20, 20)
        self.rand_weight = self.params.get_constant(
            "rand_weight", mx.np.random.uniform(size=shape) if mx.npx.is_np_array()
            else nd.random.uniform(shape=shape))
        self.dense = nn.Dense(20, activation="relu")

    def forward(self, X):
        X = self.dense(X)
        X = F("relu")(dot(X, self.rand_weight.data()) + 1)
        X = self.dense(X)
        while abs(X).sum() > 1:
            if self.inplace:
                X /= 2
            else:
                X = X / 2
        return X.sum()


class TwiceHybrid(nn.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = nn.Dense(8, activation="relu", in_units=8)

    def hybrid_forward(self, F, x):
        return self.dense(self.dense(x))


def batch(shape):
    mx.random.seed(0)
    x = nd.random.uniform(shape=shape)
    return x.as_np_ndarray() if mx.npx.is_np_array() else x


def state_of(net):
    """Everything tied_* must leave alone: values, gradients, grad_req, hooks, cached graph."""
    params = net.collect_params()
    return ({k: p.data().asnumpy().copy() for k, p in params.items()},
            {k: p.grad().asnumpy().copy() for k, p in params.items() if p.grad_req != "null"},
            {k: p.grad_req for k, p in params.items()},
            [(len(b._forward_hooks), len(b._forward_pre_hooks)) for b in _blocks(net)],
            [getattr(b, "_cached_op", None) for b in _blocks(net)])


def _blocks(net):
    out = [net]
    for c in net._children.values():
        out += _blocks(c)
    return out


def assert_unchanged(before, net):
    after = state_of(net)
    for a, b in zip(before[:2], after[:2]):
        assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    assert before[2:] == after[2:]


def fancy(inplace=False):
    with fresh_names():
        net = FancyMLP(inplace=inplace)
    net.initialize()
    X = batch((2, 20))
    net(X)
    return net, X


def test_fancy_mlp_layer_called_twice(mode):
    net, X = fancy()
    net.dense.weight.grad()[:] = 0.25  # a gradient the student has: it must survive
    before = state_of(net)
    assert tied_groups(net) == []
    assert tied_groups(net, X) == [["dense.weight (call 1)", "dense.weight (call 2)"],
                                   ["dense.bias (call 1)", "dense.bias (call 2)"]]
    rows = list(tied_gradients(net, X))
    assert [r.name for r in rows] == ["dense0_weight", "dense0_bias"]
    assert all(r.agree and len(r.use_norms) == 2 for r in rows)
    np.testing.assert_allclose(rows[0].grad, rows[0].summed, rtol=1e-5, atol=1e-6)
    assert_unchanged(before, net)
    assert net(X).size == 1


def test_fancy_mlp_in_place_write_is_named(mode):
    net, X = fancy(inplace=True)
    assert len(tied_groups(net, X)) == 2  # counting calls needs no gradient
    before = state_of(net)
    with pytest.raises(ValueError, match=r"writes into an array in place \(such as X /= 2.*batch "
                                         r"of shape \(2, 20\).*write X = X / 2 instead"):
        tied_gradients(net, X)
    assert_unchanged(before, net)


def test_hybridized_net_calls_are_counted_and_its_graph_kept(mode):
    with fresh_names():
        net = TwiceHybrid()
    net.initialize()
    net.hybridize()
    X = batch((3, 8))
    net(X)
    before = state_of(net)
    assert before[4][0] is not None  # the student's cached graph exists...
    assert tied_groups(net, X) == [["dense.weight (call 1)", "dense.weight (call 2)"],
                                   ["dense.bias (call 1)", "dense.bias (call 2)"]]
    assert all(r.agree for r in tied_gradients(net, X))
    assert_unchanged(before, net)  # ... and is the same object afterwards
    assert net(X).shape == (3, 8)


def test_bad_batch_is_the_nets_complaint_naming_the_shape(mode):
    net, X = lecture_tied_mlp(ctx="cpu", seed=0)
    before = state_of(net)
    bad = X[:, :5]
    with pytest.raises(ValueError, match=r"the net cannot take a batch of shape \(2, 5\): "
                                         r"MXNetError: .*Shape inconsistent"):
        tied_groups(net, bad)
    with pytest.raises(ValueError, match=r"the net cannot take a batch of shape \(2, 5\)"):
        tied_gradients(net, bad)
    with pytest.raises(TypeError, match="needs X as an array batch"):
        tied_groups(net, [[1.0] * 20])
    assert_unchanged(before, net)
    assert net(X).shape == (2, 10)
