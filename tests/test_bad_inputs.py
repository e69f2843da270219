"""The catalogue of wrong inputs: every public helper refuses them the same way.

One row per wrong call: which public name it exercises, on which kind of net (tests/nets.py:
the lecture's MLP, the tied MLP, a hybridized HybridSequential, Conv2D + BatchNorm, a custom
Block with a parameter kept only in ``self.params``, a float16 net), the built-in exception
expected and words of its message that name the bad value and the fix. Each row checks that
the exception is a plain built-in one (never MXNetError, re.error, AttributeError,
IndexError; AssertionError only for ``l10_params.testing`` claims) and that the net's
checksum (values, gradients, settings, contexts; NaN-safe) is unchanged.

Add a row with every new public name: ``test_every_public_name_has_a_case`` fails otherwise.
The command line has its own table (status 2, one line on stderr). After the table: one
condition, one answer (the same mistake gets the same exception type and wording from every
helper), then single findings that need more than one call each. Random nets and values are
tests/test_properties.py.
"""
from __future__ import annotations

from typing import Callable, NamedTuple, Tuple, Union

import matplotlib
import mxnet as mx
import numpy as np
import pytest
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn
from nets import KINDS, checksum, convbn, custom, mlp

import l10_params as L
import l10_params as lp
from l10_params import testing
from l10_params import testing as T
from l10_params.cli import main
from l10_params.testing import assert_frozen, assert_params_equal

matplotlib.use("Agg")

ALLOWED = (ValueError, TypeError, RuntimeError, KeyError, NotImplementedError)


class Case(NamedTuple):
    api: Union[str, Tuple[str, ...]]  # the public name(s) exercised
    net: str  # a key of nets.KINDS
    call: Callable  # call(net, X) -> raises
    exc: type
    match: str


def _recording(f):
    def call(net, X):
        with autograd.record():
            f(net, X)
    return call


def _empty(net, X):
    return nn.Sequential()


def _other(kind):
    return lambda: KINDS[kind]()[0]


def _nan_twin(net, X):
    twin = KINDS["mlp"]()[0]
    twin[0].weight.data()[0, 0] = float("nan")
    return twin


C = Case
CASES = [
    # select: regexes, including ones `re` accepts whose hints must not crash
    C("select", "mlp", lambda n, X: L.select(n, "weight"), ValueError, r"'weight' matches no "
      r"parameter.*use '\.\*weight'"),
    C("select", "mlp", lambda n, X: L.select(n, "["), ValueError, r"'\[' is not a valid regular"),
    C("select", "mlp", lambda n, X: L.select(n, 3), TypeError, r"regex string such as '\.\*weight"
      r"', not int"),
    C("select", "mlp", lambda n, X: L.select(n, "a(?i)"), ValueError, r"'a\(\?i\)' is not a valid"),
    C("select", "mlp", lambda n, X: L.select(n, "(?i)X"), ValueError, r"'\(\?i\)X' matches no"),
    C("select", "mlp", lambda n, X: L.select(n, "(?P<a>x)(?P=a)"), ValueError, r"matches no param"),
    C("select", "mlp", lambda n, X: L.select(n, "(?<=a)b"), ValueError, r"matches no parameter"),
    C("select", "mlp", lambda n, X: L.select(n, ".*", exclude=".*"), ValueError,
      r"exclude '\.\*' removes every selected parameter.*narrow exclude"),
    C("select", "mlp", lambda n, X: L.select(np.zeros(3)), TypeError, r"net must be a gluon.Block"),
    C("select", "mlp", lambda n, X: L.select(_empty(n, X)), ValueError, r"has no parameters \(an "
      r"empty Sequential\).*add layers first"),
    C("select", "hybrid", lambda n, X: L.select(n, "dense5.*"), ValueError,
      r"this net's layers are dense0, dense1; use 'dense0\.\*'"),
    C("select", "convbn", lambda n, X: L.select(n, "running_mean"), ValueError,
      r"use '\.\*running_mean'"),
    C("select", "custom", lambda n, X: L.select(n, "hidden"), ValueError, r"use '\.\*hidden'"),
    C("select", "mlp", lambda n, X: L.select(n, r"0\.weight"), ValueError,
      r"pattern '0\\\\.weight' matches no parameter; the names are .* It matches the structural "
      r"path\(s\) '0.weight': pass by='path' to select by path"),
    C("select", "tied", lambda n, X: L.select(n, "dense0_weight", by="path"), ValueError,
      r"path pattern 'dense0_weight' matches no parameter; the paths are .* It matches the "
      r"Gluon name\(s\) 'dense0_weight': leave by out"),
    C(("select", "param_at"), "custom", lambda n, X: L.param_at(n, "hiden"), KeyError,
      r"no parameter at path 'hiden'.*'hidden'"),
    C("param_at", "mlp", lambda n, X: L.param_at(n.collect_params(), "0.weight"), TypeError,
      r"param_at: net must be a gluon.Block \(the network itself\)"),
    # freeze, unfreeze, set_attr: every value checked before anything changes
    C("freeze", "mlp", lambda n, X: L.freeze(n, "dense9.*"), ValueError, r"use 'dense0\.\*'"),
    C("freeze", "mlp", lambda n, X: L.freeze(_empty(n, X)), ValueError, r"has no parameters"),
    C("unfreeze", "mlp", lambda n, X: L.unfreeze(n, exclude=".*"), ValueError, r"removes every"),
    C("unfreeze", "convbn", lambda n, X: L.unfreeze(n, ".*running.*"), ValueError,
      r"selects only parameters that never train.*running statistics or constants"),
    C("set_attr", "mlp", lambda n, X: L.set_attr(n, ".*", lr_mult=-1), ValueError,
      r"lr_mult=-1 must be a finite number >= 0"),
    C("set_attr", "mlp", lambda n, X: L.set_attr(n, ".*", wd_mult=float("nan")), ValueError,
      r"wd_mult=nan must be a finite number"),
    C("set_attr", "mlp", lambda n, X: L.set_attr(n, ".*", grad_req="read"), ValueError,
      r"grad_req='read' is not one of"),
    C("set_attr", "mlp", lambda n, X: L.set_attr(n, ".*", momentum=1), ValueError,
      r"unknown attribute 'momentum'"),
    C("set_attr", "hybrid", lambda n, X: L.set_attr(n, ".*"), ValueError, r"needs at least one"),
    C("set_attr", "mlp", lambda n, X: L.set_attr(n, ".*", lr_mult="2"), TypeError,
      r"lr_mult='2' must be a finite number >= 0, not str"),
    C("set_attr", "mlp", lambda n, X: L.set_attr(n, ".*", wd_mult=np.float32(-2)), ValueError,
      r"wd_mult=-2.0 must be a finite number >= 0"),
    C(("set_attr", "unfreeze"), "convbn", lambda n, X: L.set_attr(n, ".*running_mean",
                                                                   grad_req="write"),
      ValueError, r"selects only parameters that never train \(batchnorm0_running_mean: "
      r"running statistics or constants, grad_req 'null' by nature\)"),
    C("set_attr", "convbn", lambda n, X: L.set_attr(n, ".*running.*", grad_req="add",
                                                    lr_mult=2), ValueError,
      r"never train"),
    # reinitialize, initialize_by_pattern, explain_init: a plan, checked, then writes
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, "xavierr"), ValueError,
      r"'xavierr' is not an initializer name MXNet knows"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, init.Xavier), TypeError,
      r"is the class Xavier.*init.Xavier\(\)"),
    C(("reinitialize", "MyInit"), "mlp", lambda n, X: L.reinitialize(n, L.MyInit), TypeError,
      r"is the class MyInit.*calling it: MyInit\(\)"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, init.Xavier(), override=True),
      ValueError, r"at least 2 dimensions.*'dense0_bias' has shape \(256,\).*'\.\*weight'"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, override=True), ValueError,
      r"override=True .* needs one"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, init.Constant(3), ".*bias"),
      ValueError, r"reinitialize: Constant\(value=3\) would reach none of the 2 selected "
      r"parameters: each has its own initializer, which Gluon runs first \(dense0_bias: "
      r"'zeros', dense1_bias: 'zeros'\); to give them Constant\(value=3\), pass "
      r"override=True: reinitialize\(net, init.Constant\(value=3\), select='.\*bias', "
      r"override=True\)$"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, init.One(), override="no"),
      TypeError, r"reinitialize: override='no' must be True or False, not str; a non-empty "
      r"string counts as True in Python, so override='no' would mean override=True"),
    C("reinitialize", "convbn", lambda n, X: L.reinitialize(n, init.One(), override=0),
      TypeError, r"override=0 must be True or False, not int"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, init.Constant(float("nan"))),
      ValueError, r"the value of Constant\(value=nan\) for 'dense0_weight' is nan; a NaN or "
      r"inf weight turns every output into NaN: .*pass allow_nonfinite=True to write NaN or "
      r"inf on purpose; nothing was changed"),
    C("reinitialize", "tied", lambda n, X: L.reinitialize(
        n, init.Constant(-np.inf), ".*bias", override=True), ValueError,
      r"Constant\(value=-inf\) for 'dense1_bias' is -inf"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, _NanInit(), ".*weight"), ValueError,
      r"what _NanInit\(\) computes for 'dense0_weight' has 5,120 entries that are NaN or "
      r"infinite \(and 1 more parameter\(s\): dense1_weight\).*nothing was changed"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, allow_nonfinite=1), TypeError,
      r"reinitialize: allow_nonfinite=1 must be True or False, not int"),
    C("reinitialize", "half", lambda n, X: L.reinitialize(n, init.Constant(1e6)), ValueError,
      r"the value of Constant\(value=1000000.0\) for 'dense0_weight' \(1000000.0\) is too "
      r"large for float16"),
    C("reinitialize", "int32", lambda n, X: L.reinitialize(n, init.Constant(2 ** 40)),
      ValueError, r"\(1099511627776\) is outside int32's range"),
    C("reinitialize", "uint8", lambda n, X: L.reinitialize(n, init.Constant(1.5)), ValueError,
      r"\(1.5\) has a fraction, which the integer dtype uint8 would cut off silently"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(_deferred(), init.Constant(np.nan)),
      ValueError, r"for 'dense0_weight' is nan"),  # deferred: checked before the first forward
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, ctx="tpu"), ValueError,
      r"context 'tpu' is not understood"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, ctx=mx.cpu(10 ** 9)), ValueError,
      r"asks for CPU device 1000000000.*cpu:0 to cpu:63"),
    C("reinitialize", "mlp", lambda n, X: L.reinitialize(n, select="weight"), ValueError,
      r"use '\.\*weight'"),
    C("reinitialize", "convbn", lambda n, X: L.reinitialize(n, init.Xavier(), override=True),
      ValueError, r"at least 2 dimensions"),
    C("reinitialize", "custom", lambda n, X: L.reinitialize(n, init.Xavier(), select=".*hidden",
                                                           override=True),
      ValueError, r"'custom0_hidden' has shape \(3,\)"),
    C("reinitialize", "half", lambda n, X: L.reinitialize(n, init.Bilinear(), override=True),
      ValueError, r"at least 4 dimensions"),
    C("initialize_by_pattern", "mlp", lambda n, X: L.initialize_by_pattern(n, [(".*", init.Xavier(
    ))]), ValueError, r"at least 2 dimensions.*nothing was changed"),
    C("initialize_by_pattern", "mlp", lambda n, X: L.initialize_by_pattern(
        n, [(".*weight", init.One()), ("dense0_weight", init.Zero())]), ValueError,
      r"rule 1 \('dense0_weight'\) never applies.*put the narrower pattern first"),
    C("initialize_by_pattern", "mlp", lambda n, X: L.initialize_by_pattern(n, ".*"), TypeError,
      r"rules must be a list of \(pattern, initializer\) pairs"),
    C("initialize_by_pattern", "mlp", lambda n, X: L.initialize_by_pattern(n, [(".*",)]),
      TypeError, r"each rule is a \(pattern, initializer\) pair"),
    C("initialize_by_pattern", "hybrid", lambda n, X: L.initialize_by_pattern(
        n, [("nothing", init.One())]), ValueError, r"'nothing' matches no parameter"),
    C("initialize_by_pattern", "hybrid", lambda n, X: L.initialize_by_pattern(
        n, [(".*weight", init.One())], ctx=mx.Context("cpu_pinned", 0)), ValueError,
      r"device type 'cpu_pinned'.*use mx.cpu\(0\)"),
    C("initialize_by_pattern", "convbn", lambda n, X: L.initialize_by_pattern(
        n, [(".*", init.Xavier())]), ValueError, r"at least 2 dimensions"),
    C("initialize_by_pattern", "hybrid", lambda n, X: L.initialize_by_pattern(
        n, [(".*weight", init.Constant(np.inf))]), ValueError,
      r"Constant\(value=inf\) for 'dense0_weight' is inf.*allow_nonfinite=True"),
    C("initialize_by_pattern", "mlp", lambda n, X: L.initialize_by_pattern(
        n, [(".*bias", _NanInit())], allow_nonfinite="yes"), TypeError,
      r"initialize_by_pattern: allow_nonfinite='yes' must be True or False"),
    C("initialize_by_pattern", "custom", lambda n, X: L.initialize_by_pattern(
        n, [("(", init.One())]), ValueError, r"rule 0 pattern '\(' is not a valid regular"),
    C("explain_init", "mlp", lambda n, X: L.explain_init(n, "nope"), ValueError,
      r"'nope' is not an initializer name"),
    C("explain_init", "mlp", lambda n, X: L.explain_init(n[0].weight), TypeError,
      r"must be a gluon.Block, a ParameterDict, not Parameter"),
    C("check_init", "mlp", lambda n, X: L.check_init(n, "zeros"), TypeError,
      r"param must be one gluon.Parameter \(e.g. net\[0\].weight\)"),
    C("check_init", "mlp", lambda n, X: L.check_init(n[0].weight, 42), TypeError,
      r"init must be an mx.init.Initializer instance"),
    C("check_init", "half", lambda n, X: L.check_init(n[0].weight, "xavierr"), ValueError,
      r"'xavierr' is not an initializer name"),
    C("check_init", "mlp", lambda n, X: L.check_init(nn.Dense(3).weight, "zeros"), RuntimeError,
      r"was never initialized: it has no values yet; call net.initialize"),
    C("check_init", "mlp", lambda n, X: L.check_init(n[1].bias, init.Normal(0)), ValueError,
      r"a normal distribution with sigma=0 cannot have drawn these values: MXNet refuses to "
      r"draw with sigma <= 0; check against the initializer that ran"),
    C("check_init", "tied", lambda n, X: L.check_init(n[0].weight, init.Xavier(
        rnd_type="gaussian", magnitude=0)), ValueError, r"sigma=0 cannot have drawn"),
    # set_value: what a value may be for the parameter's dtype
    C("set_value", "mlp", lambda n, X: L.set_value(n[0].weight, np.ones((3, 3))), ValueError,
      r"has shape \(3, 3\) but the parameter has shape \(256, 20\)"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[0].weight, "abc"), TypeError,
      r"the value is text \('abc'\), not a number; pass a number"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[0].weight, "x"), TypeError,
      r"the value is text \('x'\), not a number"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[0].weight, np.full((256, 20), "a")),
      ValueError, r"the value has dtype <U1, which cannot be stored in 'dense0_weight' "
      r"\(dtype float32\)"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[0].weight, [1.0]), TypeError,
      r"must be a number, an NDArray, a NumPy array or a function old -> new, not list"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[0].weight, np.nan), ValueError,
      r"set_value\(dense0_weight\): the value is nan; a NaN or inf weight turns every output "
      r"into NaN: check the computation that produced it, or pass allow_nonfinite=True"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[0].weight, 1.0, allow_nonfinite="no"),
      TypeError, r"set_value: allow_nonfinite='no' must be True or False, not str"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[0], 1.0), TypeError,
      r"set_value needs a gluon.Parameter, not Dense \(a layer: pass one of its parameters"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[0].bias, 1j), ValueError,
      r"dtype complex128, which cannot be stored"),
    C("set_value", "mlp", lambda n, X: L.set_value(n[1].bias, lambda old: old[:2]), ValueError,
      r"the function's result has shape \(2,\) but the parameter has shape \(10,\)"),
    C("set_value", "mlp", _recording(lambda n, X: L.set_value(n[1].bias, 0.0)), RuntimeError,
      r"inside autograd.record\(\).*autograd.pause"),
    C("set_value", "hybrid", lambda n, X: L.set_value(n[0].weight, np.inf), ValueError,
      r"the value is inf; a NaN or inf weight"),
    C("set_value", "hybrid", lambda n, X: L.set_value(n[1].bias, np.array([1, np.nan, 2])),
      ValueError, r"the value has 1 entries that are NaN or infinite \(first nan at index \[1\]\)"),
    C("set_value", "half", lambda n, X: L.set_value(n[0].weight, 1e6), ValueError,
      r"the value \(1000000.0\) is too large for float16: float16 holds up to 65504, so it "
      r"would become inf; scale down, or use a wider dtype \(net.cast\('float32'\)\)"),
    C("set_value", "half", lambda n, X: L.set_value(n[0].weight, 1e6, allow_nonfinite=True),
      ValueError, r"too large for float16"),  # an overflow is no NaN asked for
    C("set_value", "int32", lambda n, X: L.set_value(n[0].weight, 2 ** 40), ValueError,
      r"the value \(1099511627776\) is outside int32's range \[-2147483648, 2147483647\]: "
      r"int32 would wrap it silently"),
    C("set_value", "int32", lambda n, X: L.set_value(n[0].weight, 2 ** 31), ValueError,
      r"outside int32's range.*\(2147483648 becomes -2147483648\)"),
    C("set_value", "int32", lambda n, X: L.set_value(n[0].weight, 2 ** 70), ValueError,
      r"outside int32's range"),
    C("set_value", "int32", lambda n, X: L.set_value(n[0].weight, 1.5), ValueError,
      r"the value \(1.5\) has a fraction, which the integer dtype int32 would cut off "
      r"silently; round first"),
    C("set_value", "int32", lambda n, X: L.set_value(n[0].weight, np.nan, allow_nonfinite=True),
      ValueError, r"the value \(nan\) is NaN or infinite, which the integer dtype int32 "
      r"cannot hold"),
    C("set_value", "uint8", lambda n, X: L.set_value(n[0].weight, -1), ValueError,
      r"the value \(-1\) is outside uint8's range \[0, 255\]: uint8 would wrap it "
      r"silently \(-1 becomes 255\)"),
    C("set_value", "uint8", lambda n, X: L.set_value(n[0].weight, np.array([[1], [300]])),
      ValueError, r"first 300 at index \[1, 0\]"),
    C("set_value", "custom", lambda n, X: L.set_value(n.params.get("hidden"), np.ones(5)),
      ValueError, r"has shape \(5,\) but the parameter has shape \(3,\)"),
    C("set_value", "mlp", lambda n, X: L.set_value(nn.Dense(2).weight, 1.0), RuntimeError,
      r"was never initialized: it has no values yet"),
    # copy_params: every pair checked first, all mismatches in one message
    C("copy_params", "mlp", lambda n, X: L.copy_params(n, _empty(n, X)), ValueError,
      r"dst .* has no parameters"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(_empty(n, X), n), ValueError,
      r"src .* has no parameters"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(_other("hybrid")(), n), ValueError,
      r"(?s)copy_params: 4 mismatch\(es\), nothing was copied.*shape \(8, 5\) in src, \(256, 20\)"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(n, _other("mlp")(), mapping={
        "0.wieght": "0.weight"}), KeyError, r"'0.wieght'.*close names"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(n, 3), TypeError, r"dst must be"),
    C("copy_params", "custom", lambda n, X: L.copy_params(_other("mlp")(), n), ValueError,
      r"hidden: in dst but not in src"),
    C("copy_params", "half", lambda n, X: L.copy_params(_f32_twin(), n), ValueError,
      r"dtype float32 in src, float16 in dst; cast one"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(_deferred(), n), RuntimeError,
      r"\(src 0.weight\) is deferred, shape \(256, \?\): it has no values yet"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(_other("mlp")(), n, mapping="0.weight"),
      TypeError, r"copy_params: mapping must be a dict \{src: dst\} such as "
      r"\{'0.weight': '0.weight'\}, not str"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(_other("mlp")(), n, mapping={}),
      ValueError, r"copy_params: mapping=\{\} pairs nothing, so nothing would be copied"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(_other("mlp")(), n, mapping={0: 1}),
      TypeError, r"mapping pairs names .*, not int -> int"),
    C("copy_params", "tied", lambda n, X: L.copy_params(_other("tied")(), n, ".*bias",
                                                        mapping={"0.weight": "0.weight"}),
      ValueError, r"keep none of the pairs of mapping \('0.weight'\), so nothing would be"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(_nan_twin(n, X), n), ValueError,
      r"copy_params: src 0.weight has 1 entries that are NaN or infinite; a NaN or inf weight "
      r"turns every output into NaN: .*allow_nonfinite=True.*; nothing was copied"),
    C("copy_params", "mlp", lambda n, X: L.copy_params(_other("mlp")(), n, allow_nonfinite=0),
      TypeError, r"copy_params: allow_nonfinite=0 must be True or False"),
    # snapshot, diff
    C(("snapshot", "Snapshot"), "mlp", lambda n, X: L.snapshot(3), TypeError,
      r"snapshot target must be a gluon.Block"),
    C("diff", "mlp", lambda n, X: L.diff(3, n), TypeError, r"before must be a Snapshot.*snapshot"),
    C("diff", "mlp", lambda n, X: L.diff(L.snapshot(n), _grown()), ValueError,
      r"before and after hold different parameters: after has '2.weight', '2.bias', which "
      r"before lacks \(a layer added or removed\?\).*take a new snapshot"),
    C("diff", "hybrid", lambda n, X: L.diff(L.snapshot(_grown()), _other("mlp")()), ValueError,
      r"before has '2.weight', '2.bias', which after lacks"),
    C("diff", "tied", lambda n, X: L.diff(L.snapshot(n), _untied()), ValueError,
      r"the same paths hold other parameters .*a tie added or removed\?"),
    C("diff", "mlp", lambda n, X: L.diff(L.snapshot(n), _other("hybrid")()), ValueError,
      r"'dense0_weight' \(0.weight\) changed shape from \(256, 20\) to \(8, 5\)"),
    C("snapshot", "mlp", lambda n, X: L.snapshot(_deferred())["0.weight"], RuntimeError,
      r"when the snapshot was taken, parameter 'dense0_weight' \(0.weight\) is deferred"),
    C("snapshot", "custom", lambda n, X: L.snapshot(n)["hiddn"], KeyError,
      r"'hiddn' is not in this snapshot; close names: \['hidden'\]"),
    # summary, hist
    C(("summary", "Summary"), "mlp", lambda n, X: L.summary(n, "weight"), ValueError,
      r"use '\.\*weight'"),
    C("summary", "mlp", lambda n, X: L.summary([n]), TypeError, r"not list"),
    C("summary", "mlp", lambda n, X: L.summary(n, stats="no"), TypeError,
      r"summary: stats='no' must be True or False, not str"),
    C("summary", "tied", lambda n, X: L.summary(n, grads=None), TypeError,
      r"summary: grads=None must be True or False, not NoneType"),
    C("Summary", "mlp", lambda n, X: L.Summary([], title="t", stats="yes"), TypeError,
      r"Summary: stats='yes' must be True or False"),
    C("summary", "convbn", lambda n, X: L.summary(n, "[a-"), ValueError, r"not a valid regular"),
    C("hist", "mlp", lambda n, X: L.hist(n, ax=3), TypeError, r"ax must be a matplotlib Axes"),
    C("hist", "mlp", lambda n, X: L.hist(n, bins=0), ValueError,
      r"hist: bins=0 must be a whole number >= 1, e.g. bins=50"),
    C("hist", "custom", lambda n, X: L.hist(n, ".*hidden", bins=1.5), TypeError,
      r"hist: bins=1.5 must be a whole number >= 1, not float"),
    C("hist", "mlp", lambda n, X: L.hist(n, bins="10"), TypeError, r"bins='10' .* not str"),
    C("hist", "mlp", lambda n, X: L.hist(n, bins=np.int64(-3)), ValueError,
      r"hist: bins=-3 must be a whole number >= 1"),
    C("hist", "mlp", lambda n, X: L.hist(_deferred()), RuntimeError,
      r"'dense0_weight' is deferred.*no values yet"),
    # contexts: specs no machine has are refused before anything runs
    C("resolve_ctx", "mlp", lambda n, X: L.resolve_ctx(3), TypeError, r"ctx must be a string"),
    C("resolve_ctx", "mlp", lambda n, X: L.resolve_ctx("cpu:x"), ValueError,
      r"device index 'x', which is not a whole number"),
    C("resolve_ctx", "mlp", lambda n, X: L.resolve_ctx(mx.cpu(-1)), ValueError,
      r"device index -1, which is negative; .*mx.cpu\(0\)"),
    C("resolve_ctx", "mlp", lambda n, X: L.resolve_ctx(mx.gpu(10 ** 6)), ValueError,
      r"asks for a GPU|asks for GPU 1000000"),
    C("resolve_ctx", "mlp", lambda n, X: L.resolve_ctx(mx.Context("cpu_shared", 0)), ValueError,
      r"device type 'cpu_shared'"),
    C("resolve_ctx", "mlp", lambda n, X: L.resolve_ctx("cpu:99999999999"), ValueError,
      r"asks for CPU device 99999999999"),
    C("try_gpu", "mlp", lambda n, X: L.try_gpu(-1), ValueError,
      r"try_gpu: i=-1 must be a whole number >= 0 \(a GPU index"),
    C("try_gpu", "mlp", lambda n, X: L.try_gpu("0"), TypeError, r"i='0' .*, not str"),
    C("try_gpu", "mlp", lambda n, X: L.try_gpu(np.float32(0)), TypeError, r"not float32"),
    C("reset_ctx", "mlp", lambda n, X: L.reset_ctx(n, mx.cpu(-1)), ValueError, r"negative"),
    C("reset_ctx", "mlp", lambda n, X: L.reset_ctx(n, []), ValueError, r"empty list of contexts"),
    C("reset_ctx", "mlp", lambda n, X: L.reset_ctx(n, "cpu:0,cpu:0"), ValueError,
      r"listed twice"),
    C("reset_ctx", "hybrid", lambda n, X: L.reset_ctx(n, "cpu:0,cpu:100"), ValueError,
      r"CPU device 100"),
    C("reset_ctx", "custom", lambda n, X: L.reset_ctx(n, "gpu:0"), ValueError,
      r"asks for a GPU|asks for GPU"),
    C("replicas", "mlp", lambda n, X: L.replicas(3), TypeError, r"net must be"),
    C("replicas", "mlp", lambda n, X: L.replicas(_empty(n, X)), ValueError, r"has no parameters"),
    C("check_forward_ctx", "mlp", lambda n, X: L.check_forward_ctx(n, X.as_in_context(mx.cpu(1))),
      ValueError, r"the data is on cpu\(1\) but parameter 'dense0_weight'"),
    C("check_forward_ctx", "mlp", lambda n, X: L.check_forward_ctx(n, X.asnumpy()), TypeError,
      r"X must be an MXNet array"),
    C("check_forward_ctx", "mlp", lambda n, X: L.check_forward_ctx(_raw(), X), RuntimeError,
      r"parameter 'dense0_weight' \(0.weight\) was never initialized: it has no values yet"),
    C("lecture_mlp", "mlp", lambda n, X: L.lecture_mlp(ctx="tpu"), ValueError, r"'tpu'"),
    C("lecture_mlp", "mlp", lambda n, X: L.lecture_mlp(seed="x"), TypeError,
      r"lecture_mlp: seed='x' must be a whole number from 0 to 2147483647, not str"),
    C("lecture_mlp", "mlp", lambda n, X: L.lecture_mlp(seed=1.5), TypeError,
      r"seed=1.5 must be a whole number .*, not float"),
    C("lecture_mlp", "mlp", lambda n, X: L.lecture_mlp(seed=2 ** 32), ValueError,
      r"seed=4294967296 must be a whole number from 0 to 2147483647"),
    C("lecture_tied_mlp", "mlp", lambda n, X: L.lecture_tied_mlp(seed=True), TypeError,
      r"lecture_tied_mlp: seed=True .*, not bool"),
    C("MyInit", "mlp", lambda n, X: L.MyInit(verbose="no"), TypeError,
      r"MyInit: verbose='no' must be True or False"),
    C("lecture_tied_mlp", "mlp", lambda n, X: L.lecture_tied_mlp(ctx=mx.cpu(-1)), ValueError,
      r"negative"),
    # sharing
    C("tied_groups", "mlp", lambda n, X: L.tied_groups(n.collect_params()), TypeError,
      r"tied_groups: net must be a gluon.Block"),
    C("tied_groups", "tied", lambda n, X: L.tied_groups(n, "X"), TypeError,
      r"tied_groups needs X as an array batch"),
    C("tied_groups", "mlp", lambda n, X: L.tied_groups(_raw(), X), RuntimeError,
      r"parameter 'dense0_weight' \(0.weight\) was never initialized: it has no values yet"),
    C("tied_groups", "tied", lambda n, X: L.tied_groups(n, X.as_in_context(mx.cpu(1))),
      ValueError, r"tied_groups cannot run net\(X\): the data is on cpu\(1\) but parameter "
      r"'dense1_weight' \(0.weight\) lives on \[cpu\(0\)\]; move the data"),
    C("tied_groups", "hybrid", lambda n, X: L.tied_groups(n, nd.ones((2, 7))), ValueError,
      r"tied_groups: the net cannot take a batch of shape \(2, 7\)"),
    C("tied_groups", "half", lambda n, X: L.tied_groups(n, X), ValueError,
      r"tied_groups cannot run net\(X\) in float16 on cpu\(0\): MXNet's CPU build has no "
      r"float16 Dense or Conv2D forward .*cast the net and the batch to float32"),
    C("tied_gradients", "half", lambda n, X: L.tied_gradients(n, X), ValueError,
      r"tied_gradients cannot run net\(X\) in float16 on cpu\(0\)"),
    C("tied_gradients", "tied", lambda n, X: L.tied_gradients(n, [X]), TypeError,
      r"tied_gradients needs X as an array batch .*not list"),
    C("tied_gradients", "hybrid", lambda n, X: L.tied_gradients(n, nd.ones((2, 7))), ValueError,
      r"cannot take a batch of shape \(2, 7\)"),
    C("is_tied", "mlp", lambda n, X: L.is_tied(n[0].weight, n[0]), TypeError, r"not one of each"),
    C("is_tied", "mlp", lambda n, X: L.is_tied(nn.Activation("relu"), nn.Activation("relu")),
      ValueError, r"has no parameters, so it cannot be tied"),
    C("tied_dense", "mlp", lambda n, X: L.tied_dense(n[0], 16), ValueError,
      r"cannot tie a new Dense\(16\)"),
    C("tied_dense", "custom", lambda n, X: L.tied_dense(n), TypeError, r"not Custom"),
    C("tied_dense", "mlp", lambda n, X: L.tied_dense(n[0], "x"), TypeError,
      r"tied_dense: units='x' must be a whole number >= 1, not str; leave units out to take "
      r"the shared layer's \(256\)"),
    C("tied_dense", "mlp", lambda n, X: L.tied_dense(n[0], params=n[0].params), TypeError,
      r"tied_dense passes params=shared.params itself, so params= cannot be given too"),
    C("tied_dense", "mlp", lambda n, X: L.tied_dense(n[0], in_units=5), ValueError,
      r"in_units=5 asks for a weight of shape \(256, 5\), but 'dense0_weight' has shape "
      r"\(256, 20\); leave in_units out \(the shared weight decides it: 20 inputs\)"),
    C("tied_dense", "tied", lambda n, X: L.tied_dense(n[1], in_units=None), TypeError,
      r"tied_dense: in_units=None must be a whole number >= 0, not NoneType"),
    C("tied_dense", "mlp", lambda n, X: L.tied_dense(n[0], use_bias="no"), TypeError,
      r"tied_dense: use_bias='no' must be True or False"),
    C("tied_dense", "mlp", lambda n, X: L.tied_dense(n[0], dtype="float99"), TypeError,
      r"tied_dense: dtype='float99' is not a dtype; leave dtype out"),
    # the distributed demo: checked before any process starts
    C(("run_dist", "DistResult"), "mlp", lambda n, X: L.run_dist(0), ValueError,
      r"workers=0 is out of range"),
    C("run_dist", "mlp", lambda n, X: L.run_dist(2, timeout=-1), ValueError, r"timeout=-1"),
    C("run_dist", "mlp", lambda n, X: L.run_dist(2, port=80), ValueError, r"port"),
    # l10_params.testing: AssertionError for a false claim, TypeError/ValueError for misuse
    C("testing.assert_tied", "mlp", lambda n, X: T.assert_tied(n[0], n[1]), AssertionError,
      r"(?s)are not tied: build one with params=.*params=first.params"),
    C("testing.assert_tied", "mlp", lambda n, X: T.assert_tied(n[0], 3), TypeError,
      r"two Parameters or two layers"),
    C("testing.assert_not_tied", "tied", lambda n, X: T.assert_not_tied(n[1], n[2]),
      AssertionError, r"share Parameters: build 'dense2' without params="),
    C("testing.assert_initialized", "mlp", lambda n, X: T.assert_initialized(3), TypeError,
      r"must be a gluon.Block"),
    C("testing.assert_init_matches", "convbn", lambda n, X: T.assert_init_matches(n, "ones"),
      AssertionError, r"does not look like One\(\): explain_init\(net\)"),
    C("testing.assert_params_equal", "mlp", lambda n, X: T.assert_params_equal(n, 5), TypeError,
      r"not int as b"),
    C("testing.assert_params_equal", "mlp", lambda n, X: T.assert_params_equal(
        _nan_twin(n, X), n), AssertionError, r"1 of 5120 values differ, largest inf at \[0, 0\]"),
    C("testing.assert_params_equal", "half", lambda n, X: T.assert_params_equal(
        n, _other("mlp")()), AssertionError, r"shape \(4, 3\) in a, \(256, 20\) in b"),
    C("testing.assert_selects", "mlp", lambda n, X: T.assert_selects(n, "weight", "dense0_weight"),
      TypeError, r"expected_names must be a list"),
    C("testing.assert_frozen", "mlp", lambda n, X: T.assert_frozen(n, "bias"), ValueError,
      r"use '\.\*bias'"),
    C("testing.assert_frozen", "convbn", lambda n, X: T.assert_frozen(n), AssertionError,
      r"4 of 6 selected still train: freeze them: freeze\(net\)"),
    C("testing.assert_param_at", "mlp", lambda n, X: T.assert_param_at(n, "9.weight", n[0].weight),
      ValueError, r"no parameter at path '9.weight'"),
    C("testing.assert_grad_is_sum", "mlp", lambda n, X: T.assert_grad_is_sum(n, X),
      AssertionError, r"net has no tied parameters: build a layer with params="),
    C("testing.assert_grad_norms", "mlp", lambda n, X: T.assert_grad_norms(n, [1.0]), TypeError,
      r"reported must be a dict"),
    C("testing.assert_losses", "mlp", lambda n, X: T.assert_losses([1.0, 2.0]), AssertionError,
      r"the loss did not go down"),
    C("testing.assert_losses", "mlp", lambda n, X: T.assert_losses([1.0], steps=0), ValueError,
      r"assert_losses: steps=0 must be a whole number >= 2"),
    C("testing.assert_frozen", "mlp", lambda n, X: T.assert_frozen(n, frozen="no"), TypeError,
      r"assert_frozen: frozen='no' must be True or False, not str"),
    C("testing.assert_params_equal", "mlp", lambda n, X: T.assert_params_equal(n, n, atol="x"),
      TypeError, r"assert_params_equal: atol='x' must be a finite number >= 0, not str"),
    C("testing.assert_params_equal", "tied", lambda n, X: T.assert_params_equal(n, n, rtol=-1),
      ValueError, r"assert_params_equal: rtol=-1 must be a finite number >= 0"),
    C("testing.assert_params_equal", "mlp", lambda n, X: T.assert_params_equal(
        n, n, rtol=float("nan")), ValueError, r"rtol=nan must be a finite number"),
    C("testing.assert_grad_is_sum", "tied", lambda n, X: T.assert_grad_is_sum(n, X, rtol=-1e-3),
      ValueError, r"assert_grad_is_sum: rtol=-0.001 must be a finite number >= 0"),
    C("testing.assert_grad_norms", "mlp", lambda n, X: T.assert_grad_norms(n, {}, atol=None),
      TypeError, r"assert_grad_norms: atol=None must be a finite number >= 0, not NoneType"),
    C("testing.assert_init_matches", "mlp", lambda n, X: T.assert_init_matches(_deferred(),
                                                                                "uniform"),
      RuntimeError, r"parameter 'dense0_weight' \(0.weight\) is deferred, shape \(256, \?\): it "
      r"has no values yet"),
]


class _NanInit(init.Initializer):
    """An initializer whose draw goes wrong: every weight NaN."""

    def _init_weight(self, name, data):
        data[:] = float("nan")


def _grown():
    """The lecture's MLP with a third layer added: paths 2.weight, 2.bias more."""
    net, X = KINDS["mlp"]()
    with L.fresh_names():
        bigger = nn.Sequential()
        bigger.add(nn.Dense(256, activation="relu"), nn.Dense(10), nn.Dense(3))
    bigger.initialize()
    bigger(X)
    return bigger


def _untied():
    """The tied MLP's layers, each with its own parameters."""
    with L.fresh_names():
        net = nn.Sequential()
        net.add(*(nn.Dense(u, activation="relu") for u in (8, 8, 8)), nn.Dense(10))
    net.initialize()
    net(KINDS["tied"]()[1])
    return net


def _raw():
    """Dense(256) -> Dense(10), never initialized."""
    with L.fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(256), nn.Dense(10))
    return net


def _f32_twin():
    net, _ = KINDS["half"]()
    net.cast("float32")
    return net


def _deferred():
    with L.fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(256), nn.Dense(10))
    net.initialize()
    return net


def _id(case: Case) -> str:
    api = case.api if isinstance(case.api, str) else case.api[0]
    return f"{api}-{case.net}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_refused_with_a_clear_error_and_nothing_changed(mode, case):
    net, X = KINDS[case.net]()
    before = checksum(net)
    with pytest.raises(case.exc, match=case.match) as info:
        case.call(net, X)
    kind = type(info.value)
    testing = any(a.startswith("testing.") for a in np.atleast_1d(case.api))
    assert kind in ALLOWED + ((AssertionError,) if testing else ()), (
        f"{kind.__module__}.{kind.__name__} is not a plain built-in error: {info.value}")
    assert kind.__module__ == "builtins"
    assert checksum(net) == before, "a refused call changed the net"


EXEMPT = {  # public names with no wrong input of their own, and why
    "Check": "a result object check_init builds", "Summary": "covered by summary's rows",
    "num_gpus": "takes no argument", "try_all_gpus": "takes no argument",
    "fresh_names": "takes no argument",
}


def test_every_public_name_has_a_case():
    covered = {a for c in CASES for a in np.atleast_1d(c.api)}
    missing = set(L.__all__) - covered - set(EXEMPT)
    assert not missing, f"add catalogue rows for {sorted(missing)}"
    takes_nothing = {"testing.explain_errors"}  # no argument, so no wrong input
    missing = {f"testing.{n}" for n in T.__all__} - covered - takes_nothing
    assert not missing, f"add catalogue rows for {sorted(missing)}"
    assert set(EXEMPT) <= set(L.__all__), "an exempt name left the API: drop it from EXEMPT"


def test_catalogue_size_and_kinds():
    assert len(CASES) + len(CLI_CASES) >= 80
    assert {c.net for c in CASES} == set(KINDS)


# the command line: status 2, one line on stderr, no traceback


def _files(tmp_path):
    empty = tmp_path / "empty.params"
    empty.write_bytes(b"")
    return {"DIR": str(tmp_path), "EMPTY": str(empty), "MISSING": str(tmp_path / "no.params")}


CLI_CASES = [
    (["tour", "--ctx", "tpu"], "context 'tpu' is not understood"),
    (["tour", "--ctx", "cpu:-1"], "which is not a whole number"),
    (["tour", "--ctx", "cpu:100000"], "asks for CPU device 100000"),
    (["tour", "--step", "0"], "step must be a whole number from 1 to"),
    (["tour", "--lang", "fr"], "invalid choice: 'fr'"),
    (["summary"], "the following arguments are required: target"),
    (["summary", "resnet18"], "is neither a file nor a model-zoo name"),
    (["summary", "DIR"], "is a directory; give a file written by net.save_parameters"),
    (["summary", "EMPTY"], "is not a file written by save_parameters"),
    (["summary", "MISSING"], "cannot be read (No such file or directory)"),
    (["dist", "--workers", "0"], "workers=0 is out of range"),
    (["dist", "--timeout", "-1"], "timeout=-1.0 must be a positive number"),
    (["dist", "--steps", "x"], "argument --steps: invalid int value: 'x'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize("argv, message", CLI_CASES, ids=[" ".join(a) for a, _ in CLI_CASES])
def test_cli_wrong_arguments_exit_2_with_one_line(argv, message, capsys, tmp_path):
    files = _files(tmp_path)
    assert main([files.get(a, a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def _net(initialize: bool):
    with lp.fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(4), nn.Dense(2))
    if initialize:
        net.initialize()  # deferred: the input size is not known yet
    return net


NEEDS_VALUES = {
    "replicas": lambda n: lp.replicas(n),
    "reset_ctx": lambda n: lp.reset_ctx(n, "cpu"),
    "check_init": lambda n: lp.check_init(n[0].weight, init.Uniform()),
    "hist": lambda n: lp.hist(n),
    "tied_gradients": lambda n: lp.tied_gradients(n, nd.ones((2, 3))),
    "copy_params": lambda n: lp.copy_params(n, lp.lecture_mlp(ctx="cpu", seed=0)[0]),
}
WORDS = {True: r"parameter 'dense0_weight'.* is deferred, shape \(4, \?\): it has no values yet",
         False: r"parameter 'dense0_weight'.* was never initialized: it has no values yet"}


@pytest.mark.parametrize("deferred", [True, False], ids=["deferred", "never-initialized"])
@pytest.mark.parametrize("name", sorted(NEEDS_VALUES))
def test_no_values_yet_is_one_runtime_error(name, deferred):
    with pytest.raises(RuntimeError, match=WORDS[deferred]):
        NEEDS_VALUES[name](_net(deferred))


@pytest.mark.parametrize("deferred", [True, False], ids=["deferred", "never-initialized"])
def test_no_values_yet_in_a_homework_claim_is_the_same_runtime_error(deferred):
    with pytest.raises(RuntimeError, match=WORDS[deferred]):
        testing.assert_init_matches(_net(deferred), "uniform")


ONE_PARAMETER = {  # a Parameter where a ParameterDict would do: accepted alike everywhere
    "select": lambda p: list(lp.select(p, ".*weight")),
    "summary": lambda p: [r.name for r in lp.summary(p, ".*weight").rows],
    "freeze": lambda p: lp.freeze(p, ".*weight"),
    "reinitialize": lambda p: lp.reinitialize(p, init.One(), select=".*weight"),
    "hist": lambda p: [t.get_text().split()[0]
                       for t in lp.hist(p, ".*weight").get_legend().get_texts()],
}


@pytest.mark.parametrize("name", sorted(ONE_PARAMETER))
def test_a_parameter_with_select_is_accepted_alike(name):
    import matplotlib

    matplotlib.use("Agg")
    net, _ = lp.lecture_mlp(ctx="cpu", seed=0)
    assert ONE_PARAMETER[name](net[0].weight) == ["dense0_weight"]


NOT_A_NET = {
    "summary": lambda x: lp.summary(x),
    "select": lambda x: lp.select(x),
    "snapshot": lambda x: lp.snapshot(x),
    "replicas": lambda x: lp.replicas(x),
    "hist": lambda x: lp.hist(x),
    "reinitialize": lambda x: lp.reinitialize(x),
}


@pytest.mark.parametrize("name", sorted(NOT_A_NET))
def test_not_a_net_is_one_type_error(name):
    with pytest.raises(TypeError, match=r"must be a gluon\.Block, a ParameterDict"):
        NOT_A_NET[name]({"dense0_weight": 1})


NEEDS_THE_NET = {  # helpers that run a forward pass or follow the net's structure
    "param_at": lambda d, X: lp.param_at(d, "0.weight"),
    "tied_groups": lambda d, X: lp.tied_groups(d),
    "tied_gradients": lambda d, X: lp.tied_gradients(d, X),
    "check_forward_ctx": lambda d, X: lp.check_forward_ctx(d, X),
    "assert_param_at": lambda d, X: testing.assert_param_at(d, "0.weight", None),
    "assert_grad_is_sum": lambda d, X: testing.assert_grad_is_sum(d, X),
    "assert_grad_norms": lambda d, X: testing.assert_grad_norms(d, {}),
}


@pytest.mark.parametrize("name", sorted(NEEDS_THE_NET))
def test_collect_params_where_the_net_is_needed_is_one_type_error(name):
    net, X = lp.lecture_mlp(ctx="cpu", seed=0)
    with pytest.raises(TypeError) as e:
        NEEDS_THE_NET[name](net.collect_params(), X)
    head = f"{name}: net must be a gluon.Block (the network itself), not ParameterDict ("
    assert str(e.value).startswith(head), str(e.value)
    assert str(e.value).endswith("; pass net, not net.collect_params() or one of its parameters")
    assert "\n" not in str(e.value)  # the ParameterDict's repr, on one line


def test_a_parameter_dict_is_still_a_dict():
    assert isinstance(lp.select(lp.lecture_mlp(ctx="cpu", seed=0)[0]), gluon.ParameterDict)


matplotlib.use("Agg")


def test_initialize_by_pattern_is_all_or_nothing_on_a_parameter_dict():
    """The second parameter cannot be initialized (shape unknown, no layer to infer it):
    the first one must not have been written when the error comes."""
    pd = gluon.ParameterDict()
    a = pd.get("a_weight", shape=(2, 2))
    pd.get("b_weight", shape=(3, 0))
    a.initialize()
    before = checksum(pd)
    with pytest.raises(ValueError, match=r"'b_weight' has shape \(3, \?\) and nothing can infer "
                                         r"the unknown dimensions.*give it a full shape"):
        L.initialize_by_pattern(pd, [("a.*", init.Normal(1)), ("b.*", init.One())])
    assert checksum(pd) == before


def test_a_parameter_kept_only_in_self_params_is_seen_by_every_helper():
    net, X = custom()
    other, _ = custom()
    L.set_value(other.params.get("hidden"), 5.0)
    L.set_value(other.w, 0.5)
    assert [r.path for r in L.summary(net).rows] == ["w", "hidden"]
    assert "hidden" in L.snapshot(net).by_path()
    before = L.snapshot(other)
    assert L.copy_params(net, other) == [("w", "w"), ("hidden", "hidden")]
    changed = {r.paths[0]: r.changed for r in L.diff(before, other).rows}
    assert changed == {"w": 12, "hidden": 3}
    assert_params_equal(net, other)
    np.testing.assert_array_equal(net(X).asnumpy(), other(X).asnumpy())


def test_running_statistics_are_neither_unfrozen_nor_blamed():
    net, _ = convbn()
    L.freeze(net)
    assert L.unfreeze(net) == ["conv0_weight", "conv0_bias", "batchnorm0_gamma",
                               "batchnorm0_beta"]
    assert net[1].running_mean.grad_req == "null"
    assert_frozen(net, frozen=False)  # the running statistics are 'null' by nature


def test_row_sparse_parameters_are_read():
    w = gluon.Parameter("rs_weight", shape=(4, 3), stype="row_sparse")
    w.initialize(init=init.One(), ctx=[mx.cpu(0), mx.cpu(1)])
    s = L.summary(w, stats=True)
    assert (s.rows[0].mean, s.rows[0].zeros) == (1.0, 0.0)
    assert L.snapshot(w)["rs_weight"].sum() == 12
    assert all(r.identical for r in L.replicas(w))
    ax = L.hist(w)
    assert ax.get_legend().get_texts()[0].get_text() == "rs_weight (4, 3)"


def _deferred_dense3():
    with L.fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(3))
    net.initialize()
    return net


NO_VALUES = {
    "snapshot": lambda n: L.snapshot(n)["0.weight"],
    "check_init": lambda n: L.check_init(n[0].weight, "zeros"),
    "hist": lambda n: L.hist(n),
    "replicas": lambda n: L.replicas(n),
    "reset_ctx": lambda n: L.reset_ctx(n, "cpu"),
    "copy_params": lambda n: L.copy_params(n, L.lecture_mlp(ctx="cpu")[0]),
    "tied_gradients": lambda n: L.tied_gradients(n, nd.ones((2, 4))),
}


@pytest.mark.parametrize("helper", sorted(NO_VALUES))
def test_no_values_yet_is_one_runtime_error_everywhere(helper):
    with pytest.raises(RuntimeError, match=r"parameter 'dense0_weight' .*is deferred, shape "
                                           r"\(3, \?\): it has no values yet .*run one forward"):
        NO_VALUES[helper](_deferred_dense3())


def test_a_parameter_with_select_behaves_one_way():
    net, _ = mlp()
    w = net[0].weight
    assert list(L.select(w, ".*weight")) == ["dense0_weight"]
    assert [r.name for r in L.summary(w, ".*weight").rows] == ["dense0_weight"]
    assert L.reinitialize(w, init.One(), select=".*weight") == ["dense0_weight"]
    for call in (lambda: L.select(w, ".*bias"), lambda: L.summary(w, ".*bias"),
                 lambda: L.hist(w, ".*bias"), lambda: L.reinitialize(w, select=".*bias")):
        with pytest.raises(ValueError, match=r"pattern '\.\*bias' matches no parameter"):
            call()


def test_reset_ctx_writes_back_what_gluons_averaging_overflows():
    """Gluon's reset_ctx averages the copies: (65504 + 65504) / 2 is inf in float16."""
    with L.fresh_names():
        net = nn.Dense(2, in_units=2)
    net.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    net.cast("float16")
    for d in net.weight.list_data():
        d[0, 0] = 65504
    t = L.reset_ctx(net, "cpu:0")
    assert net.weight.data().asnumpy()[0, 0] == 65504 and all(r.unchanged for r in t)
    assert "which changed dense0_weight (weight)" in str(t)


def test_reset_ctx_refuses_a_row_sparse_parameter_before_moving_anything():
    pd = gluon.ParameterDict()
    pd.get("a_weight", shape=(2, 2)).initialize(ctx=mx.cpu(0))
    pd.get("rs_weight", shape=(4, 3), stype="row_sparse").initialize(ctx=mx.cpu(0))
    before = checksum(pd)
    with pytest.raises(ValueError, match=r"'rs_weight' \(rs_weight\) is row_sparse: Gluon's "
                                         r"reset_ctx gathers its copies through its Trainer"):
        L.reset_ctx(pd, "cpu:1")
    assert checksum(pd) == before


def test_a_private_copy_runs_none_of_the_users_hooks(mode):
    """tied_groups and tied_gradients run forwards on a private copy of the net: the hooks a
    student registered on the net stay with the net and never run for them."""
    net, X = KINDS["tied"]()
    seen = []
    net[1].register_forward_hook(lambda block, args, out: seen.append(("hook", block.name)))
    net[2].register_forward_pre_hook(lambda block, args: seen.append(("pre", block.name)))
    assert L.tied_groups(net, X) == [["1.weight", "2.weight"], ["1.bias", "2.bias"]]
    assert len(L.tied_gradients(net, X).rows) == 2
    assert seen == []
    net(X)
    assert seen == [("hook", "dense0"), ("pre", "dense2")]  # still on the net itself


def test_float16_refused_by_a_forward_leaves_the_engine_clean(mode):
    """MXNet reports a failed operator when its output is read, and keeps it for the next
    mx.nd.waitall(): after the ValueError nothing is left to surface later."""
    net, X = KINDS["half"]()
    with pytest.raises(ValueError, match="float16"):
        L.tied_gradients(net, X)
    mx.nd.waitall()  # would raise the MXNetError if it were still pending
    assert nd.ones(2).asnumpy().tolist() == [1.0, 1.0]


def test_tied_groups_on_a_deferred_net_draws_nothing_from_the_random_stream():
    with L.fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(3), nn.Dense(3))
    net.initialize()
    mx.random.seed(5)
    assert L.tied_groups(net, nd.ones((2, 4))) == []
    after = nd.random.uniform(shape=4).asnumpy()
    mx.random.seed(5)
    assert (nd.random.uniform(shape=4).asnumpy() == after).all()
    assert L.summary(net).rows[0].state == "deferred"  # the net itself still waits


def test_check_init_judges_values_of_a_degenerate_or_nan_initializer(mode):
    """Uniform(0) draws zeros and Constant(nan) writes NaN: their own values pass, others fail."""
    zeros = gluon.Parameter("z_weight", shape=(16,))
    zeros.initialize(init=init.Uniform(0))
    assert str(L.check_init(zeros, init.Uniform(0))) == \
        "PASS z_weight ~ Uniform(scale=0): all 16 values equal 0"
    square = gluon.Parameter("s_weight", shape=(4, 4))
    square.initialize(init=init.Xavier(magnitude=0))  # bound sqrt(0 / fan): zeros too
    assert L.check_init(square, init.Xavier(magnitude=0)).passed
    nan = gluon.Parameter("n_weight", shape=(128,))
    nan.initialize(init=init.Constant(float("nan")))
    assert str(L.check_init(nan, init.Constant(float("nan")))) == \
        "PASS n_weight ~ Constant(value=nan): all 128 values equal nan"
    assert not L.check_init(nan, init.Constant(1.0)).passed
    L.set_value(nan, 0.0)
    assert "128 of 128 values differ from nan" in str(L.check_init(nan, init.Constant(np.nan)))
