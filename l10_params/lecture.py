"""The lecture's nets, its (2, 20) batch and its custom initializer, built as it builds them.

Random draws come in the lecture's order (the batch, then the weights at the first
forward), so from MXNet's default seed (the stream of ``mx.random.seed(0)``) the values
are those printed in the 2019 lecture notebook.
"""
from __future__ import annotations

import contextlib
from typing import Iterator, Optional, Tuple

import mxnet as mx
from mxnet import init, nd
from mxnet.gluon import nn

from . import _gluon
from ._validate import flag, number
from .devices import CtxSpec, resolve_ctx

SEED_MAX = 2 ** 31 - 1  # MXNet passes the seed as a C int: 2**32 would silently be seed 0


@contextlib.contextmanager
def fresh_names() -> Iterator[None]:
    """Names restart at ``dense0`` inside the block (a new ``mx.name.NameManager``).

    Gluon numbers layers with process-wide counters, so re-running a cell makes
    ``dense2``, ``dense3``... Inside ``fresh_names()`` every run gives the same names.

    >>> with fresh_names():
    ...     a = nn.Dense(3)
    >>> with fresh_names():
    ...     b = nn.Dense(3)
    >>> a.name, b.name
    ('dense0', 'dense0')
    """
    with mx.name.NameManager():
        yield


def _batch(ctx) -> nd.NDArray:
    # Drawn on the CPU, as in the lecture, so the stream is the same for every context; an
    # mx.np array in NumPy mode (npx.set_np()), else an nd.NDArray.
    return _gluon.uniform(0, 1, (2, 20), ctx=mx.cpu()).as_in_context(ctx[0])


def _seed(seed, call: str) -> None:
    """``mx.random.seed(seed)`` unless ``seed`` is None, checked first."""
    if seed is not None:
        mx.random.seed(number(seed, "seed", call, whole=True, low=0, high=SEED_MAX,
                              note=", e.g. seed=0 (the lecture's numbers)"))


def lecture_mlp(ctx: CtxSpec = None, *, seed: Optional[int] = None
                ) -> Tuple[nn.Sequential, nd.NDArray]:
    """The lecture's MLP, Dense(256, relu) -> Dense(10), initialized, one forward done.

    Built under ``fresh_names()``, so its parameters are ``dense0_weight``... ``dense1_bias``.
    ``X`` is an ``nd.NDArray``, or an ``mx.np.ndarray`` when NumPy mode (``npx.set_np()``)
    is on (the batch's numbers are the same; Gluon then draws the weights with ``mx.np``).
    ``seed`` calls ``mx.random.seed(seed)`` first; ``seed=0`` gives the lecture's numbers.
    A seed is a whole number from 0 to 2**31 - 1 (a NumPy integer too): MXNet keeps it in a
    C int, where a larger one would silently become another seed.

    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> X.shape, net[0].weight.name, net[0].weight.shape
    ((2, 20), 'dense0_weight', (256, 20))
    >>> net(X)[0, :3].asnumpy().round(5)  # the lecture printed 0.09543003 0.04614332 -0.00286653
    array([ 0.09543,  0.04614, -0.00287], dtype=float32)
    """
    ctx = resolve_ctx(ctx)
    _seed(seed, "lecture_mlp")
    with fresh_names():
        net = nn.Sequential()
        net.add(nn.Dense(256, activation="relu"))
        net.add(nn.Dense(10))
    net.initialize(ctx=ctx)
    X = _batch(ctx)
    net(X)
    return net, X


def lecture_tied_mlp(ctx: CtxSpec = None, *, seed: Optional[int] = None
                     ) -> Tuple[nn.Sequential, nd.NDArray]:
    """The lecture's tied net: layers 1 and 2 share one set of parameters (``params=``).

    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> net[1].weight is net[2].weight
    True
    >>> list(net.collect_params())  # shared is built first, so it is dense0; listed once
    ['dense1_weight', 'dense1_bias', 'dense0_weight', 'dense0_bias', 'dense3_weight', 'dense3_bias']
    """
    ctx = resolve_ctx(ctx)
    _seed(seed, "lecture_tied_mlp")
    with fresh_names():
        net = nn.Sequential()
        shared = nn.Dense(8, activation="relu")
        net.add(nn.Dense(8, activation="relu"),
                shared,
                nn.Dense(8, activation="relu", params=shared.params),
                nn.Dense(10))
    net.initialize(ctx=ctx)
    X = _batch(ctx)
    net(X)
    return net, X


class MyInit(init.Initializer):
    """The lecture's custom initializer: U(-10, 10), then entries with ``|w| < 5`` set to 0.

    Only weights use it (``_init_weight``); a Dense bias keeps its own ``'zeros'``.
    ``verbose=True`` prints ``Init <name> <shape>`` as the lecture does (True or False only).

    >>> with fresh_names():
    ...     layer = nn.Dense(3, in_units=4)
    >>> layer.initialize(MyInit())
    Init dense0_weight (3, 4)
    >>> w = layer.weight.data().abs()
    >>> bool(((w == 0) + (w >= 5) * (w < 10)).min())
    True
    """

    def __init__(self, verbose: bool = True, **kwargs):
        verbose = flag(verbose, "verbose", "MyInit")
        super().__init__(**kwargs)
        self.verbose = verbose

    def _init_weight(self, name, data):
        if self.verbose:
            print("Init", name, data.shape)
        data[:] = _gluon.uniform(-10, 10, data.shape, ctx=data.context)  # nd or mx.np
        data *= abs(data) >= 5  # abs(): mx.np arrays have no .abs() method
