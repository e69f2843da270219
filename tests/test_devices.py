"""Devices: resolve_ctx and friends (CPU-only wheel, several devices as cpu(0), cpu(1)), and
the copies on each context: replicas, reset_ctx, check_forward_ctx."""
from __future__ import annotations

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon
from mxnet.gluon import nn

import l10_params.devices as contexts
from l10_params import (
    diff,
    lecture_mlp,
    lecture_tied_mlp,
    resolve_ctx,
    snapshot,
    try_all_gpus,
    try_gpu,
)
from l10_params.devices import (
    ENV_VAR,
    Contexts,
    check_forward_ctx,
    cuda_in_build,
    num_gpus,
    replicas,
    reset_ctx,
)

CPU_ONLY = pytest.mark.skipif(num_gpus() > 0, reason="checks the CPU-only behaviour")


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("cpu", [mx.cpu(0)]),
        (" CPU ", [mx.cpu(0)]),
        ("cpu:1", [mx.cpu(1)]),
        ("cpu(1)", [mx.cpu(1)]),
        ("cpu:0,cpu:1", [mx.cpu(0), mx.cpu(1)]),
        ("cpu:0, cpu:1", [mx.cpu(0), mx.cpu(1)]),
        (mx.cpu(1), [mx.cpu(1)]),
        ([mx.cpu(0), "cpu:1"], [mx.cpu(0), mx.cpu(1)]),
        (("cpu:1",), [mx.cpu(1)]),
    ],
)
def test_specs_parse(spec, expected):
    ctx = resolve_ctx(spec)
    assert isinstance(ctx, Contexts) and list(ctx) == expected
    assert "(argument)" in ctx.reason


def test_contexts_pass_through_keeps_reason():
    first = resolve_ctx("cpu:0,cpu:1")
    again = resolve_ctx(first)
    assert again == first and again.reason == first.reason


@CPU_ONLY
def test_auto_on_cpu_only_build_says_why():
    assert not cuda_in_build() and num_gpus() == 0
    ctx = resolve_ctx("auto")
    assert ctx == [mx.cpu(0)]
    assert "no CUDA" in ctx.reason and "using cpu(0)" in ctx.reason
    assert resolve_ctx().reason.startswith("auto (default)")


@pytest.mark.parametrize(
    "spec, match",
    [
        ("tpu", r"context 'tpu' is not understood; use 'auto', 'cpu', 'gpu'"),
        ("cpu0", r"'cpu0' is not understood"),
        ("cpu:x", r"device index 'x', which is not a whole number .* 'cpu:0'"),
        ("cpu:-1", r"device index '-1'"),
        ("", r"empty entry"),
        ("cpu,,cpu:1", r"empty entry"),
        ("cpu:0,cpu", r"cpu\(0\) is listed twice"),
        ([mx.cpu(1), "cpu:1"], r"listed twice"),
        (["auto", "cpu"], r"'auto' cannot be part of a list"),
        ([], r"empty list of contexts"),
    ],
)
def test_bad_specs(spec, match):
    with pytest.raises(ValueError, match=match):
        resolve_ctx(spec)


@pytest.mark.parametrize("spec", [42, [1], {"cpu"}])
def test_wrong_types(spec):
    with pytest.raises(TypeError, match=r"(ctx must be a string|each context must be a string)"):
        resolve_ctx(spec)


@CPU_ONLY
@pytest.mark.parametrize("spec", ["gpu", "gpu:0", "GPU(0)", "cpu:0,gpu:0", mx.gpu(0), [mx.gpu(1)]])
def test_gpu_on_cpu_only_build(spec):
    with pytest.raises(ValueError, match=r"asks for a GPU, but the installed MXNet build has no "
                                         r"CUDA.*use 'auto' .* or 'cpu'"):
        resolve_ctx(spec)


@CPU_ONLY
def test_try_gpu_falls_back_to_cpu():
    assert try_gpu() == mx.cpu() and try_gpu(3) == mx.cpu()
    assert try_all_gpus() == [mx.cpu()]


def test_env_var_is_read(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "cpu:0,cpu:1")
    ctx = resolve_ctx()
    assert ctx == [mx.cpu(0), mx.cpu(1)] and f"${ENV_VAR}" in ctx.reason


def test_explicit_argument_wins_over_env(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "cpu:0,cpu:1")
    ctx = resolve_ctx("cpu:1")
    assert ctx == [mx.cpu(1)] and ENV_VAR not in ctx.reason


def test_env_auto_and_empty(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "auto")
    assert resolve_ctx().reason.startswith(f"auto (${ENV_VAR})")
    monkeypatch.setenv(ENV_VAR, "  ")
    assert resolve_ctx().reason.startswith("auto (default)")


def test_bad_env_names_the_variable(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "tpu:0")
    with pytest.raises(ValueError, match=rf"\${ENV_VAR}='tpu:0' is not usable: .*unset it"):
        resolve_ctx()
    assert resolve_ctx("cpu") == [mx.cpu()]  # an explicit argument does not read it


def test_entry_points_use_env(monkeypatch):
    """lecture_mlp(ctx=None) goes through resolve_ctx, so the variable places its parameters."""
    monkeypatch.setenv(ENV_VAR, "cpu:0,cpu:1")
    net, X = lecture_mlp(seed=0)
    assert net[0].weight.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    assert X.context == mx.cpu(0)


@pytest.fixture
def two_gpus(monkeypatch):
    """Pretend the build has CUDA and the machine 2 GPUs.

    This is not a mock of MXNet computation: only our choice logic reads these two
    functions, and no operation ever runs on the returned gpu contexts.
    """
    monkeypatch.setattr(contexts, "cuda_in_build", lambda: True)
    monkeypatch.setattr(contexts, "num_gpus", lambda: 2)


def test_choice_logic_with_two_gpus(two_gpus):
    """With 2 (pretended) GPUs, every chooser returns mx.gpu contexts; nothing runs on them."""
    assert try_gpu() == mx.gpu(0) and try_gpu(1) == mx.gpu(1) and try_gpu(2) == mx.cpu()
    assert try_all_gpus() == [mx.gpu(0), mx.gpu(1)]
    assert resolve_ctx("gpu") == [mx.gpu(0)]
    assert resolve_ctx("gpu:1") == [mx.gpu(1)]
    assert resolve_ctx("gpu:0,gpu:1") == [mx.gpu(0), mx.gpu(1)]
    assert resolve_ctx(mx.gpu(1)) == [mx.gpu(1)]
    auto = resolve_ctx("auto")
    assert auto == [mx.gpu(0), mx.gpu(1)] and "2 GPU(s) found" in auto.reason


def test_gpu_index_the_machine_lacks(two_gpus):
    """Our check of the GPU index against the (pretended) count of 2; no op runs on a GPU."""
    with pytest.raises(ValueError, match=r"asks for GPU 2, but this machine has 2 GPU\(s\): "
                                         r"gpu:0 to gpu:1; use one of those or 'auto'"):
        resolve_ctx("gpu:2")
    with pytest.raises(ValueError, match=r"asks for GPU 5"):
        resolve_ctx([mx.gpu(0), mx.gpu(5)])


def test_cuda_build_without_gpu(monkeypatch):
    """A CUDA build on a machine without a GPU gives another reason (choice logic only)."""
    monkeypatch.setattr(contexts, "cuda_in_build", lambda: True)
    monkeypatch.setattr(contexts, "num_gpus", lambda: 0)
    assert "no GPU that MXNet can see" in resolve_ctx("auto").reason
    with pytest.raises(ValueError, match=r"no GPU that MXNet can see.*'auto'.*'cpu'"):
        resolve_ctx("gpu")


@pytest.mark.parametrize("spec, match", [
    (mx.cpu(-1), r"context cpu\(-1\) has device index -1, which is negative; indices count "
                 r"from 0: use mx.cpu\(0\) or 'cpu:0'"),
    (mx.cpu(10 ** 9), r"asks for CPU device 1000000000; .*cpu:0 to cpu:63"),
    ("cpu:64", r"asks for CPU device 64"),
    ([mx.cpu(0), mx.Context("cpu_pinned", 0)], r"device type 'cpu_pinned'; parameters live on "
                                               r"'cpu' or 'gpu' devices"),
    (mx.Context("cpu_shared", 1), r"device type 'cpu_shared'"),
])
def test_devices_no_machine_has_are_refused_early(spec, match):
    with pytest.raises(ValueError, match=match):
        resolve_ctx(spec)


def test_the_highest_cpu_index_allowed_works():
    from l10_params.devices import CPU_LIMIT

    assert resolve_ctx(f"cpu:{CPU_LIMIT - 1}") == [mx.cpu(CPU_LIMIT - 1)]


@pytest.mark.parametrize("i, kind", [(-1, ValueError), ("0", TypeError), (True, TypeError),
                                     (1.5, TypeError)])
def test_try_gpu_checks_its_index(i, kind):
    with pytest.raises(kind, match=r"try_gpu: i=.* must be a whole number >= 0.*a GPU index"):
        try_gpu(i)


def test_try_gpu_takes_a_numpy_index():
    import numpy as np

    assert try_gpu(np.int64(0)) == try_gpu(0)


TWO = [mx.cpu(0), mx.cpu(1)]


def values(net):
    """Gluon name -> list of each context's copy as NumPy."""
    return {n: [d.asnumpy() for d in p.list_data()] for n, p in net.collect_params().items()}


def test_replicas_of_a_parameter(mlp2):
    net, _ = mlp2
    t = replicas(net[0].weight)
    assert [r.context for r in t] == ["cpu(0)", "cpu(1)"]
    assert all(r.identical and r.max_diff == 0 and r.shape == "(256, 20)" for r in t)
    assert t.footer == ("all replicas identical",)
    assert "<table" in t._repr_html_() and "cpu(1)" in str(t)


def test_replicas_of_a_net_and_a_dict(mlp2, mlp):
    net, _ = mlp2
    t = replicas(net)
    assert len(t) == 4 * 2 and all(r.identical for r in t)
    assert [r.name for r in t][::2] == ["dense0_weight", "dense0_bias", "dense1_weight",
                                        "dense1_bias"]
    assert len(replicas(net.collect_params("dense1_.*"))) == 4
    one = replicas(mlp[0])
    assert len(one) == 4 and {r.context for r in one} == {"cpu(0)"}


def test_tied_parameters_once_per_context():
    net, _ = lecture_tied_mlp(ctx=TWO, seed=0)
    t = replicas(net)
    assert len(t) == len(list(net.collect_params())) * 2 == 12
    shared = [r for r in t if r.name == "dense0_weight"]
    assert len(shared) == 2 and shared[0].paths == ("1.weight", "2.weight")


def test_replicas_see_a_copy_that_differs(mlp2):
    net, _ = mlp2
    w = net[1].weight
    w.list_data()[1][0, 0] += 0.5  # write one replica only
    t = replicas(net)
    bad = [r for r in t if not r.identical]
    assert [(r.name, r.context) for r in bad] == [("dense1_weight", "cpu(1)")]
    assert bad[0].max_diff == pytest.approx(0.5, abs=1e-6)
    assert t.footer == ("1 parameter(s) differ between contexts: dense1_weight",)


def test_kvstore_keeps_replicas_identical(mlp2, kvstore_step):
    """Per-device gradients differ; after trainer.step every replica is the same again."""
    net, _ = mlp2
    mx.random.seed(1)
    before = values(net)
    g0, g1 = kvstore_step(net, TWO)
    assert np.abs(g0 - g1).max() > 1e-4
    assert all(r.identical for r in replicas(net))
    assert not np.array_equal(values(net)["dense0_weight"][0], before["dense0_weight"][0])


@pytest.mark.parametrize("fixture, match", [
    ("deferred_net", r"'dense0_weight' \(0.weight\) is deferred, shape \(4, \?\).*forward pass"),
    ("raw_net", r"'dense0_weight' \(0.weight\) was never initialized.*net.initialize\(ctx="),
])
def test_replicas_refuse_nets_without_values(request, fixture, match):
    with pytest.raises(RuntimeError, match=match):
        replicas(request.getfixturevalue(fixture))


def test_replicas_bad_targets():
    with pytest.raises(TypeError, match=r"net must be a gluon.Block"):
        replicas("dense0_weight")
    with pytest.raises(ValueError, match=r"has no parameters"):
        replicas(nn.Sequential())


def test_reset_ctx_moves_values_unchanged(mlp2):
    net, X = mlp2
    out = net(X).asnumpy()
    before = values(net)
    t = reset_ctx(net, "cpu:1")
    assert len(t) == 4 and all(r.unchanged and r.max_change == 0 for r in t)
    assert t[0].before == ("cpu(0)", "cpu(1)") and t[0].after == ("cpu(1)",)
    for name, p in net.collect_params().items():
        assert p.list_ctx() == [mx.cpu(1)]
        np.testing.assert_array_equal(p.data().asnumpy(), before[name][0])
    assert np.array_equal(net(X.as_in_context(mx.cpu(1))).asnumpy(), out)


def test_reset_ctx_one_to_two_devices(mlp):
    net, X = mlp
    reset_ctx(net, TWO)
    assert all(r.identical for r in replicas(net))
    assert net[0].weight.list_ctx() == TWO
    net(X.as_in_context(mx.cpu(1)))  # runs on the new device


def test_reset_ctx_on_a_dict_and_a_parameter_and_env(mlp2, monkeypatch):
    net, _ = mlp2
    assert len(reset_ctx(net.collect_params("dense0_.*"), "cpu:1")) == 2
    assert net[0].weight.list_ctx() == [mx.cpu(1)] and net[1].weight.list_ctx() == TWO
    reset_ctx(net[1].bias, "cpu:0")
    assert net[1].bias.list_ctx() == [mx.cpu(0)]
    monkeypatch.setenv(ENV_VAR, "cpu:1")
    assert reset_ctx(net)[0].after == ("cpu(1)",)


@pytest.mark.parametrize("fixture, match", [
    ("deferred_net", r"is deferred.*it has no values yet"),
    ("raw_net", r"was never initialized"),
])
def test_reset_ctx_refuses_nets_without_values(request, fixture, match):
    net = request.getfixturevalue(fixture)
    where = [p._deferred_init for p in net.collect_params().values()]
    with pytest.raises(RuntimeError, match=match):
        reset_ctx(net, "cpu:1")
    assert [p._deferred_init for p in net.collect_params().values()] == where  # unchanged


@pytest.mark.parametrize("spec, err, match", [
    ("gpu", ValueError, r"installed MXNet build has no CUDA"),
    ("tpu", ValueError, r"not understood"),
    (3, TypeError, r"ctx must be a string"),
])
def test_reset_ctx_bad_ctx_moves_nothing(mlp2, spec, err, match):
    if spec == "gpu" and num_gpus():  # pragma: no cover - a GPU machine
        pytest.skip("this machine has a GPU")
    net, _ = mlp2
    with pytest.raises(err, match=match):
        reset_ctx(net, spec)
    assert net[0].weight.list_ctx() == TWO


def test_reset_ctx_refuses_differing_replicas(mlp2):
    net, _ = mlp2
    net[0].bias.list_data()[1][:] += 1
    with pytest.raises(ValueError, match=r"copies of 'dense0_bias' \(0.bias\) differ between "
                                         r"cpu\(0\) and cpu\(1\) \(max \|diff\| 1\).*average"):
        reset_ctx(net, "cpu:0")
    assert net[0].weight.list_ctx() == TWO and net[0].bias.list_ctx() == TWO


def test_reset_ctx_detects_a_changed_value(mlp, monkeypatch):
    """If Gluon's move ever altered a value, reset_ctx would say so.

    To see the check fire we wrap Gluon's real ``Parameter.reset_ctx`` so that, after the
    real move, it adds 1 to one parameter (a real MXNet write): a stand-in for a faulty
    move, not a mock of the computation under test. Every parameter is then put back.
    """
    real = gluon.Parameter.reset_ctx

    def faulty(self, ctx):
        real(self, ctx)
        if self.name == "dense1_bias":
            self.set_data(self.data() + 1)

    monkeypatch.setattr(gluon.Parameter, "reset_ctx", faulty)
    net, _ = mlp
    before = snapshot(net)
    with pytest.raises(RuntimeError, match=r"moving 'dense1_bias' \(1.bias\) to \[cpu\(1\)\] "
                                           r"did not keep its values \(max \|change\| 1\); "
                                           r"every parameter was put back"):
        reset_ctx(net, "cpu:1")
    monkeypatch.undo()
    assert all(p.list_ctx() == [mx.cpu(0)] for p in net.collect_params().values())
    assert all(r.changed == 0 for r in diff(before, net).rows)


def test_reset_ctx_keeps_nan_and_inf(mlp2):
    """NaN != NaN, yet a NaN that moved is unchanged: reset_ctx moves it and says so."""
    net, _ = mlp2
    for d in net[0].weight.list_data():
        d[0, 0], d[0, 1] = float("nan"), float("inf")
    t = reset_ctx(net, "cpu:1")
    w = net[0].weight.data().asnumpy()
    assert net[0].weight.list_ctx() == [mx.cpu(1)] and all(r.unchanged for r in t)
    assert np.isnan(w[0, 0]) and np.isposinf(w[0, 1]) and t[0].max_change == 0
    assert all(r.identical for r in replicas(net))


def test_check_forward_ctx(mlp, mlp2):
    net, X = mlp
    assert check_forward_ctx(net, X) == mx.cpu(0)
    X1 = X.as_in_context(mx.cpu(1))
    with pytest.raises(ValueError, match=r"the data is on cpu\(1\) but parameter 'dense0_weight' "
                                         r"\(0.weight\) lives on \[cpu\(0\)\]; move the data with "
                                         r"X.as_in_context\(cpu\(0\)\) or the net with "
                                         r"net.collect_params\(\).reset_ctx\(cpu\(1\)\)"):
        check_forward_ctx(net, X1)
    with pytest.raises(RuntimeError):  # what Gluon itself says, deep in the forward pass
        net(X1)
    net2, _ = mlp2
    assert check_forward_ctx(net2, X1) == mx.cpu(1)


def test_check_forward_ctx_types(mlp):
    net, X = mlp
    with pytest.raises(TypeError, match=r"check_forward_ctx: net must be a gluon.Block \(the "
                                        r"network itself\), not ParameterDict"):
        check_forward_ctx(net.collect_params(), X)
    with pytest.raises(TypeError, match=r"X must be an MXNet array \(mx.nd or mx.np\), not ndarray"):
        check_forward_ctx(net, X.asnumpy())
