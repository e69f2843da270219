"""check_init is honest about its power: PASS only with values enough to tell the expected
distribution from half or twice its spread (and, for the known families, from the other shape
with the same moments); otherwise CANNOT TELL with the number of values that would decide.

The rates are measured over fixed seeds: values drawn with NumPy's generator, written into a
parameter of the shape asked for, then judged.
"""
from __future__ import annotations

import math
import re

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon, init
from mxnet.gluon import nn

from l10_params import Check, MyInit, check_init, fresh_names
from l10_params.initialization import check as chk

SEEDS = range(40)  # 40 draws: "at most 1 in 20" allows 2 passes


def param(values: np.ndarray) -> gluon.Parameter:
    p = gluon.Parameter("w", shape=values.shape)
    p.initialize(init=init.Zero(), ctx=mx.cpu())
    p.set_data(mx.nd.array(values.astype(np.float32)))
    return p


def verdicts(draw, judged, shape, seeds=SEEDS):
    """How often each verdict comes out when ``draw(rng, shape)`` values are judged."""
    counts = {"pass": 0, "fail": 0, "cannot tell": 0}
    for s in seeds:
        counts[check_init(param(draw(np.random.default_rng(s), shape)), judged).verdict] += 1
    return counts


def normal(sd):
    return lambda r, shape: r.normal(0, sd, shape)


def uniform(c):
    return lambda r, shape: r.uniform(-c, c, shape)


def myinit(k=1.0):
    def draw(r, shape):
        u = r.uniform(-10, 10, shape)
        return u * (np.abs(u) >= 5) * k
    return draw


class BookInit(init.Initializer):
    """The book's MyInit with nd arrays: check_init does not know it (two-sample test)."""

    def _init_weight(self, name, data):
        data[:] = mx.nd.random.uniform(-10, 10, data.shape)
        data *= data.abs() >= 5


def test_false_passes_at_32_values():
    """Normal(0.01) values judged as Normal(0.02), 32 of them: at most 1 pass in 20 (it was
    39 in 40 before check_init knew its power)."""
    counts = verdicts(normal(0.01), init.Normal(0.02), (8, 4))
    assert counts["pass"] <= len(SEEDS) / 20, counts
    assert counts["cannot tell"] > counts["fail"], counts


@pytest.mark.parametrize("draw, judged", [
    (uniform(0.07), init.Normal(0.07 / math.sqrt(3))),  # the same std, another shape
    (normal(0.07 / math.sqrt(3)), init.Uniform(0.07)),
    (normal(0.02), init.Normal(0.01)), (uniform(0.035), init.Uniform(0.07)),
])
def test_a_wrong_distribution_never_passes_at_32_values(draw, judged):
    counts = verdicts(draw, judged, (8, 4))
    assert counts["pass"] == 0, counts


@pytest.mark.parametrize("draw, judged", [
    (normal(0.01), init.Normal(0.01)), (uniform(0.07), init.Uniform(0.07)),
    (uniform(math.sqrt(6 / 276)), init.Xavier()), (myinit(), MyInit(verbose=False)),
])
def test_true_passes_at_full_size(draw, judged):
    """The lecture's layer, 256 x 20 = 5,120 values: every correct draw passes."""
    assert verdicts(draw, judged, (256, 20)) == {"pass": len(SEEDS), "fail": 0, "cannot tell": 0}


def test_true_passes_at_full_size_two_sample():
    """An initializer check_init does not know, judged against fresh draws of its own."""
    counts = {"pass": 0, "fail": 0, "cannot tell": 0}
    for s in range(20):
        mx.random.seed(100 + s)
        counts[check_init(param(myinit()(np.random.default_rng(s), (256, 20))), BookInit()).verdict] += 1
    assert counts == {"pass": 20, "fail": 0, "cannot tell": 0}, counts


@pytest.mark.parametrize("family, alternatives", [
    ("normal", [normal(0.5), normal(2.0), uniform(math.sqrt(3.0))]),
    ("uniform", [uniform(0.5), uniform(2.0), normal(1 / math.sqrt(3.0))]),
])
def test_needed_is_enough_and_the_smallest(family, alternatives):
    """At ``needed`` values each nearby wrong answer passes at most 1 time in 20; one value
    fewer, a correct draw is never a PASS."""
    judged = init.Normal(1.0) if family == "normal" else init.Uniform(1.0)
    truth = normal(1.0) if family == "normal" else uniform(1.0)
    n = check_init(param(truth(np.random.default_rng(0), (1000,))), judged).needed
    assert n == chk.needed_values(chk._normal_alternatives() if family == "normal"
                                  else chk._uniform_alternatives())
    for alt in alternatives:
        assert verdicts(alt, judged, (n,))["pass"] <= len(SEEDS) / 20, (family, n)
    below = verdicts(truth, judged, (n - 1,), seeds=range(10))
    assert below["pass"] == 0 and below["cannot tell"] == 10, below


def test_cannot_tell_says_with_how_many_and_how_many_would(mode):
    mx.random.seed(0)
    with fresh_names():
        layer = nn.Dense(8, in_units=4)
    layer.initialize(init.Normal(0.01))
    c = check_init(layer.weight, init.Normal(0.01))
    assert (c.verdict, c.passed, c.measured["n"]) == ("cannot tell", False, 32)
    assert c.needed == c.expected["needed"] > 32
    text = str(c)
    assert text.startswith("CANNOT TELL with 32 values: dense0_weight ~ Normal(sigma=0.01): "), text
    assert text.endswith(f"no test failed, but 32 values cannot tell it from half or twice its "
                         f"spread, or a uniform with the same std: about {c.needed:,} values would")


def test_a_constant_decides_with_one_value():
    c = check_init(param(np.ones((1, 1))), init.One())
    assert (c.verdict, c.needed) == ("pass", 1)


@pytest.mark.parametrize("judged", [init.Normal(0.01), init.Uniform(0.07), init.Xavier(), BookInit()])
@pytest.mark.parametrize("shape", [(8, 4), (256, 20)])
def test_every_p_value_is_printed_beside_its_threshold(judged, shape):
    mx.random.seed(0)
    text = str(check_init(param(np.random.default_rng(0).normal(0, 0.01, shape)), judged))
    ps = re.findall(r"\bp (\S+)( (?:>=|<) 1e-06)?", text)
    assert ps and all(threshold for _, threshold in ps), text


def test_the_threshold_reads_the_right_way_round():
    c = check_init(param(np.random.default_rng(0).uniform(-10, 10, (8, 4))), init.Normal(1.0))
    assert c.verdict == "fail" and re.search(r"p \S+ < 1e-06", str(c)), str(c)


def test_a_class_where_an_instance_is_needed_names_the_students_class():
    class HeNormal(init.Initializer):
        def _init_weight(self, name, data):
            data[:] = 0

    w = param(np.zeros((2, 2)))
    with pytest.raises(TypeError, match=r"init is the class HeNormal, not an initializer; "
                                        r"create one by calling it: HeNormal\(\)$"):
        check_init(w, HeNormal)
    with pytest.raises(TypeError, match=r"the class MyInit, .*calling it: MyInit\(\)$"):
        check_init(w, MyInit)
    with pytest.raises(TypeError, match=r"the class Xavier, .*calling it: init\.Xavier\(\)$"):
        check_init(w, init.Xavier)


def test_check_keeps_verdict_and_passed_consistent():
    assert Check("w", "Zero()", True).verdict == "pass"
    assert Check("w", "Zero()", False).verdict == "fail"
    assert str(Check("w", "Zero()", False, {"n": 3}, {}, "x", "cannot tell", 9)).startswith(
        "CANNOT TELL with 3 values: w ~ Zero(): x")
    with pytest.raises(ValueError, match=r"verdict 'cannot tell' with passed=True"):
        Check("w", "Zero()", True, verdict="cannot tell")
    with pytest.raises(ValueError, match=r"got verdict 'maybe'"):
        Check("w", "Zero()", False, verdict="maybe")


def test_binomial_and_ks_helpers_match_their_definitions():
    """The exact binomial p-value against a direct sum; the KS critical value against p."""
    n, q, k = 50, 0.0833, 12
    pmf = [math.comb(n, j) * q ** j * (1 - q) ** (n - j) for j in range(n + 1)]
    direct = min(1.0, 2 * min(sum(pmf[:k + 1]), sum(pmf[k:])))
    assert chk.binom_p(k, n, q) == pytest.approx(direct, rel=1e-9)
    for n_eff in (16, 32, 2560):
        d = chk.ks_critical(n_eff)
        assert chk.kolmogorov_p(d * 1.001, n_eff) < chk.ALPHA <= chk.kolmogorov_p(d * 0.999, n_eff)
