"""summary(stats=True) against a float64 NumPy reference, on every path of ``_stats``: a small
array (one float64 copy), one block, several blocks (the first block decides whether values
are shifted by ``a[0]``), the float64 retry when float32 sums overflow, and values that are
NaN, inf, -0.0, tiny (their float32 squares are 0) or huge, in float16, float32, float64 and
int32. min, max and the zero count must be exact; mean and std within float32 rounding."""
import math

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon

from l10_params import summary
from l10_params._stats import _CHUNK, _SMALL

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
