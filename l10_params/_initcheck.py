"""``check_init``: do a parameter's values look like what an initializer produces?

Kept apart from ``initializers.py`` (which re-exports it) because it only reads values: it
is statistics on a NumPy copy, not Gluon plumbing. Tolerances: Constant exact; a range is
checked exactly (with float32 rounding); a mean or a standard deviation must lie within
5 standard errors of the expected figure, which a correct initializer misses about once in
two million checks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict

import numpy as np
from mxnet import gluon
from mxnet import initializer as mxinit

from . import _gluon
from ._initplan import as_initializer, describe
from .lecture import MyInit

JUDGED = "Constant, Zero, One, Uniform, Normal, Xavier (and MSRAPrelu), MyInit"
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
        want = np.broadcast_to(v.astype(np.float32), w.shape)
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


def _uniform(w, scale):
    eps = 1e-6 * scale
    in_range = float(w.min()) >= -scale - eps and float(w.max()) <= scale + eps
    mean_ok, tol = _mean_ok(w, scale / math.sqrt(3))
    std = float(w.std())  # U(-c, c): std c/sqrt(3), standard error about c/sqrt(15 n)
    std_tol = Z * scale / math.sqrt(15 * w.size)
    std_ok = abs(std - scale / math.sqrt(3)) <= std_tol
    text = (f"range [{_g(w.min())}, {_g(w.max())}] {'within' if in_range else 'OUTSIDE'} "
            f"[-{_g(scale)}, {_g(scale)}], mean {_g(w.mean())} (|mean| <= {_g(tol)}), "
            f"std {_g(std)} (expected {_g(scale / math.sqrt(3))} +- {_g(std_tol)})")
    return (in_range and mean_ok and std_ok,
            {"min": float(w.min()), "max": float(w.max()), "mean": float(w.mean()), "std": std},
            {"low": -scale, "high": scale, "mean_tol": tol, "std": scale / math.sqrt(3),
             "std_tol": std_tol}, text)


def _normal(w, sigma):
    mean_ok, tol = _mean_ok(w, sigma)
    std = float(w.std(ddof=1)) if w.size > 1 else float("nan")
    std_tol = Z * sigma / math.sqrt(2 * (w.size - 1)) if w.size > 1 else float("inf")
    std_ok = w.size < 2 or abs(std - sigma) <= std_tol
    text = (f"mean {_g(w.mean())} (|mean| <= {_g(tol)}), std {_g(std)} "
            f"(expected {_g(sigma)} +- {_g(std_tol)})")
    return (mean_ok and std_ok, {"mean": float(w.mean()), "std": std},
            {"mean": 0.0, "mean_tol": tol, "std": sigma, "std_tol": std_tol}, text)


def _xavier(w, shape, x: mxinit.Xavier):
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
    ok, measured, expected, text = (_uniform if x.rnd_type == "uniform" else _normal)(w, c)
    expected.update(fan_in=fan_in, fan_out=fan_out, bound=c)
    return ok, measured, expected, f"fan_in {fan_in:g}, fan_out {fan_out:g}: " + text


def _myinit(w):
    a = np.abs(w)
    good = (a == 0) | ((a >= 5) & (a < 10))
    bad = int((~good).sum())
    zeros = float((a == 0).mean())
    text = (f"every |w| is 0 or in [5, 10) ({zeros:.0%} zeros)" if not bad else
            f"{bad} of {w.size} values are neither 0 nor in [5, 10) (e.g. {_g(w[~good][0])})")
    return not bad, {"zeros": zeros, "bad": bad}, {"abs_low": 5.0, "abs_high": 10.0}, text


def check_init(param, init) -> Check:
    """Check that ``param``'s values are what ``init`` produces, with stated tolerances.

    Constant (Zero, One): every value equal. Uniform: every value in ``[-scale, scale]``, the
    mean and the standard deviation (``scale / sqrt(3)``) within 5 standard errors. Normal:
    mean and standard deviation within 5 standard errors. Xavier: as Uniform or Normal with
    the bound ``sqrt(magnitude / factor)`` from fan-in, fan-out and ``factor_type``. MyInit:
    every ``|w|`` is 0 or in [5, 10). Every context's copy must also be identical. Another
    initializer is a ``NotImplementedError``; a parameter with no values yet is a ``RuntimeError``.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> from mxnet import init
    >>> c = check_init(net[0].weight, init.Uniform(0.07))
    >>> c.passed, c.expected['high']
    (True, 0.07)
    >>> print(check_init(net[0].bias, 'ones'))
    FAIL dense0_bias ~ One(): 256 of 256 values differ from 1 (min 0, max 0)
    """
    if not isinstance(param, gluon.Parameter):
        raise TypeError(f"param must be one gluon.Parameter (e.g. net[0].weight), not "
                        f"{type(param).__name__}")
    init = as_initializer(init)
    if isinstance(init, str):
        init = mxinit.create(init)
    if _gluon.state(param) != _gluon.INITIALIZED:
        raise RuntimeError(f"parameter {param.name!r} is {_gluon.state(param)}: it has no values "
                           "to check yet; run net.initialize(...) and one forward pass first")
    copies = list(_gluon.copies(param).values())
    w = copies[0].astype(np.float32).ravel()
    if isinstance(init, MyInit):
        ok, m, e, text = _myinit(w)
    elif isinstance(init, mxinit.Constant):
        ok, m, e, text = _constant(copies[0], init.value)
    elif isinstance(init, (mxinit.Zero, mxinit.One)):
        ok, m, e, text = _constant(copies[0], 0.0 if isinstance(init, mxinit.Zero) else 1.0)
    elif isinstance(init, mxinit.Xavier):
        ok, m, e, text = _xavier(w.astype(np.float64), param.shape, init)
    elif isinstance(init, mxinit.Uniform):
        ok, m, e, text = _uniform(w.astype(np.float64), float(init.scale))
    elif isinstance(init, mxinit.Normal):
        ok, m, e, text = _normal(w.astype(np.float64), float(init.sigma))
    else:
        raise NotImplementedError(f"check_init cannot judge {describe(init)}; it judges {JUDGED}")
    diff = max((float(np.abs(c - copies[0]).max()) for c in copies[1:] if c.size), default=0.0)
    if diff:
        ok, text = False, text + f"; but the copies on {param.list_ctx()} differ (max {_g(diff)})"
    m["contexts"] = len(copies)
    return Check(param.name, describe(init), bool(ok), m, e, text)
