"""The initialization steps of the tour reproduce the 2019 lecture's rows where they can."""
import subprocess
import sys

import numpy as np
import pytest
from reference import first_printed_row, lecture_row

from l10_params import check_init, replicas
from l10_params.tour import Tour, all_steps
from l10_params.tour.initialize import STEPS

KEYS = [s.key for s in all_steps()]


def run_until(key, ctx="cpu"):
    """A tour run up to and including step ``key``; returns (tour, outputs by key)."""
    t = Tour(ctx=ctx)
    out = t.run(stop=KEYS.index(key) + 1)
    return t, dict(zip(KEYS, out))


@pytest.fixture(scope="module")
def after_xavier():
    return run_until("per-layer")


@pytest.fixture(scope="module")
def after_myinit():
    return run_until("myinit")


def test_steps_follow_the_access_steps_in_lecture_order():
    keys = [s.key for s in STEPS]
    assert keys == ["init-no-force", "normal", "constant", "per-layer", "from-other-net", "myinit"]
    assert KEYS[KEYS.index("empty-selection") + 1] == "init-no-force"
    for s in STEPS:
        assert s.en and any("\u4e00" <= ch <= "\u9fff" for ch in s.zh)


def test_without_force_reinit_warns_and_changes_nothing(after_myinit):
    out = after_myinit[1]["init-no-force"]
    assert "4 warnings, the first: Parameter 'dense0_weight' is already initialized" in out
    assert "values unchanged: True" in out
    assert "skipped with a warning: already initialized" in out


def test_normal_row_differs_from_2019_and_the_text_says_why():
    t, out = run_until("normal")
    w = t.ns["net"][0].weight
    assert not np.allclose(w.data()[0].asnumpy(), lecture_row("normal_row0"), atol=1e-3)
    assert check_init(w, "normal").passed  # Normal(0.01), the same distribution
    step = STEPS[1]
    assert "sampler" in step.en and "采样器" in step.zh
    assert out["normal"].startswith("PASS dense0_weight ~ Normal(sigma=0.01)")


def test_constant_leaves_biases_at_zero():
    t, out = run_until("constant")
    net = t.ns["net"]
    assert (net[0].weight.data() == 1).asnumpy().all()
    assert (net[0].bias.data() == 0).asnumpy().all() and (net[1].bias.data() == 0).asnumpy().all()
    assert "its own initializer 'zeros' (Parameter.init) wins" in out["constant"]
    assert out["constant"].index("What net.initialize(") < out["constant"].index("[1. 1. 1.")
    row = first_printed_row(out["constant"].split("<NDArray")[-2], "\n[")
    assert row.shape == (20,) and (row == 1).all(), "the lecture's full first row of ones"


def test_myinit_is_defined_in_the_step_as_the_lecture_does():
    step = next(s for s in STEPS if s.key == "myinit")
    assert "class MyInit(init.Initializer):" in step.code and "def _init_weight" in step.code


def test_xavier_row_and_constant_42_match_lecture(after_xavier):
    t, out = after_xavier
    net = t.ns["net"]
    np.testing.assert_allclose(net[0].weight.data()[0].asnumpy(), lecture_row("xavier_row0"), atol=3e-7)
    assert (net[1].weight.data() == 42).asnumpy().all()
    assert (net[1].bias.data() == 0).asnumpy().all()  # a layer is a Block: its bias keeps zeros
    assert out["per-layer"].lstrip().startswith("[42.]")
    assert "[ 0.00512482 -0.06579044 -0.10849719" in out["per-layer"]


def test_copy_from_another_net_is_not_a_tie(after_myinit):
    out = after_myinit[1]["from-other-net"]
    assert "copied: [0.5 0.5 0.5]" in out
    assert "tied:   [1. 1. 1.]" in out
    assert out.endswith("(True, False)")


def test_myinit_prints_and_matches_lecture(after_myinit):
    t, out = after_myinit
    net = t.ns["net"]
    assert out["myinit"].startswith("Init dense0_weight (256, 20)\nInit dense1_weight (10, 256)\n")
    np.testing.assert_allclose(net[0].weight.data()[0].asnumpy(), lecture_row("myinit_row0"), atol=3e-7)
    assert (net[0].bias.data() == 0).asnumpy().all()


def test_two_devices_same_rows_identical_copies():
    t, _ = run_until("myinit", ctx="cpu:0,cpu:1")
    net = t.ns["net"]
    assert net[0].weight.list_ctx() == net[1].bias.list_ctx() and len(net[0].weight.list_ctx()) == 2
    np.testing.assert_allclose(net[0].weight.data()[0].asnumpy(), lecture_row("myinit_row0"), atol=3e-7)
    assert all(r.identical for r in replicas(net))


def test_fresh_process_prints_xavier_and_myinit_rows():
    out = subprocess.run([sys.executable, "-m", "l10_params", "tour", "--ctx", "cpu",
                          "--from", "per-layer"],
                         capture_output=True, text=True, check=True).stdout
    assert f"(steps 1 to {KEYS.index('per-layer')} ran first, without output" in out
    assert "[ 0.00512482 -0.06579044 -0.10849719" in out
    assert "Init dense0_weight (256, 20)\nInit dense1_weight (10, 256)" in out
    assert "[-5.3659673  7.5773945  8.986376" in out
