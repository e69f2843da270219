"""Kolmogorov–Smirnov tests in NumPy (private; SciPy is not a dependency of l10_params).

``check_init`` uses the one-sample test against the exact distribution of a known
initializer (Uniform, Normal, Xavier) and the two-sample test against a fresh draw of an
initializer it does not know. P-values come from the Kolmogorov distribution with
Stephens' small-sample correction (Numerical Recipes, ``probks``): accurate to a few per
cent, which is plenty at the significance used (``ALPHA``).
"""
from __future__ import annotations

import math
from typing import Callable, Tuple

import numpy as np

ALPHA = 1e-6  # a correct initializer fails about once in a million checks


def kolmogorov_p(d: float, n_eff: float) -> float:
    """P(D >= d) for the KS statistic of samples of effective size ``n_eff``.

    >>> round(kolmogorov_p(0.0, 100), 3), kolmogorov_p(1.0, 100) < 1e-30
    (1.0, True)
    """
    if n_eff <= 0 or d <= 0:
        return 1.0
    root = math.sqrt(n_eff)
    lam = (root + 0.12 + 0.11 / root) * d
    if lam < 0.2:
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * lam * lam) for k in range(1, 101))
    return float(min(1.0, max(0.0, 2.0 * total)))


def ks_2samp(a: np.ndarray, b: np.ndarray) -> Tuple[float, float]:
    """The two-sample statistic ``D = max |F_a - F_b|`` and its p-value (ties handled).

    >>> x = np.linspace(0, 1, 200)
    >>> d, p = ks_2samp(x, x)
    >>> d, p
    (0.0, 1.0)
    >>> ks_2samp(x, x + 0.5)[1] < 1e-6
    True
    """
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    d = float(np.abs(fa - fb).max()) if grid.size else 0.0
    return d, kolmogorov_p(d, a.size * b.size / (a.size + b.size))


def ks_1samp(x: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray],
             slack: float = 0.0) -> Tuple[float, float]:
    """``D = max |F_x - cdf|`` (both sides of every step) and its p-value.

    ``slack`` is subtracted from ``D`` first: the largest shift of ``cdf`` that rounding
    the values to their dtype can cause (density times half a unit in the last place).

    >>> x = np.linspace(-1, 1, 1001)
    >>> d, p = ks_1samp(x, uniform_cdf(1.0))
    >>> d < 0.002, p
    (True, 1.0)
    """
    v, counts = np.unique(np.ravel(x), return_counts=True)
    n = int(counts.sum())
    if n == 0:
        return 0.0, 1.0
    after = np.cumsum(counts) / n
    before = after - counts / n
    f = cdf(v)
    d = float(max((after - f).max(), (f - before).max()))
    d = max(0.0, d - slack)
    return d, kolmogorov_p(d, n)


def uniform_cdf(c: float) -> Callable[[np.ndarray], np.ndarray]:
    """The CDF of ``U(-c, c)``."""
    return lambda v: np.clip((np.asarray(v, dtype=np.float64) + c) / (2.0 * c), 0.0, 1.0)


def normal_cdf(sigma: float) -> Callable[[np.ndarray], np.ndarray]:
    """The CDF of ``N(0, sigma^2)`` (``math.erf``, element by element)."""
    erf = np.vectorize(math.erf, otypes=[np.float64])
    return lambda v: 0.5 * (1.0 + erf(np.asarray(v, dtype=np.float64) / (sigma * math.sqrt(2))))


def ulp(x: float, dtype) -> float:
    """One unit in the last place of ``x`` in ``dtype`` (float16: 6.1e-05 at 0.07).

    >>> ulp(0.07, 'float16')
    6.103515625e-05
    """
    kind = np.dtype(dtype)
    if kind.kind != "f":
        return 1.0
    return float(np.spacing(kind.type(abs(x))))
