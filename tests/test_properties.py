"""Properties checked on many generated inputs (hypothesis), against real MXNet.

Random small architectures (a stack of Dense layers of random widths, sometimes a BatchNorm,
sometimes hybridized, float32, float64 or float16) holding random values that include NaN,
+inf and -inf. Examples are few (each builds real nets): the file runs in seconds.
"""
import re

import mxnet as mx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mxnet import init, nd
from mxnet.gluon import nn
from nets import checksum

from l10_params import (
    copy_params,
    diff,
    fresh_names,
    lecture_mlp,
    reinitialize,
    reset_ctx,
    resolve_ctx,
    select,
    set_value,
    snapshot,
    summary,
)
from l10_params.testing import assert_params_equal

NET, _ = lecture_mlp(ctx="cpu", seed=0)
NAMES = list(NET.collect_params())
FRAGMENTS = ["dense", "0", "1", "_", "weight", "bias", ".*", ".", "w", "b", "e", "(0|1)"]
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-8, 65504.0]


@st.composite
def architectures(draw):
    return dict(widths=draw(st.lists(st.integers(1, 6), min_size=2, max_size=4)),
                batchnorm=draw(st.booleans()), hybrid=draw(st.booleans()),
                dtype=draw(st.sampled_from(["float32", "float64", "float16"])),
                special=draw(st.lists(st.tuples(st.integers(0, 10 ** 6), st.sampled_from(SPECIAL)),
                                      max_size=4)),
                seed=draw(st.integers(0, 2 ** 16)))


def build(arch, seed=None, special=True):
    """The architecture as a net (every shape known), its values drawn, special values set."""
    mx.random.seed(arch["seed"] if seed is None else seed)
    w = arch["widths"]
    with fresh_names():
        net = nn.HybridSequential() if arch["hybrid"] else nn.Sequential()
        for a, b in zip(w, w[1:]):
            net.add(nn.Dense(b, in_units=a))
        if arch["batchnorm"]:
            net.add(nn.BatchNorm(in_channels=w[-1]))
    net.initialize(init.Uniform(2.0))
    if arch["dtype"] != "float32":
        net.cast(arch["dtype"])
    if arch["hybrid"]:
        net.hybridize()
    params = list(net.collect_params().values())
    for k, value in arch["special"] if special else ():
        p = params[k % len(params)]
        a = p.data().asnumpy()
        a.flat[k % a.size] = value
        p.set_data(nd.array(a, dtype=p.dtype))  # set_data: set_value refuses NaN on purpose
    return net


def batch(arch):
    return nd.random.uniform(-1, 1, shape=(2, arch["widths"][0]), dtype=arch["dtype"])


@settings(max_examples=25, deadline=None)
@given(architectures())
def test_snapshot_then_diff_without_edit_reports_nothing(arch):
    net = build(arch)
    rows = diff(snapshot(net), net).rows
    assert [r.changed for r in rows] == [0] * len(rows)
    assert all(r.largest == 0 for r in rows)


@settings(max_examples=20, deadline=None)
@given(architectures())
def test_copy_params_makes_equal_values_and_equal_outputs(arch):
    src, dst = build(arch), build(arch, seed=arch["seed"] + 1, special=False)
    copy_params(src, dst, allow_nonfinite=True)  # src holds NaN and inf on purpose
    assert_params_equal(src, dst, rtol=0)
    if arch["dtype"] != "float16":  # MXNet's CPU build has no float16 Dense forward
        X = batch(arch)
        np.testing.assert_array_equal(src(X).asnumpy(), dst(X).asnumpy())  # NaN == NaN here


REFUSED = [
    lambda net: set_value(list(net.collect_params().values())[0], np.nan),
    lambda net: reinitialize(net, init.Xavier(), override=True),  # 1-D biases
    lambda net: reinitialize(net, select="weight"),
    lambda net: select(net, "(?i)W"),
    lambda net: reset_ctx(net, mx.cpu(-1)),
    lambda net: reset_ctx(net, "cpu:0,cpu:1000"),
    lambda net: copy_params(net, lecture_mlp(ctx="cpu", seed=0)[0]),
]


@settings(max_examples=30, deadline=None)
@given(architectures(), st.integers(0, len(REFUSED) - 1))
def test_a_refused_call_changes_nothing(arch, k):
    net = build(arch)
    before = checksum(net)
    with pytest.raises((ValueError, TypeError, RuntimeError, KeyError)):
        REFUSED[k](net)
    assert checksum(net) == before


@settings(max_examples=15, deadline=None)
@given(architectures())
def test_reset_ctx_there_and_back_keeps_every_value(arch):
    net = build(arch)
    before = snapshot(net)
    assert all(r.unchanged for r in reset_ctx(net, "cpu:0,cpu:1"))
    assert all(r.unchanged for r in reset_ctx(net, "cpu:0"))
    assert_params_equal(before, net, rtol=0)


@settings(max_examples=25, deadline=None)
@given(architectures())
def test_summary_total_is_the_sum_over_collect_params(arch):
    net = build(arch, special=False)
    s = summary(net)
    assert s.total == sum(int(np.prod(p.shape)) for p in net.collect_params().values())
    assert len(s.rows) == len(list(net.collect_params().keys()))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5).map("".join))
def test_select_is_collect_params_or_refuses(pattern):
    """select gives exactly what Gluon's collect_params gives, and refuses only the empty set."""
    expected = [n for n in NAMES if re.match(pattern, n)]
    assert list(NET.collect_params(pattern)) == expected
    if expected:
        assert list(select(NET, pattern)) == expected
    else:
        with pytest.raises(ValueError, match="matches no parameter"):
            select(NET, pattern)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=4, unique=True))
def test_cpu_lists_round_trip(indices):
    spec = ",".join(f"cpu:{i}" for i in indices)
    assert resolve_ctx(spec) == [mx.cpu(i) for i in indices]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 255)), min_size=1, max_size=30),
       st.floats(-100, 100, allow_nan=False, width=32))
def test_diff_counts_exactly_the_entries_set_value_changed(cells, value):
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    before = snapshot(net)
    old = net[1].weight.data().asnumpy()
    new = old.copy()
    for i, j in cells:
        new[i, j] = value
    set_value(net[1].weight, new)
    rows = {r.name: r for r in diff(before, net).rows}
    changed = int(np.sum(new != old))
    assert rows["dense1_weight"].changed == changed
    assert all(r.changed == 0 for n, r in rows.items() if n != "dense1_weight")
    if changed:
        assert rows["dense1_weight"].largest == pytest.approx(float(np.max(np.abs(new - old))))
