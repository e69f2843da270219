"""Properties checked on many generated inputs (hypothesis), against real MXNet."""
import re

import mxnet as mx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l10_params import diff, lecture_mlp, resolve_ctx, select, set_value, snapshot

NET, _ = lecture_mlp(ctx="cpu", seed=0)
NAMES = list(NET.collect_params())
FRAGMENTS = ["dense", "0", "1", "_", "weight", "bias", ".*", ".", "w", "b", "e", "(0|1)"]


@settings(max_examples=200, deadline=None)
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


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=4, unique=True))
def test_cpu_lists_round_trip(indices):
    spec = ",".join(f"cpu:{i}" for i in indices)
    assert resolve_ctx(spec) == [mx.cpu(i) for i in indices]


@settings(max_examples=40, deadline=None)
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
