"""Choosing where parameters live: CPU, GPU or several devices.

The PyPI wheel of MXNet 1.9.1 is CPU-only; ``mx.gpu()`` there fails late, inside the first
operation. These helpers decide early and say why.
"""
from __future__ import annotations

import os
from typing import List, Optional, Sequence, Union

import mxnet as mx

ENV_VAR = "L10_PARAMS_CTX"
CtxSpec = Union[None, str, mx.Context, Sequence[Union[str, mx.Context]]]


class Contexts(list):
    """A list of ``mx.Context`` that also says how it was chosen (``.reason``).

    >>> ctx = Contexts([mx.cpu()], "asked for 'cpu'")
    >>> ctx, ctx.reason
    ([cpu(0)], "asked for 'cpu'")
    """

    def __init__(self, ctxs=(), reason: str = ""):
        super().__init__(ctxs)
        self.reason = reason


def cuda_in_build() -> bool:
    """True when the installed MXNet was built with CUDA (the PyPI wheel is not).

    >>> isinstance(cuda_in_build(), bool)
    True
    """
    return bool(mx.runtime.Features().is_enabled("CUDA"))


def num_gpus() -> int:
    """GPUs this build of MXNet can use on this machine (0 on a CPU-only build)."""
    if not cuda_in_build():
        return 0
    try:
        return mx.context.num_gpus()
    except mx.MXNetError:  # pragma: no cover - a CUDA build without a driver
        return 0


def try_gpu(i: int = 0) -> mx.Context:
    """``mx.gpu(i)`` if this build and machine have more than ``i`` GPUs, else ``mx.cpu()``.

    >>> try_gpu() if num_gpus() == 0 else mx.cpu()
    cpu(0)
    """
    return mx.gpu(i) if num_gpus() > i else mx.cpu()


def try_all_gpus() -> List[mx.Context]:
    """Every GPU, or ``[mx.cpu()]`` when there is none.

    >>> try_all_gpus() if num_gpus() == 0 else [mx.cpu()]
    [cpu(0)]
    """
    n = num_gpus()
    return [mx.gpu(i) for i in range(n)] if n else [mx.cpu()]


def _no_gpu_reason() -> str:
    if not cuda_in_build():
        return ("the installed MXNet build has no CUDA (the PyPI wheel mxnet==1.9.1 is CPU-only), "
                "so no GPU can be used")
    return "this machine has no GPU that MXNet can see (mx.context.num_gpus() is 0)"


def _parse_one(spec: str) -> mx.Context:
    text = spec.strip().lower()
    kind, _, index = text.partition(":")
    if kind not in ("cpu", "gpu"):
        raise ValueError(
            f"context {spec!r} is not understood; use 'auto', 'cpu', 'gpu', 'gpu:1' "
            "or a comma-separated list such as 'cpu:0,cpu:1'"
        )
    if index == "":
        i = 0
    elif index.isdigit():
        i = int(index)
    else:
        raise ValueError(
            f"context {spec!r} has device index {index!r}, which is not a whole number "
            f"≥ 0; write it as '{kind}:0' or '{kind}:1'"
        )
    if kind == "cpu":
        return mx.cpu(i)
    n = num_gpus()
    if n == 0:
        raise ValueError(
            f"context {spec!r} asks for a GPU, but {_no_gpu_reason()}; "
            "use 'auto' (GPU when there is one, else the CPU) or 'cpu'"
        )
    if i >= n:
        raise ValueError(
            f"context {spec!r} asks for GPU {i}, but this machine has {n} GPU(s): "
            f"gpu:0 to gpu:{n - 1}; use one of those or 'auto'"
        )
    return mx.gpu(i)


def resolve_ctx(spec: CtxSpec = None) -> Contexts:
    """Turn a context spec into a list of contexts, checking that each one can be used.

    ``spec`` is ``'auto'`` (the default: every GPU when there is one, else the CPU),
    ``'cpu'``, ``'gpu'``, ``'gpu:1'``, ``'cpu:0,cpu:1'``, an ``mx.Context`` or a list of
    these. ``None`` reads the ``L10_PARAMS_CTX`` environment variable, then ``'auto'``.
    The result's ``.reason`` says what was chosen and why.

    >>> resolve_ctx('cpu:0,cpu:1')
    [cpu(0), cpu(1)]
    >>> resolve_ctx('auto').reason if num_gpus() == 0 else 'auto (argument): no GPU...'
    'auto (argument): no GPU...'
    >>> resolve_ctx('tpu')
    Traceback (most recent call last):
    ...
    ValueError: context 'tpu' is not understood; use 'auto', 'cpu', 'gpu', ...
    """
    source = "argument"
    if spec is None:
        env = os.environ.get(ENV_VAR, "").strip()
        spec, source = (env, f"${ENV_VAR}") if env else ("auto", "default")
    if isinstance(spec, mx.Context):
        return Contexts([spec], f"given {spec}")
    if isinstance(spec, str):
        if spec.strip().lower() == "auto":
            n = num_gpus()
            if n:
                return Contexts([mx.gpu(i) for i in range(n)], f"auto ({source}): {n} GPU(s)")
            return Contexts([mx.cpu()], f"auto ({source}): no GPU, {_no_gpu_reason()}; "
                                        "using cpu(0)")
        parts = [s for s in spec.split(",")]
        if not spec.strip() or any(not s.strip() for s in parts):
            raise ValueError(
                f"context {spec!r} has an empty entry; write e.g. 'cpu', 'gpu:0' or 'cpu:0,cpu:1'"
            )
        items: list = parts
    elif isinstance(spec, (list, tuple)):
        if not spec:
            raise ValueError("an empty list of contexts; give at least one, e.g. [mx.cpu()]")
        items = list(spec)
    else:
        raise TypeError(
            f"ctx must be a string such as 'cpu' or 'gpu:0', an mx.Context or a list of them, "
            f"not {type(spec).__name__} ({spec!r})"
        )
    out: List[mx.Context] = []
    for item in items:
        if isinstance(item, mx.Context):
            c = item
        elif isinstance(item, str):
            if item.strip().lower() == "auto":
                raise ValueError("'auto' cannot be part of a list; use 'auto' alone")
            c = _parse_one(item)
        else:
            raise TypeError(f"each context must be a string or an mx.Context, not {item!r}")
        if c.device_type == "gpu" and c.device_id >= num_gpus():
            _parse_one(f"gpu:{c.device_id}")  # raises with the reason
        if c in out:
            raise ValueError(f"context {c} is listed twice in {spec!r}; list each device once")
        out.append(c)
    return Contexts(out, f"{', '.join(map(str, out))} ({source})")
