"""Seeded tiny nets, built under fresh_names() so that their names never depend on test order."""
from __future__ import annotations

import os
import pathlib

import mxnet as mx
import pytest
from mxnet.gluon import nn

from l10_params import fresh_names, lecture_mlp, lecture_tied_mlp

GOLDEN = pathlib.Path(__file__).parent / "golden"


def pytest_configure(config):
    """Tables fit $COLUMNS (else the terminal, else 80 columns): golden files and doctests
    are written at 80, so a width exported by the shell that runs the suite must not reach
    them. (Loaded at start-up, this also covers the doctests of l10_params/.)"""
    os.environ.pop("COLUMNS", None)
TWO_CPUS = [mx.cpu(0), mx.cpu(1)]


@pytest.fixture(params=["nd", "np"])
def mode(request):
    """Run a test twice: legacy ``nd`` arrays, then NumPy mode (``npx.set_np()``), which is
    always switched off again afterwards. Ask for it first, before fixtures that build nets."""
    from mxnet import npx

    if request.param == "np":
        npx.set_np()
    try:
        yield request.param
    finally:
        npx.reset_np()


@pytest.fixture
def mlp():
    """The lecture's MLP and batch from seed 0: (net, X), names dense0_*, dense1_*."""
    return lecture_mlp(ctx="cpu", seed=0)


@pytest.fixture
def mlp2():
    """The lecture's MLP initialized on two devices, cpu(0) and cpu(1)."""
    return lecture_mlp(ctx=TWO_CPUS, seed=0)


@pytest.fixture
def tied():
    """The lecture's tied net (layers 1 and 2 share parameters) and its batch."""
    return lecture_tied_mlp(ctx="cpu", seed=0)


@pytest.fixture
def two_cpus():
    return list(TWO_CPUS)


@pytest.fixture
def raw_net():
    """A net never initialized: Dense(4) -> Dense(2), input size unknown."""
    mx.random.seed(0)
    with fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    return net


@pytest.fixture
def deferred_net(raw_net):
    """The same net after initialize() but before any forward: every weight is deferred."""
    raw_net.initialize()
    return raw_net


def _kvstore_step(net, ctx):
    """One data-parallel SGD step on ``ctx`` with a 'device' KVStore; returns the per-device
    gradients of the first weight, taken before trainer.step reduces them."""
    from mxnet import autograd, gluon, nd

    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1},
                            kvstore="device")
    X, y = nd.random.uniform(shape=(4, 20)), nd.array([0, 1, 2, 3])
    xs, ys = gluon.utils.split_and_load(X, ctx), gluon.utils.split_and_load(y, ctx)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    with autograd.record():
        losses = [loss(net(a), b) for a, b in zip(xs, ys)]
    for lo in losses:
        lo.backward()
    grads = [g.asnumpy() for g in net[0].weight.list_grad()]
    trainer.step(4)
    return grads


@pytest.fixture
def kvstore_step():
    """``kvstore_step(net, ctx) -> [grad per device]``: one data-parallel step."""
    return _kvstore_step


@pytest.fixture
def golden(request):
    """Compare text with tests/golden/NAME.txt; L10_PARAMS_REGEN_GOLDEN=1 rewrites it on purpose."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / f"{name}.txt"
        if os.environ.get("L10_PARAMS_REGEN_GOLDEN") == "1":
            path.parent.mkdir(exist_ok=True)
            path.write_text(text + "\n", encoding="utf-8")
        assert path.exists(), f"{path} is missing; run with L10_PARAMS_REGEN_GOLDEN=1 once"
        assert text + "\n" == path.read_text(encoding="utf-8"), (
            f"text differs from {path}; if the change is intended, "
            "re-run with L10_PARAMS_REGEN_GOLDEN=1 and review the diff"
        )

    return check
