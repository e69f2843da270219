"""Tests that need a real GPU and a CUDA build of MXNet; on this CPU-only machine they skip."""
from __future__ import annotations

import mxnet as mx
import numpy as np
import pytest

from l10_params import lecture_mlp, lecture_tied_mlp, resolve_ctx, try_all_gpus, try_gpu
from l10_params.devices import check_forward_ctx, cuda_in_build, num_gpus, replicas, reset_ctx

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(num_gpus() == 0, reason=(
        "needs a GPU: " + ("the installed MXNet build has no CUDA (the PyPI wheel is CPU-only)"
                           if not cuda_in_build() else "MXNet sees no GPU on this machine"))),
]
two_gpus = pytest.mark.skipif(num_gpus() < 2,
                              reason=f"needs at least 2 GPUs; MXNet sees {num_gpus()}")


def test_cuda_build_alone_on_the_venvs_numpy_line():
    """`make install MXNET=mxnet-cuXXX` put that build in place of the CPU wheel, not beside it,
    and kept the venv's NumPy line (its stamp, written by tools/venv.py, says which)."""
    import importlib.metadata
    import json
    import pathlib
    import sys

    builds = sorted(d.metadata["Name"] for d in importlib.metadata.distributions()
                    if d.metadata["Name"].lower().startswith("mxnet"))
    assert len(builds) == 1 and builds[0].lower().startswith("mxnet-cu"), builds
    assert mx.__version__ == "1.9.1" and cuda_in_build()
    stamp = pathlib.Path(sys.prefix, "l10_params-venv.json")
    if stamp.is_file():
        assert json.loads(stamp.read_text())["versions"]["numpy"] == np.__version__


def test_auto_picks_the_gpu():
    ctx = resolve_ctx("auto")
    assert ctx[0] == mx.gpu(0) and "GPU(s) found" in ctx.reason
    assert try_gpu() == mx.gpu(0) and try_all_gpus()[0] == mx.gpu(0)


def test_lecture_numbers_on_gpu():
    cpu_net, X = lecture_mlp(ctx="cpu", seed=0)
    gpu_net, Xg = lecture_mlp(ctx="gpu", seed=0)
    assert Xg.context == mx.gpu(0) and gpu_net[0].weight.list_ctx() == [mx.gpu(0)]
    np.testing.assert_allclose(gpu_net[0].weight.data().asnumpy(),
                               cpu_net[0].weight.data().asnumpy())
    np.testing.assert_allclose(gpu_net(Xg).asnumpy(), cpu_net(X).asnumpy(), rtol=1e-5, atol=1e-6)


def test_reset_ctx_to_gpu_and_back():
    net, X = lecture_mlp(ctx="cpu", seed=0)
    out = net(X).asnumpy()
    assert all(r.unchanged for r in reset_ctx(net, "gpu:0"))
    with pytest.raises(ValueError, match=r"the data is on cpu\(0\)"):
        check_forward_ctx(net, X)
    np.testing.assert_allclose(net(X.as_in_context(mx.gpu(0))).asnumpy(), out, rtol=1e-5,
                               atol=1e-6)
    assert all(r.unchanged for r in reset_ctx(net, "cpu"))


@two_gpus
def test_data_parallel_step_on_two_gpus(kvstore_step):
    ctx = [mx.gpu(0), mx.gpu(1)]
    net, _ = lecture_mlp(ctx=ctx, seed=0)
    g0, g1 = kvstore_step(net, ctx)
    assert np.abs(g0 - g1).max() > 1e-4
    assert all(r.identical for r in replicas(net))


@two_gpus
def test_tied_net_on_two_gpus():
    net, _ = lecture_tied_mlp(ctx=[mx.gpu(0), mx.gpu(1)], seed=0)
    assert net[1].weight is net[2].weight
    assert net[1].weight.list_ctx() == [mx.gpu(0), mx.gpu(1)]
    assert all(r.identical for r in replicas(net))
