"""The edit-and-tie steps of the tour: the 2019 edited row, set_value, and the tied net."""
import mxnet as mx
import numpy as np
import pytest
from reference import lecture_row

from l10_params import is_tied, tied_gradients
from l10_params.tour import Tour, all_steps
from l10_params.tour.edit import STEPS

KEYS = [s.key for s in all_steps()]


@pytest.fixture(scope="module", params=["cpu", "cpu:0,cpu:1"])
def tour(request):
    t = Tour(ctx=request.param)
    return t, dict(zip(KEYS, t.run()))


def test_steps_come_last_and_speak_both_languages():
    keys = [s.key for s in STEPS]
    assert KEYS[-len(keys):] == keys
    assert keys[:2] == ["edit-snapshot", "edit"] and "tie-build" in keys
    for s in STEPS:
        assert s.en and any("\u4e00" <= ch <= "\u9fff" for ch in s.zh)


@pytest.mark.parametrize("ctx", ["cpu", "cpu:0,cpu:1"])
def test_edited_row_matches_2019(ctx):
    t = Tour(ctx=ctx)
    out = t.run(stop=KEYS.index("edit") + 1)
    got = t.ns["net"][0].weight.data(mx.cpu(0))[0].asnumpy()
    np.testing.assert_allclose(got, lecture_row("edited_row0"), atol=3e-7)
    printed = np.array(out[-1].replace("[", " ").replace("]", " ").split("<")[0].split(),
                       dtype=np.float32)
    np.testing.assert_allclose(printed[:4], lecture_row("edited_row0")[:4], atol=1e-6)


def test_diff_and_set_value_steps(tour):
    t, out = tour
    two = len(t.ctx) == 2
    # the in-place edit wrote only the current device's copy, set_value wrote every copy
    assert "5,120  5,120    47.37  cpu(0)\n" in out["edit-diff"]
    assert ("cpu(0), cpu(1)" in out["set-value"]) == two
    assert out["set-value-shape"].startswith(
        "ValueError: set_value(dense0_weight): the value has shape (20, 256) but the "
        "parameter has shape (256, 20)")
    assert out["set-value-record"].startswith("RuntimeError: set_value(dense0_weight) was "
                                              "called inside autograd.record()")


def test_tied_steps(tour):
    t, out = tour
    ones = "[1. 1. 1. 1. 1. 1. 1. 1.]"
    assert out["tie-same"].count(ones) == 2
    assert out["tie-is-tied"] == "(True, False)"
    assert out["tie-groups"] == "[['1.weight', '2.weight'], ['1.bias', '2.bias']]"
    net = t.ns["net"]
    assert len(eval(out["tie-collect"])) == 6 == len(list(net.collect_params()))
    assert "tied gradient = sum over the uses" in out["tie-grad"]
    assert out["tie-grad"].count("  yes") == 2 * len(t.ctx)
    assert out["tie-vs-copy"].splitlines()[1:] == ["tied:   True True", "copied: False False"]
    assert out["tie-shape"].startswith("ValueError: cannot tie a new Dense(16) to layer")
    assert is_tied(net[1], net[2]) and not is_tied(net[1], t.ns["copied"])
    assert all(r.agree for r in tied_gradients(net, t.ns["x"]))
    assert net[1].weight.data()[0, 0].asscalar() == 200  # 100, then doubled by set_value


def test_several_devices_explain_why_the_tied_gradients_differ(tour):
    """The 100 of tie-same was written by hand into the current device's copy only: on two
    devices the copies differ when tie-grad runs, their gradients too, and the text says so."""
    t, out = tour
    text = t.explain("tie-grad")
    if len(t.ctx) == 1:
        assert "differ" not in text
        return
    then = Tour(ctx="cpu:0,cpu:1")
    then.run(stop="tie-grad")
    w = then.ns["net"][1].weight
    assert w.data(mx.cpu(0))[0, 0].asscalar() == 100 != w.data(mx.cpu(1))[0, 0].asscalar()
    rows = [ln for ln in out["tie-grad"].splitlines() if ln.startswith(w.name)]
    assert len({ln.split()[4] for ln in rows[:2]}) == 2, "the two devices' gradients differ"
    assert "The rows of cpu(1) differ from those of cpu(0): the 100 written into net[1] by " \
           "hand went to the copy on cpu(0) only." in text
