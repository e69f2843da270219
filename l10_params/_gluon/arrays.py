"""The bridge between array kinds (re-exported by ``_gluon``: import it from there).

With ``npx.set_np()`` on, parameters hold ``mx.np.ndarray`` (a subclass of ``mx.nd.NDArray``)
and legacy ``nd`` operators refuse them, and the reverse. These functions read either kind
and make arrays of the interface in force; nothing else in the package checks the mode.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import mxnet as mx
import numpy as np
from mxnet import autograd, nd, npx


def numpy_mode() -> bool:
    """True when ``npx.set_np()`` is in force (parameters hold ``mx.np.ndarray``)."""
    return bool(npx.is_np_array())


def is_mx_array(x) -> bool:
    """True for an ``mx.nd.NDArray`` or an ``mx.np.ndarray`` (a subclass of it)."""
    return isinstance(x, nd.NDArray)


def to_numpy(x) -> np.ndarray:
    """A NumPy copy of an MXNet array of either interface; NumPy values pass through."""
    if is_mx_array(x):
        return x.asnumpy()
    return np.asarray(x)


def new_array(value, dtype=None, ctx=None):
    """``value`` (NumPy or a number) as an MXNet array of the interface in force."""
    value = np.asarray(value, dtype=dtype)
    ctx = ctx or mx.cpu()
    if numpy_mode():
        return mx.np.array(value, dtype=value.dtype, ctx=ctx)
    return nd.array(value, dtype=value.dtype, ctx=ctx)


def zeros(shape, dtype, ctx=None):
    """Zeros of the interface in force (what an initializer fills in place)."""
    ctx = ctx or mx.cpu()
    if numpy_mode():
        return mx.np.zeros(shape, dtype=dtype, ctx=ctx)
    return nd.zeros(shape, dtype=dtype, ctx=ctx)


def as_current(x):
    """An MXNet array of either kind, or a NumPy value, as an array of the interface in
    force (``as_np_ndarray`` / ``as_nd_ndarray`` share the memory; no copy)."""
    if not is_mx_array(x):
        return new_array(x)
    if numpy_mode():
        return x if isinstance(x, mx.np.ndarray) else x.as_np_ndarray()
    return x.as_nd_ndarray() if isinstance(x, mx.np.ndarray) else x


def uniform(low, high, shape, ctx=None):
    """``U(low, high)`` of ``shape`` drawn with MXNet's legacy sampler (its stream, hence the
    lecture's numbers from seed 0, in either mode), as an array of the interface in force."""
    with autograd.pause():
        return as_current(nd.random.uniform(low=low, high=high, shape=shape, ctx=ctx or mx.cpu()))


@contextlib.contextmanager
def legacy_mode() -> Iterator[bool]:
    """Legacy ``nd`` arrays inside the block, whatever the mode outside; the mode in force
    before is restored afterwards. Yields True when NumPy mode was on (and is switched off)."""
    was = numpy_mode()
    if was:
        npx.reset_np()
    try:
        yield was
    finally:
        if was:
            npx.set_np()
