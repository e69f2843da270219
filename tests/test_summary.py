"""summary(): the table, its goldens, its rows; and summary(stats=True) against a float64
NumPy reference on every path of the statistics: a small array, one block, several blocks,
the float64 retry and the shifted retry."""

import math

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from l10_params import set_attr, summary
from l10_params.summary import _CHUNK, _SMALL


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
    text = s.to_text(200)  # one block: a row ends with its two gradient cells
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


SIZES = {"small": 7, "one block": _SMALL + 5, "blocks": 2 * _CHUNK + 1000}


def _values(kind: str, n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    later = n - 3  # a position in the last block (the first block decides the shift)
    if kind == "weights":  # on both sides of 0, mean near 0 next to its spread
        return rng.normal(0, 0.01, n)
    if kind == "positive, a zero later":  # shifted by a[0]; the zero sits in a later block
        x = 1 + 0.001 * rng.standard_normal(n)
        x[later] = 0
        return x
    if kind == "constant":
        return np.full(n, 0.7)
    if kind == "tiny, with zeros":  # float32 squares underflow to 0: zeros counted exactly
        x = 1e-30 * rng.standard_normal(n)
        x[::5] = 0
        return x
    if kind == "tiny, no zero":
        return 1e-30 * np.where(rng.random(n) < 0.5, -1, 1) * (1 + rng.random(n))
    if kind == "negative zeros":
        x = rng.normal(0, 1, n)
        x[1::4] = -0.0
        return x
    if kind == "NaN later":
        x = rng.normal(0, 1, n)
        x[later] = np.nan
        return x
    if kind == "inf later":
        x = rng.normal(0, 1, n)
        x[later] = np.inf
        return x
    if kind == "huge":  # float32 sums overflow: the float64 retry
        return np.where(rng.random(n) < 0.5, -3e38, 3e38) * rng.random(n)
    raise AssertionError(kind)


def _param(values: np.ndarray, dtype: str) -> gluon.Parameter:
    p = gluon.Parameter("p", shape=values.shape, dtype=dtype, init=mx.init.Zero())
    p.initialize(ctx=mx.cpu())
    p.set_data(mx.nd.array(values, dtype=dtype))
    return p


def _check(row, x: np.ndarray) -> None:
    """``row`` against float64 statistics of ``x`` (the values as the parameter holds them)."""
    ref = x.astype(np.float64)
    with np.errstate(all="ignore"):
        mean, std = ref.mean(), ref.std()
    assert row.min == ref.min() or (math.isnan(row.min) and math.isnan(ref.min()))
    assert row.max == ref.max() or (math.isnan(row.max) and math.isnan(ref.max()))
    assert row.zeros == np.count_nonzero(ref == 0) / ref.size
    if not np.isfinite(ref).all():
        assert math.isnan(row.mean) == math.isnan(mean) and math.isnan(row.std) == math.isnan(std)
        if not math.isnan(mean):
            assert row.mean == mean
        return
    scale = np.abs(ref).mean()  # what float32 rounding of a sum is relative to
    assert abs(row.mean - mean) <= 1e-6 * scale, (row.mean, mean)
    assert row.std == pytest.approx(std, rel=1e-6, abs=1e-300)


KINDS = ["weights", "positive, a zero later", "constant", "tiny, with zeros", "tiny, no zero",
         "negative zeros", "NaN later", "inf later", "huge"]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("kind", KINDS)
def test_float32_stats_match_float64_numpy(kind, size):
    p = _param(_values(kind, SIZES[size]), "float32")
    row = summary(p, stats=True).rows[0]
    _check(row, p.data().asnumpy())
    if kind == "constant":
        assert row.std == 0.0 and row.mean == np.float32(0.7)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", ["float16", "float64", "int32"])
def test_other_dtypes_match_float64_numpy(dtype, size):
    x = _values("weights", SIZES[size]) * (1000 if dtype == "int32" else 1)
    p = _param(x, dtype)
    _check(summary(p, stats=True).rows[0], p.data().asnumpy())


def test_stats_read_the_same_values_in_numpy_mode(mode):
    x = _values("positive, a zero later", SIZES["blocks"])
    p = gluon.Parameter("p", shape=x.shape)
    p.initialize(ctx=mx.cpu())
    p.set_data(mx.np.array(x, dtype="float32") if mode == "np" else mx.nd.array(x))
    _check(summary(p, stats=True).rows[0], p.data().asnumpy())
