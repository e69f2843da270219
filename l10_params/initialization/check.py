"""``check_init``: do a parameter's values look like what an initializer produces?

It only reads values: statistics on a NumPy copy, not Gluon plumbing. Known initializers have
exact rules: Constant exact (in the parameter's dtype); a range is checked up to one unit in
the last place of the dtype (float16 rounds ``Uniform(0.07)`` a hair past 0.07); a mean or a
standard deviation must lie within 5 standard errors of the expected figure, which a correct
initializer misses about once in two million checks; and the values must pass a one-sample
Kolmogorov–Smirnov test against the exact distribution at significance ``ALPHA`` (1e-6).
Any other initializer draws a fresh sample of the same shape on a scratch array and the two
samples are compared with a two-sample Kolmogorov–Smirnov test at the same significance.

The Kolmogorov–Smirnov tests are written here in NumPy (SciPy is not a dependency):
p-values come from the Kolmogorov distribution with Stephens' small-sample correction
(Numerical Recipes, ``probks``), accurate to a few per cent, which is plenty at ``ALPHA``.
"""
from __future__ import annotations

import contextlib
import io
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, Tuple

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon
from mxnet import initializer as mxinit

from .. import _gluon, _values
from .._text import format_shape
from .._validate import require_values
from ..lecture import MyInit
from .plan import as_initializer, describe

Z = 5.0  # standard errors allowed for a mean or a standard deviation


@dataclass(frozen=True)
class Check:
    """The verdict of :func:`check_init`: ``passed``, the figures measured and expected."""

    name: str
    initializer: str
    passed: bool
    measured: Dict[str, float] = field(default_factory=dict)
    expected: Dict[str, float] = field(default_factory=dict)
    detail: str = ""

    def __str__(self) -> str:
        return (f"{'PASS' if self.passed else 'FAIL'} {self.name} ~ {self.initializer}: "
                f"{self.detail}")


def _g(x: float) -> str:
    return f"{x:.4g}"


def _constant(w, value):
    v = value.asnumpy() if hasattr(value, "asnumpy") else np.asarray(value)
    try:
        want = np.broadcast_to(v.astype(w.dtype), w.shape)  # the value as the dtype stores it
    except ValueError:
        raise ValueError(f"the Constant's array has shape {v.shape}, which cannot fill a "
                         f"parameter of shape {w.shape}: the values cannot come from it") from None
    ok = bool(np.array_equal(w, want))
    bad = int((w != want).sum())
    shown = _g(float(v)) if v.size == 1 else f"the given array {v.shape}"
    return (ok, {"min": float(w.min()), "max": float(w.max()), "mismatches": bad},
            {"value": float(v) if v.size == 1 else float("nan")},
            f"all {w.size} values equal {shown}" if ok else
            f"{bad} of {w.size} values differ from {shown} (min {_g(w.min())}, max {_g(w.max())})")


def _mean_ok(w, sd):
    tol = Z * sd / math.sqrt(w.size)
    return abs(float(w.mean())) <= tol, tol


def _ks_exact(w, cdf, slack):
    d, p = ks_1samp(w, cdf, slack)
    return p >= ALPHA, d, p, f"KS against the exact distribution D {_g(d)}, p {_g(p)}"


def _uniform(w, scale, dtype):
    eps = max(1e-6 * scale, ulp(scale, dtype))  # rounding to the dtype, not a wider range
    in_range = float(w.min()) >= -scale - eps and float(w.max()) <= scale + eps
    mean_ok, tol = _mean_ok(w, scale / math.sqrt(3))
    std = float(w.std())  # U(-c, c): std c/sqrt(3), standard error about c/sqrt(15 n)
    std_tol = Z * scale / math.sqrt(15 * w.size)
    std_ok = abs(std - scale / math.sqrt(3)) <= std_tol
    ks_ok, d, p, ks_text = _ks_exact(w, uniform_cdf(scale), ulp(scale, dtype) / scale)
    text = (f"range [{_g(w.min())}, {_g(w.max())}] {'within' if in_range else 'OUTSIDE'} "
            f"[-{_g(scale)}, {_g(scale)}], mean {_g(w.mean())} (|mean| <= {_g(tol)}), "
            f"std {_g(std)} (expected {_g(scale / math.sqrt(3))} +- {_g(std_tol)}), {ks_text}")
    return (in_range and mean_ok and std_ok and ks_ok,
            {"min": float(w.min()), "max": float(w.max()), "mean": float(w.mean()), "std": std,
             "ks_d": d, "ks_p": p},
            {"low": -scale, "high": scale, "mean_tol": tol, "std": scale / math.sqrt(3),
             "std_tol": std_tol, "alpha": ALPHA}, text)


def _normal(w, sigma, dtype):
    mean_ok, tol = _mean_ok(w, sigma)
    std = float(w.std(ddof=1)) if w.size > 1 else float("nan")
    std_tol = Z * sigma / math.sqrt(2 * (w.size - 1)) if w.size > 1 else float("inf")
    std_ok = w.size < 2 or abs(std - sigma) <= std_tol
    slack = ulp(6 * sigma, dtype) / (2 * sigma * math.sqrt(2 * math.pi))
    ks_ok, d, p, ks_text = _ks_exact(w, normal_cdf(sigma), slack)
    text = (f"mean {_g(w.mean())} (|mean| <= {_g(tol)}), std {_g(std)} "
            f"(expected {_g(sigma)} +- {_g(std_tol)}), {ks_text}")
    return (mean_ok and std_ok and ks_ok,
            {"mean": float(w.mean()), "std": std, "ks_d": d, "ks_p": p},
            {"mean": 0.0, "mean_tol": tol, "std": sigma, "std_tol": std_tol,
             "alpha": ALPHA}, text)


def _xavier(w, shape, x: mxinit.Xavier, dtype):
    if len(shape) < 2:
        raise ValueError(f"{describe(x)} only initializes parameters with at least 2 "
                         f"dimensions, and this one has shape {shape}: it cannot come from it")
    hw = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
    fan_in, fan_out = shape[1] * hw, shape[0] * hw
    factor = {"avg": (fan_in + fan_out) / 2.0, "in": fan_in, "out": fan_out}.get(x.factor_type)
    if factor is None or x.rnd_type not in ("uniform", "gaussian"):
        raise ValueError(f"{describe(x)} has factor_type {x.factor_type!r} / rnd_type "
                         f"{x.rnd_type!r}; MXNet knows 'avg', 'in', 'out' / 'uniform', 'gaussian'")
    c = math.sqrt(x.magnitude / factor)
    ok, measured, expected, text = (_uniform if x.rnd_type == "uniform" else _normal)(w, c, dtype)
    expected.update(fan_in=fan_in, fan_out=fan_out, bound=c)
    return ok, measured, expected, f"fan_in {fan_in:g}, fan_out {fan_out:g}: " + text


def _myinit(w, dtype):
    a = np.abs(w)
    top = 10 + ulp(10, dtype)  # float16 rounds 9.998 up to 10
    good = (a == 0) | ((a >= 5) & (a < top))
    bad = int((~good).sum())
    zeros = float((a == 0).mean())
    text = (f"every |w| is 0 or in [5, 10) ({zeros:.0%} zeros)" if not bad else
            f"{bad} of {w.size} values are neither 0 nor in [5, 10) (e.g. {_g(w[~good][0])})")
    return not bad, {"zeros": zeros, "bad": bad}, {"abs_low": 5.0, "abs_high": 10.0}, text


def _scratch_draw(param: gluon.Parameter, initializer) -> np.ndarray:
    """A fresh sample from ``initializer`` on a new CPU array of ``param``'s shape and dtype,
    run as Gluon runs an initializer given for a parameter (``_init_weight``); what the
    initializer prints is swallowed. ``param`` itself is not touched."""
    scratch = _gluon.zeros(param.shape, param.dtype, mx.cpu())  # nd or mx.np, as Gluon's
    try:
        with autograd.pause(), contextlib.redirect_stdout(io.StringIO()):
            initializer(mxinit.InitDesc(param.name, {"__init__": initializer}), scratch)
    except Exception as e:  # noqa: BLE001 - whatever the student's initializer raises
        msg = str(e).strip().splitlines()[-1] if str(e).strip() else ""
        raise ValueError(
            f"check_init: {describe(initializer)} raised {type(e).__name__} ({msg[:200]}) when "
            f"asked for a fresh sample of shape {format_shape(param.shape)} on a scratch "
            f"array, so there is nothing to compare {param.name!r} with (the parameter was "
            "not touched); an initializer's _init_weight(name, data) must fill data[:] in "
            "place, with arrays of the interface in force (mx.np after npx.set_np(), else "
            "nd)") from None
    return _gluon.to_numpy(scratch)


def _two_sample(w, fresh):
    d, p = ks_2samp(w, fresh)
    ok = p >= ALPHA
    few = " (few values: only a gross difference can show)" if w.size < 50 else ""
    text = (f"two-sample Kolmogorov-Smirnov test against a fresh draw of the same shape on a "
            f"scratch array ({w.size} values each): D {_g(d)}, p {_g(p)} "
            f"{'>=' if ok else '<'} {_g(ALPHA)}{few}")
    return ok, {"ks_d": d, "ks_p": p}, {"alpha": ALPHA, "n": float(w.size)}, text


def check_init(param, init) -> Check:
    """Check that ``param``'s values are what ``init`` produces, with stated tolerances.

    Constant (Zero, One): every value equal (in the parameter's dtype). Uniform: every value
    in ``[-scale, scale]`` (up to one unit in the dtype's last place), the mean and the
    standard deviation (``scale / sqrt(3)``) within 5 standard errors. Normal: mean and
    standard deviation within 5 standard errors. Xavier: as Uniform or Normal with the bound
    ``sqrt(magnitude / factor)`` from fan-in, fan-out and ``factor_type``. Uniform, Normal
    and Xavier values must also pass a one-sample Kolmogorov-Smirnov test against the exact
    distribution at significance 1e-6. MyInit: every ``|w|`` is 0 or in [5, 10).

    Any other initializer (a student's own ``init.Initializer`` subclass, Orthogonal, ...) is
    judged by drawing a fresh sample of the same shape from it on a scratch array (never the
    parameter) and comparing the two with a two-sample Kolmogorov-Smirnov test at
    significance 1e-6: a correct initializer fails about once in a million checks, and a
    small parameter (a few values) can only show a gross difference. The draw advances
    MXNet's global random stream, as one more initialization would (MXNet 1.9.1 cannot save
    and restore it); an initializer that raises on the scratch array is a ``ValueError``
    naming it. Every context's copy must also be identical. A parameter with no values yet
    is a ``RuntimeError``.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> from mxnet import init
    >>> c = check_init(net[0].weight, init.Uniform(0.07))
    >>> c.passed, c.expected['high']
    (True, 0.07)
    >>> print(check_init(net[0].bias, 'ones'))
    FAIL dense0_bias ~ One(): 256 of 256 values differ from 1 (min 0, max 0)
    >>> check_init(net[0].weight, init.Orthogonal()).passed  # KS against a fresh draw
    False
    """
    if not isinstance(param, gluon.Parameter):
        raise TypeError(f"param must be one gluon.Parameter (e.g. net[0].weight), not "
                        f"{type(param).__name__}")
    init = as_initializer(init)
    if isinstance(init, str):
        init = mxinit.create(init)
    require_values(param)  # the one 'no values yet' RuntimeError
    copies = list(_gluon.copies(param).values())
    dtype = copies[0].dtype
    w = copies[0].astype(np.float64).ravel()
    if type(init) is MyInit:  # the library's own; a subclass may draw otherwise
        ok, m, e, text = _myinit(w, dtype)
    elif isinstance(init, mxinit.Constant):
        ok, m, e, text = _constant(copies[0], init.value)
    elif isinstance(init, (mxinit.Zero, mxinit.One)):
        ok, m, e, text = _constant(copies[0], 0.0 if isinstance(init, mxinit.Zero) else 1.0)
    elif type(init) in (mxinit.Xavier, mxinit.MSRAPrelu):
        ok, m, e, text = _xavier(w, param.shape, init, dtype)
    elif type(init) is mxinit.Uniform:
        ok, m, e, text = _uniform(w, float(init.scale), dtype)
    elif type(init) is mxinit.Normal:
        ok, m, e, text = _normal(w, float(init.sigma), dtype)
    else:
        fresh = _scratch_draw(param, init).astype(np.float64).ravel()
        ok, m, e, text = _two_sample(w, fresh)
    diff = _values.spread(copies)  # NaN against NaN is no difference
    if diff:
        ok, text = False, text + f"; but the copies on {param.list_ctx()} differ (max {_g(diff)})"
    m["contexts"] = len(copies)
    return Check(param.name, describe(init), bool(ok), m, e, text)


# Kolmogorov–Smirnov tests in NumPy.

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
