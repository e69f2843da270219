"""The internals module: paths, states, shapes, identity of tied parameters."""
import mxnet as mx
import pytest
from mxnet import gluon
from mxnet.gluon import nn

from l10_params import _gluon, fresh_names
from l10_params._text import compile_pattern, format_shape
from l10_params._validate import require_target
from l10_params.devices import forward_ctx_error


def test_paths_and_unique(tied):
    net, _ = tied
    paths = _gluon.param_paths(net)
    assert list(paths)[:4] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert paths["1.weight"] is paths["2.weight"]
    groups = [ps for _, ps in _gluon.unique_params(net).values() if len(ps) > 1]
    assert groups == [["1.weight", "2.weight"], ["1.bias", "2.bias"]]
    assert len(list(_gluon.iter_params(net))) == 6


class _Direct(gluon.Block):
    """A Parameter assigned as an attribute, outside ``self.params``: collect_params misses it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = nn.Dense(2, in_units=3)
        self.scale = gluon.Parameter("direct_scale", shape=(2,))
        self.shared = self.dense.weight  # an attribute that is also in a ParameterDict

    def forward(self, x):
        return self.dense(x) * self.scale.data()


def test_named_params_adds_attribute_parameters_collect_params_misses():
    with fresh_names():
        net = _Direct()
    assert list(net.collect_params()) == ["_direct0_dense0_weight", "_direct0_dense0_bias"]
    named = _gluon.named_params(net)
    assert list(named) == ["_direct0_dense0_weight", "_direct0_dense0_bias", "direct_scale"]
    assert named["direct_scale"] is net.scale and named["_direct0_dense0_weight"] is net.shared


def test_states(raw_net):
    assert {_gluon.state(p) for p in _gluon.iter_params(raw_net)} == {"uninitialized"}
    raw_net.initialize()
    w = raw_net[0].weight
    assert _gluon.state(w) == "deferred" and _gluon.pending_init(w) is not None
    assert _gluon.contexts(w) == [mx.cpu()]
    raw_net(mx.nd.ones((1, 3)))
    assert _gluon.state(w) == "initialized" and _gluon.pending_init(w) is None


def test_format_shape():
    assert format_shape((256, 0)) == "(256, ?)"
    assert format_shape((10,)) == "(10,)"
    assert format_shape(None) == "?"


def test_same_block_twice_is_tied():
    with fresh_names():
        layer = nn.Dense(4, in_units=4)
        net = nn.Sequential()
        net.add(layer, layer)
    assert _gluon.param_paths(net)["0.weight"] is _gluon.param_paths(net)["1.weight"]


def test_forward_ctx_error(mlp):
    net, X = mlp
    assert forward_ctx_error(net, X) is None
    msg = forward_ctx_error(net, X.as_in_context(mx.cpu(1)))
    assert "the data is on cpu(1)" in msg and "as_in_context(cpu(0))" in msg


def test_require_target_and_pattern():
    with pytest.raises(TypeError, match="net must be a gluon.Block, a ParameterDict or a Parameter"):
        require_target({"a": 1})
    with pytest.raises(ValueError, match="is not a valid regular expression"):
        compile_pattern("[")
