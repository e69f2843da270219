"""Choosing where parameters live: CPU, GPU or several devices.

The PyPI wheel of MXNet 1.9.1 is CPU-only; ``mx.gpu()`` there fails late, inside the first
operation, with an ``MXNetError``. These helpers decide early and say why. Several devices
are testable without a GPU as ``[mx.cpu(0), mx.cpu(1)]``, which MXNet treats as two devices.
"""
from __future__ import annotations

import os
import re
from typing import List, Sequence, Union

import mxnet as mx

from ._text import brief

ENV_VAR = "L10_PARAMS_CTX"
CtxSpec = Union[None, str, mx.Context, Sequence[Union[str, mx.Context]]]

# 'cpu', 'gpu:1', and also 'cpu(1)', the way MXNet prints a Context.
_SPEC = re.compile(r"^(?P<kind>[a-z_]+)(?:(?::(?P<i1>[^()]*))|(?:\((?P<i2>[^()]*)\)))?$")
_HINT = "use 'auto', 'cpu', 'gpu', 'gpu:1' or a comma-separated list such as 'cpu:0,cpu:1'"
# MXNet's CPU devices are logical (any index runs on this machine's cores), but its engine
# keeps a table of worker pools indexed by device id: cpu(10**9) asks it for a billion
# slots and hangs. No lecture needs more than a few; indices up to CPU_LIMIT - 1 are allowed.
CPU_LIMIT = 64


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

    >>> cuda_in_build() or num_gpus() == 0  # without CUDA in the build, no GPU is usable
    True
    """
    return bool(mx.runtime.Features().is_enabled("CUDA"))


def num_gpus() -> int:
    """GPUs this build of MXNet can use on this machine (0 on a CPU-only build).

    >>> num_gpus() == sum(c.device_type == 'gpu' for c in try_all_gpus())
    True
    """
    if not cuda_in_build():
        return 0
    try:
        return mx.context.num_gpus()
    except mx.MXNetError:  # pragma: no cover - a CUDA build without a driver
        return 0


def try_gpu(i: int = 0) -> mx.Context:
    """``mx.gpu(i)`` if this build and machine have more than ``i`` GPUs, else ``mx.cpu()``.

    >>> try_gpu() == (mx.gpu(0) if num_gpus() > 0 else mx.cpu())
    True
    >>> try_gpu(-1)
    Traceback (most recent call last):
    ...
    ValueError: try_gpu(i) takes a GPU index, a whole number >= 0 such as 0 or 1, not -1
    """
    if isinstance(i, bool) or not isinstance(i, int) or i < 0:
        kind = ValueError if isinstance(i, int) and not isinstance(i, bool) else TypeError
        raise kind(f"try_gpu(i) takes a GPU index, a whole number >= 0 such as 0 or 1, "
                   f"not {i!r}")
    return mx.gpu(i) if num_gpus() > i else mx.cpu()


def try_all_gpus() -> List[mx.Context]:
    """Every GPU, or ``[mx.cpu()]`` when there is none.

    >>> try_all_gpus() == ([mx.gpu(i) for i in range(num_gpus())] or [mx.cpu()])
    True
    """
    n = num_gpus()
    return [mx.gpu(i) for i in range(n)] if n else [mx.cpu()]


def _no_gpu_reason() -> str:
    if not cuda_in_build():
        return ("the installed MXNet build has no CUDA (the PyPI wheel mxnet==1.9.1 is CPU-only), "
                "so no GPU can be used")
    return "this machine has no GPU that MXNet can see (mx.context.num_gpus() is 0)"


def _check_gpu(i: int, spec) -> None:
    """Raise ValueError unless GPU ``i`` exists for this build and machine."""
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


def _parse_one(spec: str) -> mx.Context:
    text = spec.strip().lower()
    m = _SPEC.match(text)
    if not m or m["kind"] not in ("cpu", "gpu"):
        raise ValueError(f"context {spec!r} is not understood; {_HINT}")
    kind, index = m["kind"], (m["i1"] if m["i1"] is not None else m["i2"])
    index = "0" if index is None else index.strip()
    if not index.isdigit():
        raise ValueError(
            f"context {spec!r} has device index {index!r}, which is not a whole number "
            f"≥ 0; write it as '{kind}:0' or '{kind}:1'"
        )
    return _checked(mx.Context(kind, int(index)), spec)


def _checked(c: mx.Context, spec) -> mx.Context:
    """``c`` if this build and machine can use it, else a ValueError naming it and the fix."""
    kind, i = c.device_type, c.device_id
    if kind not in ("cpu", "gpu"):
        raise ValueError(f"context {spec!r} has device type {kind!r}; parameters live on "
                         "'cpu' or 'gpu' devices: use mx.cpu(0) or mx.gpu(0) ('cpu', 'gpu:0')")
    if i < 0:
        raise ValueError(f"context {spec!r} has device index {i}, which is negative; "
                         f"indices count from 0: use mx.{kind}(0) or '{kind}:0'")
    if kind == "gpu":
        _check_gpu(i, spec)
    elif i >= CPU_LIMIT:
        raise ValueError(f"context {spec!r} asks for CPU device {i}; MXNet's CPU devices are "
                         f"logical, and l10_params allows cpu:0 to cpu:{CPU_LIMIT - 1} (MXNet "
                         "sizes its engine tables by the index); use e.g. 'cpu:0,cpu:1'")
    return c


def _auto(source: str) -> Contexts:
    n = num_gpus()
    if n:
        gpus = [mx.gpu(i) for i in range(n)]
        return Contexts(gpus, f"auto ({source}): {n} GPU(s) found, using "
                              + ", ".join(map(str, gpus)))
    return Contexts([mx.cpu()], f"auto ({source}): no GPU, {_no_gpu_reason()}; using cpu(0)")


def _resolve(spec, source: str) -> Contexts:
    if isinstance(spec, str):
        if spec.strip().lower() == "auto":
            return _auto(source)
        parts = spec.split(",")
        if not spec.strip() or any(not s.strip() for s in parts):
            raise ValueError(
                f"context {spec!r} has an empty entry; write e.g. 'cpu', 'gpu:0' or 'cpu:0,cpu:1'"
            )
        items: list = parts
    elif isinstance(spec, mx.Context):
        items = [spec]
    elif isinstance(spec, (list, tuple)):
        if not spec:
            raise ValueError("an empty list of contexts; give at least one, e.g. [mx.cpu()]")
        items = list(spec)
    else:
        raise TypeError(
            f"ctx must be a string such as 'cpu' or 'gpu:0', an mx.Context or a list of them, "
            f"not {type(spec).__name__} ({brief(spec)})"
        )
    out: List[mx.Context] = []
    for item in items:
        if isinstance(item, mx.Context):
            c = _checked(item, item)
        elif isinstance(item, str):
            if item.strip().lower() == "auto":
                raise ValueError(f"'auto' cannot be part of a list ({spec!r}); use 'auto' alone")
            c = _parse_one(item)
        else:
            raise TypeError(
                f"each context must be a string such as 'cpu:0' or an mx.Context, "
                f"not {type(item).__name__} ({brief(item)})"
            )
        if c in out:
            raise ValueError(f"context {c} is listed twice in {spec!r}; list each device once")
        out.append(c)
    return Contexts(out, f"{', '.join(map(str, out))} ({source})")


def resolve_ctx(spec: CtxSpec = None) -> Contexts:
    """Turn a context spec into a list of contexts, checking that each one can be used.

    ``spec`` is ``'auto'`` (the default: every GPU when there is one, else the CPU),
    ``'cpu'``, ``'gpu'``, ``'gpu:1'``, ``'cpu:0,cpu:1'`` (``'cpu(1)'`` as MXNet prints it
    works too), an ``mx.Context`` or a list of these. ``None`` reads the ``L10_PARAMS_CTX``
    environment variable, then ``'auto'``; an explicit argument always wins over the
    variable. The result's ``.reason`` says what was chosen and why. Nothing runs on the
    chosen devices: asking for a GPU this build or machine lacks is a ``ValueError`` here,
    not an ``MXNetError`` at the first operation.

    >>> resolve_ctx('cpu:0,cpu:1')
    [cpu(0), cpu(1)]
    >>> resolve_ctx(mx.cpu(1)).reason
    'cpu(1) (argument)'
    >>> resolve_ctx('auto') == try_all_gpus()
    True
    >>> resolve_ctx(mx.cpu(-1))
    Traceback (most recent call last):
    ...
    ValueError: context cpu(-1) has device index -1, which is negative; ...
    >>> resolve_ctx('tpu')
    Traceback (most recent call last):
    ...
    ValueError: context 'tpu' is not understood; use 'auto', 'cpu', 'gpu', ...
    """
    if isinstance(spec, Contexts) and spec.reason:
        return Contexts(_resolve(list(spec), "argument"), spec.reason)
    if spec is not None:
        return _resolve(spec, "argument")
    env = os.environ.get(ENV_VAR, "").strip()
    if not env:
        return _auto("default")
    try:
        return _resolve(env, f"${ENV_VAR}")
    except ValueError as e:
        raise ValueError(
            f"${ENV_VAR}={env!r} is not usable: {e}; fix the variable or unset it"
        ) from None
