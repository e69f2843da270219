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
    assert html.count("<tr>") == 1 + 4
    # text left-aligned, numbers right-aligned (Jupyter right-aligns every cell by default)
    assert '<td style="text-align:left;white-space:nowrap">(256, 20)</td>' in html
    assert '<td style="text-align:right;white-space:nowrap">5,120</td>' in html
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


def _backward(net, X):
    from mxnet import autograd

    with autograd.record():
        out = net(X).sum()
    out.backward()


def test_grads_before_backward_are_dashes(mode):
    from l10_params import lecture_mlp

    net, X = lecture_mlp(ctx="cpu", seed=0)
    s = summary(net, grads=True)
    assert [(r.grad_norm, r.grad_mean_abs) for r in s.rows] == [(None, None)] * 4
    text = str(s)
    assert "|grad|" in text and "mean |grad|" in text
    assert text.splitlines()[3].split()[-2:] == ["-", "-"]
    assert "no backward has written it" in text
    assert "|grad|" not in str(summary(net))  # only with grads=True
    net(X)  # the net still runs afterwards


def test_grads_after_backward_match_numpy(mode):
    from l10_params import lecture_mlp

    net, X = lecture_mlp(ctx="cpu", seed=0)
    _backward(net, X)
    s = summary(net, grads=True)
    for row, p in zip(s.rows, net.collect_params().values()):
        g = p.grad().asnumpy().astype(np.float64)
        assert row.grad_norm == pytest.approx(np.linalg.norm(g), rel=1e-6)
        assert row.grad_mean_abs == pytest.approx(np.abs(g).mean(), rel=1e-6)
    assert s.rows[0].grad_norm > 0
    assert "no backward" not in str(s)


def test_grads_null_req_and_written_zeros(mode):
    from l10_params import freeze, lecture_mlp

    net, X = lecture_mlp(ctx="cpu", seed=0)
    freeze(net, ".*bias")
    net[1].weight.set_data(net[1].weight.data() * 0)  # zero weights: zero gradient below
    _backward(net, X)
    rows = summary(net, grads=True).rows
    assert rows[1].grad_norm is None and rows[3].grad_norm is None  # grad_req 'null'
    assert rows[0].grad_norm == 0.0  # a backward wrote zeros: shown as 0, not '-'
    assert rows[2].grad_norm > 0


def test_grads_after_trainer_step_keep_numbers(mode):
    from mxnet import gluon

    from l10_params import lecture_mlp

    net, X = lecture_mlp(ctx="cpu", seed=0)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    _backward(net, X)
    trainer.step(2)
    assert summary(net, grads=True).rows[2].grad_norm > 0  # the gradient the step used


def test_grads_uninitialized_and_deferred(raw_net):
    assert [r.grad_norm for r in summary(raw_net, grads=True).rows] == [None] * 4
    raw_net.initialize()
    assert [r.grad_norm for r in summary(raw_net, grads=True, stats=True).rows] == [None] * 4


def test_stats_of_a_constant_and_of_integers():
    from mxnet import gluon, init

    p = gluon.Parameter("gamma", shape=(70000,), init=init.Constant(1.0))
    p.initialize()
    row = summary(p, stats=True).rows[0]
    assert (row.mean, row.std, row.min, row.max, row.zeros) == (1.0, 0.0, 1.0, 1.0, 0.0)
    q = gluon.Parameter("counts", shape=(3,), dtype="int32", init=init.Constant(2))
    q.initialize()
    q.set_data(mx.nd.array([0, 2, 7], dtype="int32"))
    r = summary(q, stats=True).rows[0]
    assert (r.mean, r.min, r.max, r.zeros) == (3.0, 0.0, 7.0, pytest.approx(1 / 3))
    assert r.std == pytest.approx(np.std([0, 2, 7]))
