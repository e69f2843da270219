"""One condition, one answer: the same mistake gets the same exception type and wording from
every helper (issue 11). The catalogue in test_bad_inputs.py covers each helper's own
messages; this file checks that shared conditions are answered alike."""
import pytest
from mxnet import gluon, init, nd
from mxnet.gluon import nn

import l10_params as lp
from l10_params import testing


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


def test_no_values_yet_in_a_homework_claim_carries_the_same_words():
    with pytest.raises(AssertionError, match=WORDS[False]):
        testing.assert_init_matches(_net(False), "uniform")


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
