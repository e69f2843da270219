"""``check_init``: do a parameter's values look like what an initializer produces?

It only reads values: statistics on a NumPy copy, not Gluon plumbing. Known initializers have
exact rules: Constant exact (in the parameter's dtype); a range is checked up to one unit in
the last place of the dtype (float16 rounds ``Uniform(0.07)`` a hair past 0.07); a mean or a
standard deviation must lie within 5 standard errors of the expected figure, which a correct
initializer misses about once in two million checks; a normal's share of values beyond
``sqrt(3)`` standard deviations (where a uniform of the same spread ends) must pass an exact
binomial test, and the values a one-sample Kolmogorov–Smirnov test against the exact
distribution, both at significance ``ALPHA`` (1e-6). Any other initializer draws a fresh
sample of the same shape on a scratch array; the two samples must have standard deviations
within 5 standard errors of each other and pass a two-sample Kolmogorov–Smirnov test.

Power: a check that passes only says PASS when it had values enough to fail the nearby wrong
answers: the expected distribution with half or twice its spread and, for the known families,
the other shape with the same mean and standard deviation (a uniform for a normal, a normal for
a uniform or the lecture's ``MyInit``). For each of them ``needed`` is the smallest number of
values for which the check fails it at least ``POWER`` (95 %) of the time, from the
distributions of the statistics (each test's power bounded from below by its strongest part).
With fewer values a check that finds nothing wrong says CANNOT TELL, with that number.

The Kolmogorov–Smirnov tests are written here in NumPy (SciPy is not a dependency):
p-values come from the Kolmogorov distribution with Stephens' small-sample correction
(Numerical Recipes, ``probks``), accurate to a few per cent, which is plenty at ``ALPHA``.
"""
from __future__ import annotations

import contextlib
import functools
import io
import math
from dataclasses import dataclass, field
from typing import Callable, Dict, NamedTuple, Optional, Tuple

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
ALPHA = 1e-6  # a correct initializer fails a test about once in a million checks
POWER = 0.95  # PASS needs values enough to fail each nearby wrong answer this often
TAIL = math.sqrt(3.0)  # a uniform with a normal's standard deviation ends at sqrt(3) sigma
VERDICTS = ("pass", "fail", "cannot tell")


@dataclass(frozen=True)
class Check:
    """The verdict of :func:`check_init`, the figures measured and expected.

    ``verdict`` is ``'pass'``, ``'fail'`` or ``'cannot tell'`` (no test failed, but the
    parameter has fewer values than ``needed``, the smallest number that tells the expected
    distribution from its nearby wrong answers). ``passed`` is True for a PASS only.
    """

    name: str
    initializer: str
    passed: bool
    measured: Dict[str, float] = field(default_factory=dict)
    expected: Dict[str, float] = field(default_factory=dict)
    detail: str = ""
    verdict: str = ""
    needed: Optional[int] = None

    def __post_init__(self):
        verdict = self.verdict or ("pass" if self.passed else "fail")
        if verdict not in VERDICTS or (verdict == "pass") != bool(self.passed):
            raise ValueError(f"a Check's verdict is one of {', '.join(map(repr, VERDICTS))} and "
                             f"passed is True for 'pass' only; got verdict {self.verdict!r} with "
                             f"passed={self.passed!r}")
        object.__setattr__(self, "verdict", verdict)

    def __str__(self) -> str:
        head = {"pass": "PASS", "fail": "FAIL"}.get(self.verdict)
        if head is None:
            n = int(self.measured.get("n", 0))
            head = f"CANNOT TELL with {n:,} values:"
        return f"{head} {self.name} ~ {self.initializer}: {self.detail}"


def _g(x: float) -> str:
    return f"{x:.4g}"


def _p_text(p: float) -> str:
    """A p-value beside the threshold it is judged by."""
    return f"p {_g(p)} {'>=' if p >= ALPHA else '<'} {_g(ALPHA)}"


# ---- the checks ------------------------------------------------------------------------------

class Found(NamedTuple):
    """What one family's checks found: ``ok`` (no test failed), figures, text, alternatives."""

    ok: bool
    measured: Dict[str, float]
    expected: Dict[str, float]
    text: str
    alternatives: Tuple["Alternative", ...] = ()
    against: str = ""  # the alternatives in words, for a CANNOT TELL


class Alternative(NamedTuple):
    """A nearby wrong answer and the check's power against it with ``n`` values."""

    label: str
    power: Callable[[int], float]


def _constant(w, value):
    v = value.asnumpy() if hasattr(value, "asnumpy") else np.asarray(value)
    try:
        want = np.broadcast_to(v.astype(w.dtype), w.shape)  # the value as the dtype stores it
    except ValueError:
        raise ValueError(f"the Constant's array has shape {v.shape}, which cannot fill a "
                         f"parameter of shape {w.shape}: the values cannot come from it") from None
    same = _values.same_mask(w, want)  # Constant(nan) holds NaN: NaN equals NaN here
    ok, bad = bool(same.all()), int((~same).sum())
    shown = _g(float(v)) if v.size == 1 else f"the given array {v.shape}"
    return Found(ok, {"min": float(w.min()), "max": float(w.max()), "mismatches": bad},
                 {"value": float(v) if v.size == 1 else float("nan")},
                 f"all {w.size} values equal {shown}" if ok else
                 f"{bad} of {w.size} values differ from {shown} (min {_g(w.min())}, "
                 f"max {_g(w.max())})")


def _mean_ok(w, sd):
    tol = Z * sd / math.sqrt(w.size)
    return abs(float(w.mean())) <= tol, tol


def _ks_exact(w, cdf, slack):
    d, p = ks_1samp(w, cdf, slack)
    return p >= ALPHA, d, p, f"KS against the exact distribution D {_g(d)}, {_p_text(p)}"


def _uniform(w, scale, dtype):
    if scale == 0:  # U(-0, 0) draws zeros: a constant
        return _constant(w, 0.0)
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
    return Found(in_range and mean_ok and std_ok and ks_ok,
                 {"min": float(w.min()), "max": float(w.max()), "mean": float(w.mean()),
                  "std": std, "ks_d": d, "ks_p": p},
                 {"low": -scale, "high": scale, "mean_tol": tol, "std": scale / math.sqrt(3),
                  "std_tol": std_tol, "alpha": ALPHA}, text,
                 _uniform_alternatives(), "half or twice its range, or a normal with the same std")


def _normal(w, sigma, dtype):
    if not sigma > 0:
        raise ValueError(f"a normal distribution with sigma={sigma:g} cannot have drawn these "
                         "values: MXNet refuses to draw with sigma <= 0; check against the "
                         "initializer that ran (all zeros: init.Zero())")
    n = w.size
    mean_ok, tol = _mean_ok(w, sigma)
    std = float(w.std(ddof=1)) if n > 1 else float("nan")
    std_tol = Z * sigma / math.sqrt(2 * (n - 1)) if n > 1 else float("inf")
    std_ok = n < 2 or abs(std - sigma) <= std_tol
    beyond = int((np.abs(w) > TAIL * sigma).sum())
    tail_p = binom_p(beyond, n, _TAIL_SHARE)
    slack = ulp(6 * sigma, dtype) / (2 * sigma * math.sqrt(2 * math.pi))
    ks_ok, d, p, ks_text = _ks_exact(w, normal_cdf(sigma), slack)
    text = (f"mean {_g(w.mean())} (|mean| <= {_g(tol)}), std {_g(std)} "
            f"(expected {_g(sigma)} +- {_g(std_tol)}), {beyond / n:.1%} beyond "
            f"+-{_g(TAIL * sigma)} (expected {_TAIL_SHARE:.1%}, {_p_text(tail_p)}), {ks_text}")
    return Found(mean_ok and std_ok and tail_p >= ALPHA and ks_ok,
                 {"mean": float(w.mean()), "std": std, "tail": beyond / n, "tail_p": tail_p,
                  "ks_d": d, "ks_p": p},
                 {"mean": 0.0, "mean_tol": tol, "std": sigma, "std_tol": std_tol,
                  "tail": _TAIL_SHARE, "alpha": ALPHA}, text,
                 _normal_alternatives(), "half or twice its spread, or a uniform with the same std")


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
    found = (_uniform if x.rnd_type == "uniform" else _normal)(w, c, dtype)
    found.expected.update(fan_in=fan_in, fan_out=fan_out, bound=c)
    return Found(found.ok, found.measured, found.expected,
                 f"fan_in {fan_in:g}, fan_out {fan_out:g}: " + found.text, found.alternatives,
                 found.against)


def _myinit(w, dtype):
    a = np.abs(w)
    top = 10 + ulp(10, dtype)  # float16 rounds 9.998 up to 10
    good = (a == 0) | ((a >= 5) & (a < top))
    bad = int((~good).sum())
    zeros = float((a == 0).mean())
    text = (f"every |w| is 0 or in [5, 10) ({zeros:.0%} zeros)" if not bad else
            f"{bad} of {w.size} values are neither 0 nor in [5, 10) (e.g. {_g(w[~good][0])})")
    return Found(not bad, {"zeros": zeros, "bad": bad}, {"abs_low": 5.0, "abs_high": 10.0},
                 text, _myinit_alternatives(),
                 "the same rule at half or twice its range, or a normal with the same std")


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
    n = w.size
    d, p = ks_2samp(w, fresh)
    sw, sf = float(w.std()), float(fresh.std())
    se = _log_var_se(fresh)
    if sw == 0 or sf == 0:
        std_ok, low, high = sw == sf, 1.0, 1.0
    else:
        std_ok = abs(math.log(sw * sw / (sf * sf))) <= Z * se
        low, high = math.exp(-Z * se / 2), math.exp(Z * se / 2)
    ratio = sw / sf if sf else float("inf") if sw else 1.0
    text = (f"two-sample Kolmogorov-Smirnov test against a fresh draw of the same shape on a "
            f"scratch array ({n} values each): D {_g(d)}, {_p_text(p)}; std {_g(sw)} against "
            f"{_g(sf)} (ratio {_g(ratio)}, allowed {_g(low)} to {_g(high)})")
    return Found(std_ok and p >= ALPHA, {"std": sw, "std_ratio": ratio, "ks_d": d, "ks_p": p},
                 {"std": sf, "std_ratio_low": low, "std_ratio_high": high, "alpha": ALPHA},
                 text, _two_sample_alternatives(fresh), "the same draw at half or twice its spread")


def check_init(param, init) -> Check:
    """Check that ``param``'s values are what ``init`` produces, with stated tolerances.

    Constant (Zero, One): every value equal (in the parameter's dtype). Uniform: every value
    in ``[-scale, scale]`` (up to one unit in the dtype's last place), the mean and the
    standard deviation (``scale / sqrt(3)``) within 5 standard errors. Normal: mean and
    standard deviation within 5 standard errors, and the share of values beyond ``sqrt(3)``
    standard deviations (8.3 %) by an exact binomial test. Xavier: as Uniform or Normal with
    the bound ``sqrt(magnitude / factor)`` from fan-in, fan-out and ``factor_type``. Uniform,
    Normal and Xavier values must also pass a one-sample Kolmogorov-Smirnov test against the
    exact distribution. Tests are at significance 1e-6, printed beside each p-value. MyInit:
    every ``|w|`` is 0 or in [5, 10).

    Any other initializer (a student's own ``init.Initializer`` subclass, Orthogonal, ...) is
    judged by drawing a fresh sample of the same shape from it on a scratch array (never the
    parameter): the standard deviations must agree within 5 standard errors and the two
    samples pass a two-sample Kolmogorov-Smirnov test. The draw advances MXNet's global random
    stream, as one more initialization would (MXNet 1.9.1 cannot save and restore it); an
    initializer that raises on the scratch array is a ``ValueError`` naming it. Every
    context's copy must also be identical. A parameter with no values yet is a
    ``RuntimeError``.

    The verdict is ``'pass'`` only when no test failed and the parameter has at least
    ``needed`` values: enough for the check to fail, 95 times in 100, values drawn at half or
    twice the spread, or (Uniform, Normal, Xavier, MyInit) of the other shape with the same
    mean and standard deviation. With fewer values and no failed test it is
    ``'cannot tell'``, and ``needed`` says how many values would decide.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> from mxnet import init
    >>> c = check_init(net[0].weight, init.Uniform(0.07))
    >>> c.verdict, c.passed, c.expected['high'], c.needed <= net[0].weight.data().size
    ('pass', True, 0.07, True)
    >>> print(check_init(net[0].bias, 'ones'))
    FAIL dense0_bias ~ One(): 256 of 256 values differ from 1 (min 0, max 0)
    >>> small = check_init(net[1].bias, 'uniform')  # 10 zeros: within [-0.07, 0.07] ...
    >>> small.verdict, small.needed > 10
    ('fail', True)
    >>> check_init(net[0].weight, init.Orthogonal()).passed  # judged against a fresh draw
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
        found = _myinit(w, dtype)
    elif isinstance(init, mxinit.Constant):
        found = _constant(copies[0], init.value)
    elif isinstance(init, (mxinit.Zero, mxinit.One)):
        found = _constant(copies[0], 0.0 if isinstance(init, mxinit.Zero) else 1.0)
    elif type(init) in (mxinit.Xavier, mxinit.MSRAPrelu):
        found = _xavier(w, param.shape, init, dtype)
    elif type(init) is mxinit.Uniform:
        found = _uniform(w, float(init.scale), dtype)
    elif type(init) is mxinit.Normal:
        found = _normal(w, float(init.sigma), dtype)
    else:
        found = _two_sample(w, _scratch_draw(param, init).astype(np.float64).ravel())
    ok, text = found.ok, found.text
    diff = _values.spread(copies)  # NaN against NaN is no difference
    if diff:
        ok, text = False, text + f"; but the copies on {param.list_ctx()} differ (max {_g(diff)})"
    needed = needed_values(found.alternatives)
    verdict = "fail" if not ok else "pass" if w.size >= needed else "cannot tell"
    if verdict == "cannot tell":
        text += (f"; no test failed, but {w.size:,} values cannot tell it from "
                 f"{found.against}: about {needed:,} values would")
    measured = dict(found.measured, contexts=len(copies), n=w.size)
    expected = dict(found.expected, needed=needed)
    return Check(param.name, describe(init), verdict == "pass", measured, expected, text,
                 verdict, needed)


# ---- power: how many values tell the expected distribution from its neighbours --------------

def needed_values(alternatives) -> int:
    """The smallest ``n`` at which the check fails every alternative with probability
    ``POWER``; 1 without alternatives (a rule checked value by value decides at once)."""
    def enough(n: int) -> bool:
        return all(a.power(n) >= POWER for a in alternatives)

    if not alternatives:
        return 1
    low, high = 0, 1
    while not enough(high):
        low, high = high, high * 2
        if high > 1 << 40:
            return high
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if enough(mid) else (mid, high)
    return high


def _phi(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _beyond(mean: float, sd: float, limit: float) -> float:
    """P(X < limit) for X ~ N(mean, sd^2), with sd 0 meaning X == mean."""
    if sd <= 0:
        return 1.0 if mean < limit else 0.0
    return _phi((limit - mean) / sd)


def _std_power(n, sd_expected, tol, sd_alt, kurt_alt) -> float:
    """P(|s - sd_expected| > tol) when s is the std of n values of kurtosis ``kurt_alt``."""
    se = sd_alt * math.sqrt(max(kurt_alt - 1.0, 0.0) / (4.0 * n))
    return (_beyond(sd_alt, se, sd_expected - tol)
            + 1.0 - _beyond(sd_alt, se, sd_expected + tol))


def _ks_power(gap, p_alt, p_exp, n, two_sample=False) -> float:
    """A lower bound on P(KS rejects): the empirical gap at the point of the largest gap alone.

    At that point the sample's share below it is Binomial(n, p_alt)/n (and, two-sample, the
    fresh draw's Binomial(n, p_exp)/n), approximated by normals."""
    if n < 1 or gap <= 0:
        return 0.0
    var = p_alt * (1 - p_alt) / n + (p_exp * (1 - p_exp) / n if two_sample else 0.0)
    crit = ks_critical(n / 2.0 if two_sample else float(n))
    if var <= 0:
        return 1.0 if gap > crit else 0.0
    return _phi((gap - crit) / math.sqrt(var))


def _range_power(n, share_outside) -> float:
    return 1.0 - (1.0 - share_outside) ** n


def _gap(alt: Callable[[np.ndarray], np.ndarray], exp: Callable[[np.ndarray], np.ndarray],
         lo: float, hi: float) -> Tuple[float, float, float]:
    """The largest gap between two CDFs on [lo, hi]: (gap, alt's CDF, expected's CDF there)."""
    x = np.linspace(lo, hi, 200001)
    fa, fe = alt(x), exp(x)
    i = int(np.argmax(np.abs(fa - fe)))
    return float(abs(fa[i] - fe[i])), float(fa[i]), float(fe[i])


_TAIL_SHARE = 2.0 * (1.0 - 0.5 * (1.0 + math.erf(TAIL / math.sqrt(2.0))))  # 8.33 %


@functools.lru_cache(maxsize=None)
def _normal_alternatives() -> Tuple[Alternative, ...]:
    """Expected N(0, 1) (the checks are scale-free): N(0, 1/4), N(0, 4), U(-sqrt 3, sqrt 3)."""
    std_normal, sqrt3 = normal_cdf(1.0), math.sqrt(3.0)
    alts = []
    for label, sd, kurt, cdf, tail in (
            ("half its spread", 0.5, 3.0, normal_cdf(0.5), 2 * (1 - _phi(TAIL / 0.5))),
            ("twice its spread", 2.0, 3.0, normal_cdf(2.0), 2 * (1 - _phi(TAIL / 2.0))),
            ("a uniform with the same std", 1.0, 1.8, uniform_cdf(sqrt3), 0.0)):
        gap = _gap(cdf, std_normal, -10.0, 10.0)

        def power(n, sd=sd, kurt=kurt, tail=tail, gap=gap):
            tol = Z / math.sqrt(2 * (n - 1)) if n > 1 else float("inf")
            return max(_std_power(n, 1.0, tol, sd, kurt), binom_power(n, _TAIL_SHARE, tail),
                       _ks_power(*gap, n))

        alts.append(Alternative(label, power))
    return tuple(alts)


@functools.lru_cache(maxsize=None)
def _uniform_alternatives() -> Tuple[Alternative, ...]:
    """Expected U(-1, 1): U(-1/2, 1/2), U(-2, 2) and N(0, 1/3)."""
    expected, sd_e = uniform_cdf(1.0), 1 / math.sqrt(3.0)
    alts = []
    for label, sd, kurt, cdf, outside in (
            ("half its range", sd_e / 2, 1.8, uniform_cdf(0.5), 0.0),
            ("twice its range", sd_e * 2, 1.8, uniform_cdf(2.0), 0.5),
            ("a normal with the same std", sd_e, 3.0, normal_cdf(sd_e), 2 * (1 - _phi(TAIL)))):
        gap = _gap(cdf, expected, -3.0, 3.0)

        def power(n, sd=sd, kurt=kurt, outside=outside, gap=gap):
            tol = Z / math.sqrt(15 * n)
            return max(_range_power(n, outside), _std_power(n, sd_e, tol, sd, kurt),
                       _ks_power(*gap, n))

        alts.append(Alternative(label, power))
    return tuple(alts)


@functools.lru_cache(maxsize=None)
def _myinit_alternatives() -> Tuple[Alternative, ...]:
    """The rule 'every |w| is 0 or in [5, 10)' fails a value of the rule at half or twice the
    range half the time (the nonzero ones), and a value of N(0, s^2) with MyInit's s = 5.4
    unless 5 <= |w| < 10."""
    s = math.sqrt(0.5 * (10.0 ** 3 - 5.0 ** 3) / (3 * 5.0))  # E[w^2] = E[u^2] / 2, u ~ U(5, 10)
    keep_normal = 2 * (_phi(10 / s) - _phi(5 / s))
    return (Alternative("half its range", lambda n: 1 - 0.5 ** n),
            Alternative("twice its range", lambda n: 1 - 0.5 ** n),
            Alternative("a normal with the same std", lambda n: 1 - keep_normal ** n))


def _log_var_se(x: np.ndarray) -> float:
    """The standard error of log(var_a / var_b) for two samples of ``x``'s size and shape."""
    n = x.size
    sd = float(x.std())
    if n < 2 or sd == 0:
        return float("inf") if n < 2 else 0.0
    kurt = float(np.mean(((x - x.mean()) / sd) ** 4))
    return math.sqrt(2.0 * max(kurt - 1.0, 0.0) / n)


def _two_sample_alternatives(fresh: np.ndarray) -> Tuple[Alternative, ...]:
    """The fresh draw scaled by 1/2 and by 2: the two-sample KS at the largest gap between the
    draw's CDF and the scaled one, and the test of the ratio of standard deviations."""
    f = np.sort(fresh)
    n = f.size
    if n == 0 or not f.any():  # all zero: scaling changes nothing, nothing to tell apart
        return ()
    sd = float(f.std())
    kurt = float(np.mean(((f - f.mean()) / sd) ** 4)) if sd > 0 else 0.0
    unit_se = math.sqrt(2.0 * max(kurt - 1.0, 0.0))  # se of log(var_a / var_b) times sqrt(m)

    def cdf(x):
        return np.searchsorted(f, x, side="right") / n

    alts = []
    for label, k in (("half its spread", 0.5), ("twice its spread", 2.0)):
        grid = np.concatenate([f, f * k])
        fa, fe = cdf(grid / k), cdf(grid)
        i = int(np.argmax(np.abs(fa - fe)))
        gap = (float(abs(fa[i] - fe[i])), float(fa[i]), float(fe[i]))
        shift = abs(2 * math.log(k))  # log var ratio under the alternative

        def power(m, gap=gap, shift=shift):
            if sd == 0:  # a constant: the spreads are both 0, only the KS test sees the scale
                std = 0.0
            elif unit_se == 0:  # two values +-a: the variance is exact, so is the test
                std = 1.0
            else:
                se = unit_se / math.sqrt(m)
                std = _phi((shift - Z * se) / se)
            return max(std, _ks_power(*gap, m, two_sample=True))

        alts.append(Alternative(label, power))
    return tuple(alts)


# ---- the exact binomial test of a share --------------------------------------------------------

def _binom_pmf(n: int, q: float) -> np.ndarray:
    """P(X = k) for X ~ Binomial(n, q), k = 0..n (NumPy, by logarithms)."""
    k = np.arange(n + 1, dtype=np.float64)
    if q <= 0 or q >= 1:
        pmf = np.zeros(n + 1)
        pmf[0 if q <= 0 else n] = 1.0
        return pmf
    logc = np.concatenate([[0.0], np.cumsum(np.log((n - k[:-1]) / (k[:-1] + 1.0)))])
    return np.exp(logc + k * math.log(q) + (n - k) * math.log1p(-q))


def _binom_tails(n: int, q: float) -> Tuple[np.ndarray, np.ndarray]:
    pmf = _binom_pmf(n, q)
    below = np.cumsum(pmf)                 # P(X <= k)
    above = np.cumsum(pmf[::-1])[::-1]     # P(X >= k)
    return below, above


EXACT_BINOMIAL = 200_000  # above this many values the normal approximation is exact enough


def binom_p(k: int, n: int, q: float) -> float:
    """The two-sided p-value of ``k`` successes in ``n`` trials of probability ``q``.

    >>> round(binom_p(0, 167, 0.0833), 9) < 1e-6, round(binom_p(14, 167, 0.0833), 3)
    (True, 1.0)
    """
    if n == 0:
        return 1.0
    if n > EXACT_BINOMIAL:
        z = abs(k - n * q) / math.sqrt(n * q * (1 - q))
        return min(1.0, math.erfc(z / math.sqrt(2.0)))
    below, above = _binom_tails(n, q)
    return float(min(1.0, 2.0 * min(below[k], above[k])))


def binom_power(n: int, q0: float, q_alt: float) -> float:
    """P(the binomial test of share ``q0`` rejects at ``ALPHA``) when the share is ``q_alt``."""
    if n < 1:
        return 0.0
    if n > EXACT_BINOMIAL:
        se0, se1 = math.sqrt(q0 * (1 - q0) / n), math.sqrt(q_alt * (1 - q_alt) / n)
        z = 4.892  # two-sided 1e-6
        return (_beyond(q_alt, se1, q0 - z * se0) + 1 - _beyond(q_alt, se1, q0 + z * se0))
    below, above = _binom_tails(n, q0)
    reject = 2.0 * np.minimum(below, above) < ALPHA
    return float(_binom_pmf(n, q_alt)[reject].sum())


# ---- Kolmogorov–Smirnov tests in NumPy ---------------------------------------------------------

def _kolmogorov_q(lam: float) -> float:
    """P(K > lam) for the Kolmogorov distribution."""
    if lam < 0.2:
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2.0 * k * k * lam * lam) for k in range(1, 101))
    return float(min(1.0, max(0.0, 2.0 * total)))


def kolmogorov_p(d: float, n_eff: float) -> float:
    """P(D >= d) for the KS statistic of samples of effective size ``n_eff``.

    >>> round(kolmogorov_p(0.0, 100), 3), kolmogorov_p(1.0, 100) < 1e-30
    (1.0, True)
    """
    if n_eff <= 0 or d <= 0:
        return 1.0
    root = math.sqrt(n_eff)
    return _kolmogorov_q((root + 0.12 + 0.11 / root) * d)


@functools.lru_cache(maxsize=None)
def _ks_lambda() -> float:
    """The lambda at which the Kolmogorov distribution's tail is ``ALPHA`` (about 2.69)."""
    low, high = 0.2, 10.0
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if _kolmogorov_q(mid) > ALPHA else (low, mid)
    return high


def ks_critical(n_eff: float) -> float:
    """The smallest KS statistic ``D`` that a sample of effective size ``n_eff`` rejects.

    >>> round(ks_critical(32), 3), round(ks_critical(5120), 4)
    (0.465, 0.0376)
    """
    root = math.sqrt(n_eff)
    return _ks_lambda() / (root + 0.12 + 0.11 / root)


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


@functools.lru_cache(maxsize=None)
def uniform_cdf(c: float) -> Callable[[np.ndarray], np.ndarray]:
    """The CDF of ``U(-c, c)``."""
    return lambda v: np.clip((np.asarray(v, dtype=np.float64) + c) / (2.0 * c), 0.0, 1.0)


@functools.lru_cache(maxsize=None)
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
