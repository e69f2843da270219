"""Issue 9's findings, each fixed at its cause: one test per finding (the catalogue of wrong
inputs is tests/test_bad_inputs.py; random nets and values are tests/test_properties.py)."""
from __future__ import annotations

import matplotlib
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon, init, nd
from mxnet.gluon import nn
from nets import checksum, convbn, custom, mlp

import l10_params as L
from l10_params.testing import assert_frozen, assert_params_equal

matplotlib.use("Agg")


def test_initialize_by_pattern_is_all_or_nothing_on_a_parameter_dict():
    """The second parameter cannot be initialized (shape unknown, no layer to infer it):
    the first one must not have been written when the error comes."""
    pd = gluon.ParameterDict()
    a = pd.get("a_weight", shape=(2, 2))
    pd.get("b_weight", shape=(3, 0))
    a.initialize()
    before = checksum(pd)
    with pytest.raises(ValueError, match=r"'b_weight' has shape \(3, \?\) and nothing can infer "
                                         r"the unknown dimensions.*give it a full shape"):
        L.initialize_by_pattern(pd, [("a.*", init.Normal(1)), ("b.*", init.One())])
    assert checksum(pd) == before


def test_a_parameter_kept_only_in_self_params_is_seen_by_every_helper():
    net, X = custom()
    other, _ = custom()
    L.set_value(other.params.get("hidden"), 5.0)
    L.set_value(other.w, 0.5)
    assert [r.path for r in L.summary(net).rows] == ["w", "hidden"]
    assert "hidden" in L.snapshot(net).by_path()
    before = L.snapshot(other)
    assert L.copy_params(net, other) == [("w", "w"), ("hidden", "hidden")]
    changed = {r.paths[0]: r.changed for r in L.diff(before, other).rows}
    assert changed == {"w": 12, "hidden": 3}
    assert_params_equal(net, other)
    np.testing.assert_array_equal(net(X).asnumpy(), other(X).asnumpy())


def test_running_statistics_are_neither_unfrozen_nor_blamed():
    net, _ = convbn()
    L.freeze(net)
    assert L.unfreeze(net) == ["conv0_weight", "conv0_bias", "batchnorm0_gamma",
                               "batchnorm0_beta"]
    assert net[1].running_mean.grad_req == "null"
    assert_frozen(net, frozen=False)  # the running statistics are 'null' by nature


def test_row_sparse_parameters_are_read():
    w = gluon.Parameter("rs_weight", shape=(4, 3), stype="row_sparse")
    w.initialize(init=init.One(), ctx=[mx.cpu(0), mx.cpu(1)])
    s = L.summary(w, stats=True)
    assert (s.rows[0].mean, s.rows[0].zeros) == (1.0, 0.0)
    assert L.snapshot(w)["rs_weight"].sum() == 12
    assert all(r.identical for r in L.replicas(w))
    ax = L.hist(w)
    assert ax.get_legend().get_texts()[0].get_text() == "rs_weight (4, 3)"


def _deferred():
    with L.fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(3))
    net.initialize()
    return net


NO_VALUES = {
    "snapshot": lambda n: L.snapshot(n)["0.weight"],
    "check_init": lambda n: L.check_init(n[0].weight, "zeros"),
    "hist": lambda n: L.hist(n),
    "replicas": lambda n: L.replicas(n),
    "reset_ctx": lambda n: L.reset_ctx(n, "cpu"),
    "copy_params": lambda n: L.copy_params(n, L.lecture_mlp(ctx="cpu")[0]),
    "tied_gradients": lambda n: L.tied_gradients(n, nd.ones((2, 4))),
}


@pytest.mark.parametrize("helper", sorted(NO_VALUES))
def test_no_values_yet_is_one_runtime_error_everywhere(helper):
    with pytest.raises(RuntimeError, match=r"parameter 'dense0_weight' .*is deferred, shape "
                                           r"\(3, \?\): it has no values yet .*run one forward"):
        NO_VALUES[helper](_deferred())


def test_a_parameter_with_select_behaves_one_way():
    net, _ = mlp()
    w = net[0].weight
    assert list(L.select(w, ".*weight")) == ["dense0_weight"]
    assert [r.name for r in L.summary(w, ".*weight").rows] == ["dense0_weight"]
    assert L.reinitialize(w, init.One(), select=".*weight") == ["dense0_weight"]
    for call in (lambda: L.select(w, ".*bias"), lambda: L.summary(w, ".*bias"),
                 lambda: L.hist(w, ".*bias"), lambda: L.reinitialize(w, select=".*bias")):
        with pytest.raises(ValueError, match=r"pattern '\.\*bias' matches no parameter"):
            call()


def test_reset_ctx_writes_back_what_gluons_averaging_overflows():
    """Gluon's reset_ctx averages the copies: (65504 + 65504) / 2 is inf in float16."""
    with L.fresh_names():
        net = nn.Dense(2, in_units=2)
    net.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    net.cast("float16")
    for d in net.weight.list_data():
        d[0, 0] = 65504
    t = L.reset_ctx(net, "cpu:0")
    assert net.weight.data().asnumpy()[0, 0] == 65504 and all(r.unchanged for r in t)
    assert "which changed dense0_weight (weight)" in str(t)


def test_reset_ctx_refuses_a_row_sparse_parameter_before_moving_anything():
    pd = gluon.ParameterDict()
    pd.get("a_weight", shape=(2, 2)).initialize(ctx=mx.cpu(0))
    pd.get("rs_weight", shape=(4, 3), stype="row_sparse").initialize(ctx=mx.cpu(0))
    before = checksum(pd)
    with pytest.raises(ValueError, match=r"'rs_weight' \(rs_weight\) is row_sparse: Gluon's "
                                         r"reset_ctx gathers its copies through its Trainer"):
        L.reset_ctx(pd, "cpu:1")
    assert checksum(pd) == before
