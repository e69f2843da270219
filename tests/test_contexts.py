"""resolve_ctx, try_gpu, try_all_gpus: parsing, the environment variable, and GPU choice logic."""
from __future__ import annotations

import mxnet as mx
import pytest

import l10_params.contexts as contexts
from l10_params import lecture_mlp, resolve_ctx, try_all_gpus, try_gpu
from l10_params.contexts import ENV_VAR, Contexts, cuda_in_build, num_gpus

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
    from l10_params.contexts import CPU_LIMIT

    assert resolve_ctx(f"cpu:{CPU_LIMIT - 1}") == [mx.cpu(CPU_LIMIT - 1)]


@pytest.mark.parametrize("i, kind", [(-1, ValueError), ("0", TypeError), (True, TypeError),
                                     (1.5, TypeError)])
def test_try_gpu_checks_its_index(i, kind):
    with pytest.raises(kind, match=r"try_gpu\(i\) takes a GPU index, a whole number >= 0"):
        try_gpu(i)
