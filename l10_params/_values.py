"""Comparing parameter values of any dtype, with NaN and inf treated on purpose (private).

``NaN != NaN`` in IEEE arithmetic, so a plain ``a != b`` calls an untouched NaN "changed"
and ``np.abs(a - b) <= tol`` calls a NaN against a number "close". Here a comparison means
"is this entry the same value": NaN equals NaN, ``inf`` equals ``inf`` of the same sign,
and anything against NaN (or ``inf`` against a number) is a change of infinite size.
Every comparison runs in float64, whatever the dtypes (float16, float32, float64, ints).
"""
from __future__ import annotations

import numpy as np


def _f64(a) -> np.ndarray:
    return np.asarray(a).astype(np.float64, copy=False)


def same_mask(a, b) -> np.ndarray:
    """Entry-wise "the same value": equal, or both NaN.

    >>> same_mask([1.0, np.nan, np.inf, np.nan], [1.0, np.nan, np.inf, 2.0]).tolist()
    [True, True, True, False]
    """
    x, y = _f64(a), _f64(b)
    return (x == y) | (np.isnan(x) & np.isnan(y))


def same(a, b) -> bool:
    """True when ``a`` and ``b`` have one shape and the same value in every entry (NaN = NaN).

    >>> same(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])), same([1.0], [1.0, 1.0])
    (True, False)
    """
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(same_mask(a, b).all())


def abs_change(a, b) -> np.ndarray:
    """``|a - b|`` in float64, 0 where the values are the same, ``inf`` where one is NaN.

    >>> abs_change([1.0, np.nan, np.inf, np.nan], [3.0, np.nan, np.inf, 0.0]).tolist()
    [2.0, 0.0, 0.0, inf]
    """
    x, y = _f64(a), _f64(b)
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.abs(x - y)
    d = np.where(same_mask(x, y), 0.0, d)
    return np.where(np.isnan(d), np.inf, d)


def max_change(a, b) -> float:
    """The largest :func:`abs_change` (0.0 for empty arrays)."""
    d = abs_change(a, b)
    return float(d.max()) if d.size else 0.0


def differ_mask(a, b, *, rtol: float = 0.0, atol: float = 0.0) -> np.ndarray:
    """Entries where ``|a - b| > atol + rtol * |b|``; NaN against a number always differs.

    >>> differ_mask([1.0, np.nan, 1.0, 1e308], [1.0 + 1e-9, np.nan, np.nan, np.inf],
    ...             rtol=1e-6).tolist()
    [False, False, True, True]
    """
    x, y = _f64(a), _f64(b)
    d = abs_change(x, y)
    with np.errstate(invalid="ignore", over="ignore"):
        tol = atol + rtol * np.abs(y)
    odd = ~(np.isfinite(x) & np.isfinite(y))  # inf against anything but the same inf
    return ~same_mask(x, y) & (odd | (d > tol))


def spread(copies) -> float:
    """The largest change of any context's copy from the first one (0.0 for one copy): how
    far a parameter's replicas disagree (``replicas``, ``check_init``, ``reset_ctx``).

    >>> spread([np.array([1.0, np.nan]), np.array([1.0, np.nan]), np.array([1.5, np.nan])])
    0.5
    """
    copies = list(copies)
    return max((max_change(c, copies[0]) for c in copies[1:]), default=0.0)
