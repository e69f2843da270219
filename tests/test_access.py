"""select, freeze, unfreeze, set_attr against real Gluon nets; every error changes nothing."""
import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon, nd
from mxnet.gluon import nn
from nets import checksum, convbn

from l10_params import freeze, fresh_names, param_at, select, set_attr, summary, unfreeze


def test_select_is_collect_params(mlp):
    net, _ = mlp
    for pattern in (".*weight", "dense0.*", None):
        assert list(select(net, pattern)) == list(net.collect_params(pattern))
    assert select(net, ".*weight")["dense0_weight"] is net[0].weight


def test_exclude(mlp):
    net, _ = mlp
    assert list(select(net, exclude=".*bias")) == ["dense0_weight", "dense1_weight"]
    assert list(select(net, "dense0.*", exclude=".*bias")) == ["dense0_weight"]


def test_select_on_parameterdict(mlp):
    net, _ = mlp
    assert list(select(net.collect_params(), ".*bias")) == ["dense0_bias", "dense1_bias"]


def test_tied_parameters_once(tied):
    net, _ = tied
    assert list(select(net, ".*weight")) == ["dense1_weight", "dense0_weight", "dense3_weight"]


def test_anchored_pattern_suggests_dot_star(mlp):
    net, _ = mlp
    with pytest.raises(ValueError, match=r"'weight' matches no parameter.*use '\.\*weight'"):
        select(net, "weight")


def test_counted_up_names_are_explained():
    mx.random.seed(0)
    with fresh_names():
        nn.Dense(1), nn.Dense(1)  # a cell that ran before
        net = nn.Sequential()
        net.add(nn.Dense(4), nn.Dense(2))
    net.initialize()
    net(mx.nd.ones((1, 3)))
    with pytest.raises(ValueError, match=r"count up per process.*this net's layers are "
                                         r"dense2, dense3; use 'dense2\.\*'.*fresh_names"):
        select(net, "dense0.*")


def test_invalid_regex(mlp):
    net, _ = mlp
    with pytest.raises(ValueError, match=r"pattern '\*weight' is not a valid regular expression"):
        select(net, "*weight")
    with pytest.raises(ValueError, match=r"exclude '\(' is not a valid regular expression"):
        select(net, exclude="(")


def test_exclude_removing_everything(mlp):
    net, _ = mlp
    with pytest.raises(ValueError, match=r"exclude '\.\*' removes every selected parameter"):
        select(net, ".*weight", exclude=".*")


@pytest.mark.parametrize("bad", [42, "net", [1, 2], None])
def test_select_wrong_type(bad):
    with pytest.raises(TypeError, match=r"must be a gluon.Block, a ParameterDict"):
        select(bad, ".*")


def test_select_parameter_is_a_one_entry_dict(mlp):
    """A Parameter with select= behaves one way everywhere (as_param_dict)."""
    net, _ = mlp
    assert list(select(net[0].weight, ".*")) == ["dense0_weight"]
    with pytest.raises(ValueError, match="pattern '.*bias' matches no parameter"):
        select(net[0].weight, ".*bias")


def test_pattern_wrong_type(mlp):
    net, _ = mlp
    with pytest.raises(TypeError, match=r"regex string such as '\.\*weight', not int \(3\)"):
        select(net, 3)


def test_freeze_unfreeze(mlp):
    net, X = mlp
    assert freeze(net, "dense0.*") == ["dense0_weight", "dense0_bias"]
    assert [p.grad_req for p in net.collect_params().values()] == ["null", "null", "write",
                                                                    "write"]
    # a frozen layer really gets no gradient: one backward leaves it without a grad array
    with mx.autograd.record():
        net(X).sum().backward()
    assert net[1].weight.grad().abs().sum().asscalar() > 0
    with pytest.raises(RuntimeError):
        net[0].weight.grad()
    assert unfreeze(net) == list(net.collect_params())
    assert all(p.grad_req == "write" for p in net.collect_params().values())


def test_set_attr(mlp):
    net, _ = mlp
    assert set_attr(net, ".*bias", wd_mult=0, lr_mult=2) == ["dense0_bias", "dense1_bias"]
    assert (net[0].bias.wd_mult, net[0].bias.lr_mult, net[0].weight.wd_mult) == (0.0, 2.0, 1.0)
    assert set_attr(net, None, grad_req="add") == list(net.collect_params())


def _attrs(net):
    return [(p.grad_req, p.lr_mult, p.wd_mult) for p in net.collect_params().values()]


@pytest.mark.parametrize("attrs, message", [
    ({"lr_mult": 2, "grad_req": "frozen"}, r"grad_req='frozen' is not one of \('write', 'add', 'null'\)"),
    ({"wd_mult": 0, "momentum": 1}, r"unknown attribute 'momentum'; set_attr sets grad_req, lr_mult, wd_mult"),
    ({"lr_mult": -1}, r"lr_mult=-1 must be a finite number >= 0"),
    ({"lr_mult": float("nan")}, r"lr_mult=nan must be a finite number"),
    ({}, r"set_attr needs at least one of grad_req, lr_mult, wd_mult"),
])
def test_set_attr_bad_values_change_nothing(mlp, attrs, message):
    net, _ = mlp
    before = _attrs(net)
    with pytest.raises(ValueError, match=message):
        set_attr(net, ".*", **attrs)
    assert _attrs(net) == before


@pytest.mark.parametrize("attrs, message", [
    ({"wd_mult": "0"}, r"wd_mult='0' must be a finite number >= 0, not str \(1 keeps"),
    ({"lr_mult": True}, r"lr_mult=True must be a finite number >= 0, not bool"),
])
def test_set_attr_values_of_the_wrong_kind_change_nothing(mlp, attrs, message):
    net, _ = mlp
    before = _attrs(net)
    with pytest.raises(TypeError, match=message):
        set_attr(net, ".*", **attrs)
    assert _attrs(net) == before


def test_set_attr_takes_numpy_numbers(mlp):
    net, _ = mlp
    assert set_attr(net, ".*bias", lr_mult=np.float32(2), wd_mult=np.int64(0)) == [
        "dense0_bias", "dense1_bias"]
    assert (net[0].bias.lr_mult, net[0].bias.wd_mult) == (2.0, 0.0)
    assert type(net[0].bias.lr_mult) is float


def test_set_attr_grad_req_leaves_out_what_never_trains():
    """Gluon keeps grad_req 'null' on BatchNorm's running statistics whatever is assigned:
    set_attr neither lists them as set nor accepts a selection of only them."""
    net, _ = convbn()
    before = checksum(net)
    with pytest.raises(ValueError, match=r"^select='\.\*running_mean' selects only parameters "
                                         r"that never train \(batchnorm0_running_mean: "):
        set_attr(net, ".*running_mean", grad_req="write")
    with pytest.raises(ValueError, match=r"^select='\.\*running_var' selects only parameters"):
        unfreeze(net, ".*running_var")  # the user's select, not set_attr's inner call
    assert checksum(net) == before
    assert set_attr(net, ".*", grad_req="add") == [
        "conv0_weight", "conv0_bias", "batchnorm0_gamma", "batchnorm0_beta"]
    assert net[1].running_mean.grad_req == "null"
    assert "batchnorm0_running_var" in set_attr(net, ".*", grad_req="null", lr_mult=0)


def test_set_attr_empty_selection_changes_nothing(mlp):
    net, _ = mlp
    before = _attrs(net)
    with pytest.raises(ValueError, match="matches no parameter"):
        set_attr(net, "bias", lr_mult=0)
    assert _attrs(net) == before


def test_result_is_a_parameterdict(mlp):
    net, _ = mlp
    assert isinstance(select(net, ".*"), gluon.ParameterDict)


# ---- paths: the book's rgnet, param_at and select(by='path') -------------------------------

def rgnet_book():
    """The book's nested net: block2 holds four block1s; rgnet = block2 -> Dense(10)."""
    def block1():
        net = nn.Sequential()
        net.add(nn.Dense(32, activation="relu"), nn.Dense(16, activation="relu"))
        return net

    def block2():
        net = nn.Sequential()
        for _ in range(4):
            net.add(block1())
        return net

    with fresh_names():
        rgnet = nn.Sequential()
        rgnet.add(block2(), nn.Dense(10))
    rgnet.initialize()
    X = mx.np.random.uniform(size=(2, 4)) if mx.npx.is_np_array() else nd.random.uniform(
        shape=(2, 4))
    rgnet(X)
    return rgnet, X


def test_param_at_is_the_books_indexing(mode):
    rgnet, X = rgnet_book()
    assert param_at(rgnet, "0.1.0.bias") is rgnet[0][1][0].bias
    assert param_at(rgnet, "1.weight") is rgnet[1].weight
    assert "0.1.0.bias" in str(summary(rgnet))


def test_param_at_wrong_path_lists_close_paths(mode):
    rgnet, X = rgnet_book()
    before = rgnet(X).asnumpy()
    with pytest.raises(KeyError, match=r"no parameter at path '0\.1\.0\.bais'; close paths: "
                                       r"'0\.1\.0\.bias'"):
        param_at(rgnet, "0.1.0.bais")
    with pytest.raises(KeyError, match=r"'dense2_bias' is a Gluon name, at path '0\.1\.0\.bias'"):
        param_at(rgnet, "dense2_bias")
    with pytest.raises(TypeError, match="path must be a string"):
        param_at(rgnet, 0)
    with pytest.raises(TypeError, match="param_at: net must be a gluon.Block"):
        param_at(rgnet.collect_params(), "0.1.0.bias")
    np.testing.assert_array_equal(before, rgnet(X).asnumpy())


def test_select_by_path(mode):
    rgnet, _ = rgnet_book()
    assert list(select(rgnet, r"0\.1\..*", by="path")) == [
        "dense2_weight", "dense2_bias", "dense3_weight", "dense3_bias"]
    assert list(select(rgnet, r".*\.0\.bias", by="path", exclude="0.[23].*")) == [
        "dense0_bias", "dense2_bias"]
    assert freeze(rgnet, "1.*", by="path") == ["dense8_weight", "dense8_bias"]
    assert rgnet[1].weight.grad_req == "null" and rgnet[0][0][0].weight.grad_req == "write"


def test_select_by_path_no_match_hints(mode):
    rgnet, _ = rgnet_book()
    with pytest.raises(ValueError, match=r"path pattern '0\.1\.0\.bais' matches no parameter; "
                                         r"the paths are '0\.0\.0\.weight'.*Close paths: "
                                         r"0\.1\.0\.bias"):
        select(rgnet, "0.1.0.bais", by="path")
    with pytest.raises(ValueError, match=r"use '\.\*bias' to match 'bias' anywhere"):
        select(rgnet, "bias", by="path")
    with pytest.raises(ValueError, match=r"by='paths': select matches 'name'.*or 'path'"):
        select(rgnet, ".*", by="paths")
