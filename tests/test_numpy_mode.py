"""The whole public API in both array interfaces: legacy ``nd`` and NumPy mode (``npx.set_np()``).

The ``mode`` fixture (conftest.py) runs each test twice and always switches NumPy mode off
again. Each test builds its nets after the mode is set, as a student's notebook would.
"""
from __future__ import annotations

import io

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, init, nd, npx
from mxnet.gluon import nn

import l10_params.testing as T
from l10_params import (
    check_init,
    copy_params,
    diff,
    explain_init,
    fresh_names,
    hist,
    initialize_by_pattern,
    lecture_mlp,
    lecture_tied_mlp,
    reinitialize,
    replicas,
    reset_ctx,
    select,
    set_value,
    snapshot,
    summary,
    tied_gradients,
    tied_groups,
)
from l10_params.cli import main as cli_main


def kind():
    """The array type of the interface in force."""
    return mx.np.ndarray if npx.is_np_array() else nd.NDArray


def values(net):
    return {k: p.data().asnumpy().copy() for k, p in net.collect_params().items()}


def same(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_mode_fixture_resets(mode):
    assert npx.is_np_array() == (mode == "np")


def test_lecture_nets_give_arrays_of_the_mode(mode):
    net, X = lecture_mlp(ctx="cpu", seed=0)
    assert type(X) is kind() and type(net(X)) is kind()
    assert type(net[0].weight.data()) is kind()
    # the batch is drawn with the legacy sampler in both modes: the lecture's numbers
    np.testing.assert_allclose(X.asnumpy()[0, :3], [0.5488135, 0.5928446, 0.71518934], atol=1e-6)
    tied, Xt = lecture_tied_mlp(ctx="cpu", seed=0)
    assert tied[1].weight is tied[2].weight and tied(Xt).shape == (2, 10)


def test_summary_and_select(mode):
    net, X = lecture_mlp(ctx="cpu", seed=0)
    s = summary(net, stats=True)
    row = next(r for r in s.rows if r.name == "dense0_weight")
    w = net[0].weight.data().asnumpy()
    assert s.total == 7946 and row.shape == "(256, 20)"
    assert row.mean == pytest.approx(float(w.mean()), abs=1e-6)
    assert list(select(net, ".*bias")) == ["dense0_bias", "dense1_bias"]
    assert list(select(net, "1.*", by="path")) == ["dense1_weight", "dense1_bias"]
    with pytest.raises(ValueError, match="use '.*weight'"):
        select(net, "weight")


@pytest.mark.parametrize("value", ["number", "nd", "np", "numpy", "function"])
def test_set_value_every_kind_of_value(mode, value):
    net, X = lecture_mlp(ctx=[mx.cpu(0), mx.cpu(1)], seed=0)
    given = {"number": 0.5, "nd": nd.full((256,), 0.5), "np": mx.np.full((256,), 0.5),
             "numpy": np.full((256,), 0.5), "function": lambda old: old * 0 + 0.5}[value]
    p = set_value(net[0].bias, given)
    assert all(type(d) is kind() for d in p.list_data())
    assert all((d.asnumpy() == 0.5).all() for d in p.list_data())
    assert net(X).shape == (2, 10)


def test_set_value_refused_changes_nothing(mode):
    net, X = lecture_mlp(ctx="cpu", seed=0)
    before = values(net)
    with pytest.raises(ValueError, match=r"shape \(20, 256\) but the parameter has shape"):
        set_value(net[0].weight, mx.np.ones((20, 256)))
    with autograd.record():
        with pytest.raises(RuntimeError, match="inside autograd.record"):
            set_value(net[0].weight, 1.0)
    assert same(before, values(net)) and net(X).shape == (2, 10)


@pytest.mark.parametrize("make", [
    lambda: init.Constant(1), lambda: init.Normal(0.01), lambda: init.Xavier(),
    lambda: init.Uniform(0.3), lambda: init.One(),
])
def test_reinitialize_every_initializer_and_the_net_still_runs(mode, make):
    net, X = lecture_mlp(ctx="cpu", seed=0)
    names = reinitialize(net, make(), select=".*weight")
    assert names == ["dense0_weight", "dense1_weight"]
    assert type(net[0].weight.data()) is kind()
    assert check_init(net[0].weight, make()).passed
    assert net(X).shape == (2, 10)


def test_constant_one_keeps_the_net_whole_in_numpy_mode(mode):
    """reinitialize(net, init.Constant(1)) used to raise in NumPy mode and destroy dense0."""
    net, X = lecture_mlp(ctx="cpu", seed=0)
    reinitialize(net, init.Constant(1))
    assert (net[0].weight.data().asnumpy() == 1).all() and (net[0].bias.data().asnumpy() == 0).all()
    assert net(X).shape == (2, 10)


class Broken(init.Initializer):
    def _init_weight(self, name, data):
        raise RuntimeError("this initializer is broken")


def test_failed_initialization_changes_nothing(mode):
    net, X = lecture_mlp(ctx="cpu", seed=0)
    before = values(net)
    with pytest.raises(ValueError, match=r"Broken\(\) failed on 'dense0_weight'.*nothing was"):
        reinitialize(net, Broken())
    with pytest.raises(ValueError, match=r"Xavier.*at least 2 dimensions.*'dense0_bias'"):
        initialize_by_pattern(net, [(".*", init.Xavier())])
    assert same(before, values(net)) and net(X).shape == (2, 10)


def test_initialize_by_pattern_on_a_deferred_net(mode):
    with fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    used = initialize_by_pattern(net, [(".*weight", init.Xavier())], default=init.One())
    assert list(used) == ["dense0_weight", "dense0_bias", "dense1_weight", "dense1_bias"]
    X = mx.np.ones((3, 5)) if npx.is_np_array() else nd.ones((3, 5))
    net(X)
    assert check_init(net[0].weight, init.Xavier()).verdict != "fail"  # 20 values: no PASS yet
    assert (net[1].bias.data().asnumpy() == 1).all()
    assert "Xavier" in str(explain_init(net, init.Xavier()))


def test_snapshot_diff_copy_params(mode):
    net, X = lecture_mlp(ctx="cpu", seed=0)
    other, _ = lecture_mlp(ctx="cpu", seed=1)
    before = snapshot(other)
    pairs = copy_params(net, other)
    assert len(pairs) == 4 and type(other[0].weight.data()) is kind()
    assert np.array_equal(net(X).asnumpy(), other(X).asnumpy())
    rows = {r.name: r for r in diff(before, other)}
    assert rows["dense0_weight"].changed == 256 * 20


def test_replicas_and_reset_ctx(mode):
    net, X = lecture_mlp(ctx="cpu", seed=0)
    reset_ctx(net, "cpu:0,cpu:1")
    assert net[0].weight.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    assert all(r.identical for r in replicas(net))
    out = net(X.as_in_context(mx.cpu(1)))
    assert type(out) is kind() and out.context == mx.cpu(1)


def test_hist(mode):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    ax = hist(net, ".*weight")
    assert len(ax.patches) > 0


def test_sharing(mode):
    net, X = lecture_tied_mlp(ctx="cpu", seed=0)
    assert tied_groups(net, X) == [["1.weight", "2.weight"], ["1.bias", "2.bias"]]
    rows = list(tied_gradients(net, X))
    assert len(rows) == 2 and all(r.agree for r in rows)
    assert tied_groups(net, X.asnumpy()) == tied_groups(net)  # NumPy values are accepted


def test_testing_helpers(mode):
    net, X = lecture_tied_mlp(ctx="cpu", seed=0)
    T.assert_tied(net[1], net[2])
    T.assert_not_tied(net[0], net[1])
    T.assert_initialized(net)
    T.assert_init_matches(net, "zeros", select=".*bias")
    T.assert_params_equal(net, net)
    T.assert_selects(net, ".*bias", ["dense1_bias", "dense0_bias", "dense3_bias"])
    T.assert_param_at(net, "2.weight", net[1].weight)
    T.assert_grad_is_sum(net, X)
    with pytest.raises(AssertionError, match="not tied|are not"):
        T.assert_tied(net[0], net[3])


def test_tour_and_cli_run_the_legacy_code_and_restore_the_mode(mode, capsys):
    from l10_params import tour

    out = io.StringIO()
    tour.main(ctx="cpu", stop=3, out=out)
    text = out.getvalue()
    assert "dense0_weight" in text
    assert ("switches it off while it runs" in text) == (mode == "np")
    assert npx.is_np_array() == (mode == "np")
    assert cli_main(["tour", "--ctx", "cpu", "--step", "2"]) == 0
    assert "dense0_weight" in capsys.readouterr().out
    assert npx.is_np_array() == (mode == "np")


def test_cli_summary_model_zoo_and_params_file(mode, tmp_path, capsys):
    assert cli_main(["summary", "squeezenet1.1", "--select", ".*conv0.*"]) == 0
    assert "(64, 3, 3, 3)" in capsys.readouterr().out
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    path = tmp_path / "mlp.params"
    net.save_parameters(str(path))
    assert cli_main(["summary", str(path), "--stats"]) == 0
    assert "Total: 7,946 values" in capsys.readouterr().out


def test_deferred_shapes_of_numpy_mode(mode):
    """NumPy mode writes an unknown input size as -1 (legacy: 0): shown as '?', and a full
    array fits it."""
    with fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(4), nn.Dense(2))
    net.initialize()
    assert "(4, ?)" in str(summary(net))
    arr = mx.np.ones((4, 3)) if npx.is_np_array() else nd.ones((4, 3))
    set_value(net[0].weight, arr)
    net(arr[:2])
    assert (net[0].weight.data().asnumpy() == 1).all()


def test_tied_gradients_after_a_trainer_step(mode):
    """A Trainer holds C handles (its KVStore): the private copy must leave it with the net."""
    from mxnet import gluon

    net, X = lecture_tied_mlp(ctx="cpu", seed=0)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with autograd.record():
        y = net(X).sum()
    y.backward()
    trainer.step(2)
    before = values(net)
    assert all(r.agree for r in tied_gradients(net, X))
    assert tied_groups(net, X) == [["1.weight", "2.weight"], ["1.bias", "2.bias"]]
    assert same(before, values(net))
    with autograd.record():  # the student's trainer still works
        y = net(X).sum()
    y.backward()
    trainer.step(2)
    assert not same(before, values(net))
