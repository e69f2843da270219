"""The lecture's nets, batch and MyInit, against the 2019 reference rows."""

import mxnet as mx
import numpy as np
from mxnet.gluon import nn
from reference import lecture_row

from l10_params import MyInit, fresh_names, lecture_mlp, lecture_tied_mlp


def test_lecture_mlp_numbers_and_names():
    net, X = lecture_mlp(ctx="cpu", seed=0)
    assert X.shape == (2, 20)
    assert list(net.collect_params()) == ["dense0_weight", "dense0_bias",
                                          "dense1_weight", "dense1_bias"]
    np.testing.assert_allclose(net(X)[0].asnumpy(), lecture_row("forward_row0"), atol=3e-7)
    np.testing.assert_allclose(net[0].weight.data()[0, :3].asnumpy(),
                               lecture_row("dense0_weight_row0_head"), atol=3e-7)


def test_default_seed_is_seed_zero():
    """MXNet's default seed gives the stream of mx.random.seed(0): checked in a new process."""
    import subprocess
    import sys

    code = ("from l10_params import lecture_mlp; net, X = lecture_mlp(ctx='cpu'); "
            "print(float(net[0].weight.data()[0, 0].asscalar()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    assert float(out) == float(net[0].weight.data()[0, 0].asscalar())


def test_same_on_two_devices(two_cpus):
    a, X = lecture_mlp(ctx="cpu", seed=0)
    b, Y = lecture_mlp(ctx=two_cpus, seed=0)
    assert b[0].weight.list_ctx() == two_cpus and Y.context == mx.cpu(0)
    for d in b[0].weight.list_data():
        np.testing.assert_array_equal(d.asnumpy(), a[0].weight.data().asnumpy())


def test_tied_mlp_shares_objects():
    net, X = lecture_tied_mlp(ctx="cpu", seed=0)
    assert net[1].weight is net[2].weight and net[1].bias is net[2].bias
    assert net[0].weight is not net[1].weight
    assert net(X).shape == (2, 10)


def test_fresh_names_restart():
    with fresh_names():
        first = [nn.Dense(2).name for _ in range(2)]
    with fresh_names():
        second = [nn.Dense(2).name for _ in range(2)]
    assert first == second == ["dense0", "dense1"]


def test_myinit_rule_and_print(capsys):
    with fresh_names():
        layer = nn.Dense(64, in_units=32)
    mx.random.seed(1)
    layer.initialize(MyInit())
    assert capsys.readouterr().out == "Init dense0_weight (64, 32)\n"
    w = np.abs(layer.weight.data().asnumpy())
    assert np.all((w == 0) | ((w >= 5) & (w < 10)))
    assert 0.3 < np.mean(w == 0) < 0.7  # about half of U(-10, 10) has |w| < 5
    assert np.all(layer.bias.data().asnumpy() == 0)  # the bias keeps its own 'zeros'


def test_myinit_quiet(capsys):
    with fresh_names():
        layer = nn.Dense(3, in_units=4)
    layer.initialize(MyInit(verbose=False))
    assert capsys.readouterr().out == ""
