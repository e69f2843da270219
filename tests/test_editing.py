"""set_value, copy_params, snapshot and diff on real MXNet nets, one and two contexts."""
from __future__ import annotations

import contextlib

import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn

from l10_params import (
    copy_params,
    diff,
    fresh_names,
    lecture_mlp,
    lecture_tied_mlp,
    set_value,
    snapshot,
)
from l10_params.editing import Snapshot


def values(net):
    """Every context's copy of every parameter (independent of the code under test)."""
    out = {}
    for name, p in net.collect_params().items():
        out[name] = [d.asnumpy().copy() for d in p.list_data()] if p._data is not None else None
    return out


@contextlib.contextmanager
def unchanged(*nets):
    before = [values(n) for n in nets]
    shapes = [{k: p.shape for k, p in n.collect_params().items()} for n in nets]
    yield
    for net, old, shp in zip(nets, before, shapes):
        new = values(net)
        assert {k: p.shape for k, p in net.collect_params().items()} == shp
        for k in old:
            if old[k] is None:
                assert new[k] is None, k
            else:
                assert all(np.array_equal(a, b) for a, b in zip(old[k], new[k])), k


# ---- set_value ---------------------------------------------------------------------------

def test_set_value_scalar_array_ndarray_fn(mlp):
    net, X = mlp
    w = net[0].weight
    assert set_value(w, 0.5) is w
    assert (w.data().asnumpy() == 0.5).all()
    arr = np.arange(5120, dtype=np.float64).reshape(256, 20)
    set_value(w, arr)
    np.testing.assert_array_equal(w.data().asnumpy(), arr.astype(np.float32))
    arr[0, 0] = -1  # the parameter holds a copy
    assert w.data()[0, 0].asscalar() == 0
    set_value(w, nd.ones((256, 20)))
    assert w.data().sum().asscalar() == 5120
    set_value(w, lambda old: old * 3 + 1)
    assert (w.data().asnumpy() == 4).all()


def test_set_value_fn_gets_a_copy(mlp):
    net, _ = mlp
    w = net[0].weight
    before = w.data().asnumpy()

    def bad(old):
        old[:] = 7  # mutates its argument, then fails the shape check
        return old[0]

    with pytest.raises(ValueError, match="function's result has shape"):
        set_value(w, bad)
    np.testing.assert_array_equal(w.data().asnumpy(), before)


def test_set_value_writes_every_context(mlp2):
    net, X = mlp2
    w = net[0].weight
    w.data(mx.cpu(1))[:] = 9  # make the replicas differ first
    set_value(w, lambda old: old + 1)  # from the first context's copy
    c0, c1 = (d.asnumpy() for d in w.list_data())
    assert c0.shape == c1.shape == (256, 20)
    for i in range(256):
        for j in range(20):
            assert c0[i, j] == c1[i, j]
    set_value(w, np.full((256, 20), 2.0))
    assert all((d.asnumpy() == 2).all() for d in w.list_data())


def test_set_value_wrong_shape_our_message(mlp):
    net, _ = mlp
    w = net[0].weight
    with pytest.raises(AssertionError, match=r"Expected shape \(20, 256\)"):
        w.set_data(nd.ones((20, 256)))  # Gluon's message calls the given shape "expected"
    with unchanged(net):
        with pytest.raises(ValueError, match=r"value has shape \(20, 256\) but the parameter "
                           r"has shape \(256, 20\); pass an array of shape \(256, 20\)"):
            set_value(w, nd.ones((20, 256)))


@pytest.mark.parametrize("value, match", [
    (np.ones((256, 20), dtype=complex), "dtype complex128"),
    (np.ones((256, 20), dtype=bool), "dtype bool"),
    (np.full((256, 20), "a"), "dtype <U1"),
])
def test_set_value_wrong_dtype(mlp, value, match):
    net, _ = mlp
    with unchanged(net):
        with pytest.raises(ValueError, match=match + ".*real numbers"):
            set_value(net[0].weight, value)


def test_set_value_float_into_int_parameter():
    p = gluon.Parameter("counts", shape=(3,), dtype="int32")
    p.initialize(init.Zero())
    with pytest.raises(ValueError, match=r"1 entries with a fraction \(first 1.5 at index "
                                         r"\[0\]\), which the integer dtype int32 would cut off"):
        set_value(p, np.array([1.5, 2.0, 3.0]))
    assert (p.data().asnumpy() == 0).all()
    set_value(p, np.array([1, 2, 3]))
    assert p.data().asnumpy().tolist() == [1, 2, 3]
    set_value(p, np.array([4.0, 5.0, 6.0]))  # whole numbers as floats: stored exactly
    assert p.data().asnumpy().tolist() == [4, 5, 6]


def test_set_value_fn_nan_or_wrong_shape(mlp):
    net, _ = mlp
    w = net[0].weight
    with unchanged(net):
        with pytest.raises(ValueError, match=r"function's result has 1 entries that are NaN"):
            set_value(w, lambda old: nd.where(old == old.max(), old * np.nan, old))
        with pytest.raises(ValueError, match=r"function's result has shape \(20, 256\)"):
            set_value(w, lambda old: old.T)
        with pytest.raises(ValueError, match=r"5,120 entries too large for float32 \(first "
                                             r"1e\+300 at index \[0, 0\]\).*would become inf"):
            set_value(w, np.full((256, 20), 1e300))  # overflows float32


def test_set_value_never_initialized(raw_net):
    w = raw_net[0].weight
    with pytest.raises(RuntimeError, match="never initialized.*net.initialize"):
        set_value(w, np.ones((4, 3)))
    assert w.shape == (4, 0)  # Gluon's set_data would have set the shape before failing


def test_set_value_inside_record_refused(mlp):
    net, X = mlp
    with unchanged(net):
        with autograd.record():
            with pytest.raises(RuntimeError, match=r"inside autograd\.record\(\).*"
                               r"autograd\.pause\(\)"):
                set_value(net[0].weight, 0)
    with autograd.record():
        with autograd.pause():
            set_value(net[0].weight, 0)
    assert net[0].weight.data().abs().sum().asscalar() == 0


def test_set_value_not_a_parameter(mlp):
    net, _ = mlp
    with pytest.raises(TypeError, match=r"needs a gluon.Parameter, not Dense.*net\[0\].weight"):
        set_value(net[0], 1)
    with pytest.raises(TypeError, match="not list"):
        set_value(net[0].bias, [0.0] * 256)


def test_set_value_deferred(deferred_net):
    net = deferred_net
    w = net[0].weight
    with pytest.raises(RuntimeError, match=r"deferred, its shape \(4, \?\).*net\(X\)"):
        set_value(w, 1.0)
    with pytest.raises(RuntimeError, match="no old value"):
        set_value(w, lambda old: old)
    with pytest.raises(ValueError, match=r"shape \(5, 3\) but the parameter has shape \(4, \?\)"):
        set_value(w, np.ones((5, 3)))
    assert w.shape == (4, 0)
    set_value(w, np.full((4, 3), 2.0))  # Gluon keeps it until the first forward
    net(nd.ones((2, 3)))
    assert (w.data().asnumpy() == 2).all()


# ---- copy_params -------------------------------------------------------------------------

def test_copy_params_by_path_then_independent():
    a, X = lecture_mlp(ctx="cpu", seed=0)
    b, _ = lecture_mlp(ctx="cpu", seed=1)
    assert not np.array_equal(a[0].weight.data().asnumpy(), b[0].weight.data().asnumpy())
    pairs = copy_params(a, b)
    assert pairs == [(p, p) for p in ("0.weight", "0.bias", "1.weight", "1.bias")]
    np.testing.assert_array_equal(a(X).asnumpy(), b(X).asnumpy())
    assert a[0].weight is not b[0].weight
    with unchanged(a):
        set_value(b[0].weight, 0)
        b[1].bias.data()[:] = 3
    with unchanged(b):
        set_value(a[1].weight, 1)


def test_copy_params_select_and_mapping(mlp):
    net, X = mlp
    other, _ = lecture_mlp(ctx="cpu", seed=1)
    set_value(other[0].bias, 5)
    assert copy_params(net, other, select=".*weight") == [("0.weight", "0.weight"),
                                                          ("1.weight", "1.weight")]
    assert (other[0].bias.data().asnumpy() == 5).all()
    np.testing.assert_array_equal(other[1].weight.data().asnumpy(),
                                  net[1].weight.data().asnumpy())
    with fresh_names():
        layer = nn.Dense(256, in_units=20)
    layer.initialize(init.Zero())
    got = copy_params(net, layer, mapping={"0.weight": "weight", "dense0_bias": "dense0_bias"})
    assert got == [("0.weight", "weight"), ("0.bias", "bias")]
    np.testing.assert_array_equal(layer.weight.data().asnumpy(), net[0].weight.data().asnumpy())


def test_copy_params_different_architecture_lists_all(mlp):
    net, _ = mlp
    with fresh_names():
        other = nn.Sequential()
        other.add(nn.Dense(128, in_units=20), nn.Dense(10, in_units=128), nn.Dense(3, in_units=10))
    other.initialize(init.Constant(0.25))
    with unchanged(net, other):
        with pytest.raises(ValueError) as e:
            copy_params(net, other)
    msg = str(e.value)
    assert "5 mismatch(es), nothing was copied" in msg
    for line in ["0.weight: shape (256, 20) in src, (128, 20) in dst",
                 "0.bias: shape (256,) in src, (128,) in dst",
                 "1.weight: shape (10, 256) in src, (10, 128) in dst",
                 "2.weight: in dst but not in src", "2.bias: in dst but not in src"]:
        assert line in msg
    assert "1.bias" not in msg  # that pair fits, but was not copied either
    with pytest.raises(ValueError, match=r"(?s)0\.weight: shape.*2\.bias: in dst"):
        copy_params(net, other)


def test_copy_params_mapping_missing_name(mlp):
    net, _ = mlp
    other, _ = lecture_mlp(ctx="cpu", seed=1)
    with unchanged(other):
        with pytest.raises(KeyError, match=r"'0\.wieght'.*not a parameter of src.*close names: "
                           r"\['0\.weight'"):
            copy_params(net, other, mapping={"0.weight": "0.weight", "0.wieght": "0.bias"})
        with pytest.raises(KeyError, match=r"'dense9_bias'.*of dst.*close names"):
            copy_params(net, other, mapping={"0.bias": "dense9_bias"})


def test_copy_params_deferred_source(deferred_net):
    with fresh_names():
        dst = nn.Sequential()
        dst.add(nn.Dense(4, in_units=3), nn.Dense(2, in_units=4))
    dst.initialize(init.One())
    with unchanged(dst):
        with pytest.raises(RuntimeError, match=r"'dense0_weight' \(src 0\.weight\) is deferred, "
                           r"shape \(4, \?\): it has no values yet .*run one forward pass"):
            copy_params(deferred_net, dst)


def test_copy_params_mixed_contexts(mlp, two_cpus):
    net, X = mlp  # on cpu(0)
    dst, _ = lecture_mlp(ctx=two_cpus, seed=1)
    copy_params(net, dst)
    for name in ("weight", "bias"):
        for i in (0, 1):
            src = getattr(net[i], name).data().asnumpy()
            copies = [d.asnumpy() for d in getattr(dst[i], name).list_data()]
            assert [d.context for d in getattr(dst[i], name).list_data()] == two_cpus
            for c in copies:
                for idx in np.ndindex(src.shape):
                    assert c[idx] == src[idx]
    # and back: from two contexts into one (the first context's copy is read)
    copy_params(dst, net)


def test_copy_params_into_tied_net_needs_agreeing_values():
    untied, X = lecture_mlp(ctx="cpu", seed=0)
    tied, _ = lecture_tied_mlp(ctx="cpu", seed=0)
    with fresh_names():
        plain = nn.Sequential()
        plain.add(*[nn.Dense(8, activation="relu", in_units=20 if i == 0 else 8)
                    for i in range(3)], nn.Dense(10, in_units=8))
    plain.initialize(init.Uniform())
    with unchanged(tied):
        with pytest.raises(ValueError, match=r"2\.weight: 'dense0_weight' is tied in dst and "
                           r"would get different values from 1\.weight and 2\.weight"):
            copy_params(plain, tied)
    copy_params(tied, plain)  # tied -> untied is fine: both uses get the shared values
    np.testing.assert_array_equal(plain[1].weight.data().asnumpy(),
                                  plain[2].weight.data().asnumpy())
    copy_params(plain, tied)  # now the two sources agree
    assert untied is not tied


def test_copy_params_refusals(mlp):
    net, _ = mlp
    with pytest.raises(TypeError, match="dst must be a gluon.Block"):
        copy_params(net, "net2")
    with autograd.record():
        with pytest.raises(RuntimeError, match="copy_params was called inside autograd.record"):
            copy_params(net, net)


# ---- snapshot / diff ---------------------------------------------------------------------

def test_snapshot_is_a_copy_and_diff_counts(mlp, golden):
    net, _ = mlp
    before = snapshot(net)
    assert isinstance(before, Snapshot) and len(before) == 4
    w0 = before["0.weight"]
    net[0].weight.data()[3, 4] += 2.5
    net[1].bias.data()[:] = -1
    np.testing.assert_array_equal(before["0.weight"], w0)  # not a view of the net
    t = diff(before, net)
    rows = {r.name: r for r in t}
    assert (rows["dense0_weight"].changed, rows["dense0_weight"].size) == (1, 5120)
    assert rows["dense0_weight"].largest == pytest.approx(2.5)
    assert (rows["dense1_bias"].changed, rows["dense1_bias"].largest) == (10, 1.0)
    assert rows["dense0_bias"].changed == 0 and rows["dense0_bias"].contexts == ()
    assert diff(before, snapshot(net)).to_dicts() == t.to_dicts()
    assert "<table" in t._repr_html_()
    golden("diff_edit", str(t))


def test_diff_compares_every_replica(mlp2):
    net, _ = mlp2
    before = snapshot(net)
    net[0].weight.data(mx.cpu(1))[0, 0] += 1  # only the second copy
    row = diff(before, net)[0]
    assert (row.changed, row.contexts, row.largest) == (1, ("cpu(1)",), pytest.approx(1))
    set_value(net[1].weight, 0.0)
    row = diff(before, net)[2]
    assert row.contexts == ("cpu(0)", "cpu(1)")


def test_diff_tied_listed_once(tied):
    net, _ = tied
    before = snapshot(net)
    net[2].weight.data()[0, 0] = 100
    rows = [r for r in diff(before, net) if r.changed]
    assert [(r.paths, r.changed) for r in rows] == [(("1.weight", "2.weight"), 1)]


def test_snapshot_diff_refusals(mlp):
    net, _ = mlp
    other, _ = lecture_tied_mlp(ctx="cpu", seed=0)
    before = snapshot(net)
    with pytest.raises(KeyError, match=r"'0\.wieght' is not in this snapshot.*0\.weight"):
        before["0.wieght"]
    with pytest.raises(ValueError, match="different parameters.*same net"):
        diff(before, other)
    with pytest.raises(TypeError, match="before must be a Snapshot"):
        diff(net, net)
    with pytest.raises(TypeError, match="snapshot target must be"):
        snapshot([1, 2])


def test_copy_params_into_deferred_dst(mlp, deferred_net):
    src, _ = mlp
    with fresh_names():
        dst = nn.Sequential()
        dst.add(nn.Dense(256, activation="relu"), nn.Dense(10))
    dst.initialize()
    assert dst[0].weight.shape == (256, 0)
    copy_params(src, dst)  # Gluon keeps the values until the first forward
    X = nd.ones((2, 20))
    np.testing.assert_array_equal(dst(X).asnumpy(), src(X).asnumpy())
    with unchanged(deferred_net):
        with pytest.raises(ValueError, match=r"0\.weight: shape \(256, 20\) in src, \(4, \?\)"):
            copy_params(src, deferred_net)
