"""summary(): golden text tables, HTML, tied counted once, unknown dims, every state."""
import mxnet as mx
import numpy as np
import pytest

from l10_params import set_attr, summary


def test_lecture_mlp_golden(mlp, golden):
    net, _ = mlp
    golden("summary_mlp", str(summary(net)))


def test_stats_golden_and_values(mlp, golden):
    net, _ = mlp
    s = summary(net, stats=True)
    golden("summary_mlp_stats", str(s))
    w = net[0].weight.data().asnumpy().astype(np.float64)
    row = s.rows[0]
    assert row.mean == pytest.approx(w.mean(), rel=1e-5)
    assert row.std == pytest.approx(w.std(), rel=1e-5)
    assert (row.min, row.max) == (pytest.approx(w.min()), pytest.approx(w.max()))
    assert s.rows[1].zeros == 1.0  # a fresh bias is all zeros


def test_tied_counted_once(tied, golden):
    net, _ = tied
    s = summary(net)
    golden("summary_tied", str(s))
    shared = [r for r in s.rows if r.tied_to]
    assert [(r.paths, r.tied_to) for r in shared] == [
        (("1.weight", "2.weight"), ("2.weight",)), (("1.bias", "2.bias"), ("2.bias",))]
    # values counted once: 20*8+8 + 8*8+8 (shared) + 8*10+10
    assert s.total == sum(p.data().size for p in net.collect_params().values()) == 330


def test_uninitialized_net_has_rows_and_question_marks(raw_net, golden):
    s = summary(raw_net)
    golden("summary_uninitialized", str(s))
    assert [r.state for r in s.rows] == ["uninitialized"] * 4
    assert s.rows[0].shape == "(4, ?)" and s.rows[0].size is None
    assert s.rows[0].contexts == ()
    assert s.total == 4 + 2  # only the biases have a known size
    assert "Not counted: 2 parameter(s) of unknown size" in str(s)


def test_deferred_net(deferred_net):
    s = summary(deferred_net, stats=True)
    assert [r.state for r in s.rows] == ["deferred", "initialized", "deferred", "initialized"]
    assert s.rows[0].mean is None and s.rows[1].mean == 0.0
    deferred_net(mx.nd.ones((1, 3)))
    assert [r.state for r in summary(deferred_net).rows] == ["initialized"] * 4
    assert summary(deferred_net).rows[0].shape == "(4, 3)"


def test_select_keeps_paths_and_trainable(mlp):
    net, _ = mlp
    set_attr(net, "dense0.*", grad_req="null")
    s = summary(net, ".*weight")
    assert [(r.path, r.name) for r in s.rows] == [("0.weight", "dense0_weight"),
                                                  ("1.weight", "dense1_weight")]
    assert (s.total, s.trainable) == (5120 + 2560, 2560)
    assert "grad_req" in str(s) and "null" in str(s)


def test_html_and_dicts(mlp):
    net, _ = mlp
    s = summary(net)
    html = s._repr_html_()
    assert html.count("<tr>") == 1 + 4 and "<td>(256, 20)</td>" in html
    d = s.to_dicts()[0]
    assert d["name"] == "dense0_weight" and d["size"] == 5120 and d["contexts"] == ("cpu(0)",)


def test_several_contexts_listed(mlp2):
    net, _ = mlp2
    assert summary(net).rows[0].contexts == ("cpu(0)", "cpu(1)")


def test_dtype_and_multipliers_shown(mlp):
    net, _ = mlp
    net.cast("float16")
    set_attr(net, ".*bias", wd_mult=0)
    text = str(summary(net))
    assert "float16" in text and "wd_mult" in text


def test_parameter_and_parameterdict_targets(mlp):
    net, _ = mlp
    assert summary(net[0].weight).total == 5120
    assert [r.name for r in summary(net.collect_params()).rows] == list(net.collect_params())


def test_bad_target():
    with pytest.raises(TypeError, match="net must be a gluon.Block"):
        summary(np.zeros(3))


def test_bad_select(mlp):
    net, _ = mlp
    with pytest.raises(ValueError, match="use '.\\*weight'"):
        summary(net, "weight")
