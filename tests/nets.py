"""Unusual nets for the catalogue of wrong inputs and the property tests, and one checksum.

Each builder returns ``(net, X)``, built under ``fresh_names()`` from a fixed seed, so its
names never depend on test order. ``checksum(net)`` fingerprints everything a helper could
change: every parameter's data and gradient on every context (raw bytes, so a NaN equals
itself), grad_req, lr_mult, wd_mult, shape, dtype and contexts.
"""
from __future__ import annotations

import hashlib

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, nd, npx
from mxnet.gluon import nn

from l10_params import fresh_names, lecture_mlp, lecture_tied_mlp, resolve_ctx


class Custom(gluon.Block):
    """A block with its own ``params.get`` parameters, one of them never stored as an
    attribute (``hidden``): reachable only through ``self.params``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.w = self.params.get("w", shape=(3, 4))
            self.params.get("hidden", shape=(3,), init=mx.init.Uniform(1.0))

    def forward(self, x):
        F = mx.np if npx.is_np_array() else nd  # noqa: N806 - the array interface in force
        return F.dot(x, self.w.data(x.context).T) + self.params.get("hidden").data(x.context)


def _current(x):
    """``x`` as an array of the interface in force: mx.np after ``npx.set_np()``, else nd (the
    same numbers, drawn with the legacy stream in both modes)."""
    return x.as_np_ndarray() if npx.is_np_array() else x


def mlp(ctx="cpu"):
    """The lecture's MLP, Dense(256, relu) -> Dense(10), one forward done."""
    return lecture_mlp(ctx=ctx, seed=0)


def tied(ctx="cpu"):
    """The lecture's net whose layers 1 and 2 share their parameters."""
    return lecture_tied_mlp(ctx=ctx, seed=0)


def hybrid(ctx="cpu"):
    """A hybridized HybridSequential, Dense(8, relu) -> Dense(3), one forward done."""
    mx.random.seed(1)
    with fresh_names():
        net = nn.HybridSequential()
        net.add(nn.Dense(8, activation="relu"), nn.Dense(3))
    net.initialize(ctx=resolve_ctx(ctx))
    net.hybridize()
    X = _current(nd.random.uniform(shape=(2, 5)).as_in_context(resolve_ctx(ctx)[0]))
    net(X)
    return net, X


def convbn(ctx="cpu"):
    """Conv2D(4, 3) -> BatchNorm, one training step recorded (running statistics moved)."""
    mx.random.seed(2)
    with fresh_names():
        net = nn.HybridSequential()
        net.add(nn.Conv2D(4, 3, in_channels=1), nn.BatchNorm(in_channels=4))
    net.initialize(ctx=resolve_ctx(ctx))
    X = _current(nd.random.uniform(shape=(2, 1, 6, 6)).as_in_context(resolve_ctx(ctx)[0]))
    with autograd.record():
        net(X).sum().backward()
    return net, X


def custom(ctx="cpu"):
    """The ``Custom`` block above, initialized, one forward done."""
    mx.random.seed(3)
    with fresh_names():
        net = Custom()
    net.initialize(ctx=resolve_ctx(ctx))
    X = _current(nd.random.uniform(shape=(2, 4)).as_in_context(resolve_ctx(ctx)[0]))
    net(X)
    return net, X


def half(ctx="cpu"):
    """Dense(4) -> Dense(2) cast to float16. MXNet's CPU build has no float16 Dense or
    Conv2D forward (it fails inside the engine), so this net is never run: values only."""
    mx.random.seed(4)
    with fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(4, in_units=3), nn.Dense(2, in_units=4))
    net.initialize(ctx=resolve_ctx(ctx))
    net.cast("float16")
    return net, _current(nd.ones((2, 3), dtype="float16"))


def integers(dtype):
    """Dense(2) of an integer dtype, weights 1, biases 0 (MXNet draws no random integers);
    values only, as ``half``."""
    def build(ctx="cpu"):
        with fresh_names():
            net = nn.Sequential()
            net.add(nn.Dense(2, in_units=1, dtype=dtype))
        net.initialize(mx.init.One(), ctx=resolve_ctx(ctx))
        return net, _current(nd.ones((2, 1), dtype=dtype))
    build.__name__ = dtype
    return build


KINDS = {"mlp": mlp, "tied": tied, "hybrid": hybrid, "convbn": convbn, "custom": custom,
         "half": half, "int32": integers("int32"), "uint8": integers("uint8")}


def _arrays(p, get, stored):
    try:
        return get()
    except RuntimeError:  # row_sparse: Gluon reads it only through a Trainer; read it directly
        return list(stored or [])


def checksum(net) -> str:
    """A SHA-256 of every parameter's values, gradients, settings and contexts."""
    h = hashlib.sha256()
    params = net.collect_params() if isinstance(net, gluon.Block) else net
    for name, p in sorted(params.items()):
        h.update(repr((name, p.shape, np.dtype(p.dtype).name, p.grad_req, p.lr_mult,
                       p.wd_mult)).encode())
        if p._data is None:  # deferred or uninitialized: nothing else to read
            h.update(repr(("no data", bool(p._deferred_init))).encode())
            continue
        h.update(repr(p.list_ctx()).encode())
        for d in _arrays(p, p.list_data, p._data):
            h.update(d.asnumpy().tobytes())
        if p.grad_req != "null":
            for g in _arrays(p, p.list_grad, p._grad):
                h.update(g.asnumpy().tobytes())
    return h.hexdigest()
