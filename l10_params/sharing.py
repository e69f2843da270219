"""Tied parameters: several uses of one Parameter object, and what that means for gradients.

``nn.Dense(8, params=shared.params)`` gives a new layer the very same Parameter objects
as ``shared``: a write through one layer shows in the other, ``collect_params`` lists them
once, and the gradient is the sum of the gradients of every use. ``tied_groups`` and
``is_tied`` find ties, ``tied_gradients`` checks the sum, and ``tied_dense`` builds a tied
layer with a clear error where Gluon raises a bare AssertionError.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Tuple

import numpy as np
from mxnet import autograd, gluon, init, nd
from mxnet.gluon import nn

from . import _gluon
from ._table import Table


def tied_groups(net: gluon.Block) -> List[List[str]]:
    """Groups of structural paths that hold one Parameter object (each group used twice or more).

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> tied_groups(net)
    [['1.weight', '2.weight'], ['1.bias', '2.bias']]
    """
    if not isinstance(net, gluon.Block):
        raise TypeError(
            f"tied_groups needs the net (a gluon.Block), not {type(net).__name__}: a "
            "ParameterDict lists each Parameter once, so ties cannot be seen in it"
        )
    return [paths for _, paths in _gluon.unique_params(net).values() if len(paths) > 1]


def is_tied(a, b) -> bool:
    """True when ``a`` and ``b`` are the same Parameter object, or two layers whose every
    parameter is the same object (``params=shared.params``); equal values are not enough.

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> is_tied(net[1], net[2]), is_tied(net[1].weight, net[2].weight), is_tied(net[0], net[1])
    (True, True, False)
    """
    kinds = (gluon.Parameter, gluon.Block)
    for x in (a, b):
        if not isinstance(x, kinds):
            hint = (" (that is a value: pass the Parameter, net[1].weight, not "
                    "net[1].weight.data(); compare values with (a == b).min())"
                    if isinstance(x, (nd.NDArray, np.ndarray)) else "")
            raise TypeError(f"is_tied compares Parameters or layers, not {type(x).__name__}"
                            f"{hint}; e.g. is_tied(net[1], net[2])")
    if isinstance(a, gluon.Parameter) != isinstance(b, gluon.Parameter):
        raise TypeError("is_tied compares two Parameters or two layers, not one of each; "
                        "e.g. is_tied(net[1].weight, net[2].weight) or is_tied(net[1], net[2])")
    if isinstance(a, gluon.Parameter):
        return a is b
    pa, pb = _gluon.param_paths(a), _gluon.param_paths(b)
    for layer, params in ((a, pa), (b, pb)):
        if not params:
            raise ValueError(f"layer {layer.name!r} has no parameters, so it cannot be tied "
                             "to anything; compare layers that hold weights, e.g. Dense")
    return list(pa) == list(pb) and all(pa[k] is pb[k] for k in pa)


def tied_dense(shared: nn.Dense, units: Optional[int] = None, **kwargs) -> nn.Dense:
    """``nn.Dense(units, params=shared.params, **kwargs)``, checked first.

    ``units`` defaults to the shared layer's. A size that disagrees with the shared weight
    is a ``ValueError`` naming both shapes and both layers (Gluon raises a bare
    ``AssertionError``), as are a bias the shared layer lacks and a different dtype.

    >>> from l10_params import fresh_names
    >>> with fresh_names():
    ...     shared = nn.Dense(8, activation='relu')
    ...     twin = tied_dense(shared, activation='relu')
    >>> twin.weight is shared.weight
    True
    >>> tied_dense(shared, 16)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot tie a new Dense(16) to layer 'dense0' (Dense(8)): ... shape (16, ?), ...
    """
    if not isinstance(shared, nn.Dense):
        raise TypeError(f"tied_dense shares the parameters of an nn.Dense, not "
                        f"{type(shared).__name__}; for other layers pass params=shared.params")
    out_units, in_shared = shared.weight.shape
    units = out_units if units is None else units
    in_units = kwargs.get("in_units", 0)
    fs = _gluon.format_shape
    head = f"cannot tie a new Dense({units}) to layer {shared.name!r} (Dense({out_units}))"
    if units != out_units or (in_units and in_shared and in_units != in_shared):
        raise ValueError(
            f"{head}: the new layer needs a weight of shape {fs((units, in_units))}, but "
            f"{shared.weight.name!r} has shape {fs(shared.weight.shape)}; leave units out "
            f"(it defaults to {out_units}) or share a layer of the size you need")
    if kwargs.get("use_bias", True) and shared.bias is None:
        raise ValueError(f"{head}: the new layer wants a bias but {shared.name!r} has none; "
                         "pass use_bias=False")
    dtype = np.dtype(kwargs.get("dtype", "float32"))
    if dtype != np.dtype(shared.weight.dtype):
        raise ValueError(f"{head}: dtype {dtype.name} differs from the shared "
                         f"{np.dtype(shared.weight.dtype).name}; leave dtype out")
    return nn.Dense(units, params=shared.params, **kwargs)


@dataclass(frozen=True, eq=False)
class TiedGradRow:
    name: str
    paths: Tuple[str, ...]
    context: str
    use_norms: Tuple[float, ...]
    grad_norm: float
    sum_norm: float
    max_diff: float
    agree: bool
    grad: np.ndarray = field(repr=False)
    summed: np.ndarray = field(repr=False)


def _check(net, X):
    if not isinstance(net, gluon.Block):
        raise TypeError(f"tied_gradients needs the net (a gluon.Block), not {type(net).__name__}")
    if not isinstance(X, nd.NDArray):
        raise TypeError(f"X must be an NDArray batch, not {type(X).__name__}; "
                        "e.g. X = nd.random.uniform(shape=(2, 20))")
    if autograd.is_recording():
        raise RuntimeError("tied_gradients runs its own autograd.record() and backward; "
                           "call it outside your `with autograd.record():` block")
    for p, paths in _gluon.unique_params(net).values():
        if _gluon.state(p) != _gluon.INITIALIZED:
            raise ValueError(f"parameter {p.name!r} ({paths[0]}) is {_gluon.state(p)}: it has "
                             "no values yet; initialize the net and run net(X) once first")
        if len(paths) > 1 and p.grad_req == "null":
            raise ValueError(f"tied parameter {p.name!r} has grad_req 'null' (frozen), so it "
                             "has no gradient; unfreeze it first: p.grad_req = 'write'")
    why = _gluon.forward_ctx_error(net, X)
    if why:
        raise ValueError(f"tied_gradients cannot run net(X): {why}")


def _backward(net, X, ctxs) -> None:
    for c in ctxs:
        with autograd.record(train_mode=False):  # predict mode: dropout draws nothing
            out = net(X.as_in_context(c))
            if not isinstance(out, nd.NDArray):
                raise TypeError(f"tied_gradients needs a net with one NDArray output, "
                                f"got {type(out).__name__}")
            total = out.sum()
        total.backward()


def tied_gradients(net: gluon.Block, X) -> Table:
    """For each tied parameter: its gradient and the sum of the gradients of its uses.

    Runs one backward of ``net(X).sum()`` (in predict mode) on every context of the net,
    then the same with each use of a tied parameter given its own copy of the values, and
    compares the tied gradient with the sum over the uses. The net's gradients are put back
    as they were, so calling it changes nothing. Columns: the norm of each use's gradient,
    of the tied gradient and of the sum, their largest difference, and whether they agree.

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> t = tied_gradients(net, X)
    >>> [(r.name, r.paths, r.agree) for r in t]
    [('dense0_weight', ('1.weight', '2.weight'), True), ('dense0_bias', ('1.bias', '2.bias'), True)]
    """
    _check(net, X)
    params = list(_gluon.iter_params(net))
    groups = [(p, paths) for p, paths in _gluon.unique_params(net).values() if len(paths) > 1]
    with_grad = [p for p in params if p.grad_req != "null"]
    saved = [(p, [g.copy() for g in p.list_grad()]) for p in with_grad]
    try:
        for p in with_grad:
            p.zero_grad()
        ctxs = _gluon.contexts(groups[0][0]) if groups else []
        _backward(net, X, ctxs)
        tied = {(id(p), c): p.grad(c).asnumpy() for p, _ in groups for c in ctxs}
        copies = {}
        for p, paths in groups:
            for i, path in enumerate(paths):
                r = gluon.Parameter(f"{p.name}_use{i}", shape=p.shape, dtype=p.dtype)
                r.initialize(init.Zero(), ctx=p.list_ctx())
                for c in ctxs:
                    r.data(c)[:] = p.data(c)
                copies[path] = r
        with _gluon.separate_uses(net, copies):
            _backward(net, X, ctxs)
            uses = {(path, c): r.grad(c).asnumpy() for path, r in copies.items() for c in ctxs}
    finally:
        for p, grads in saved:
            for g, old in zip(p.list_grad(), grads):
                g[:] = old
    rows = []
    for p, paths in groups:
        for c in ctxs:
            parts = [uses[(path, c)] for path in paths]
            grad, summed = tied[(id(p), c)], np.sum(parts, axis=0)
            rows.append(TiedGradRow(
                p.name, tuple(paths), str(c), tuple(float(np.linalg.norm(g)) for g in parts),
                float(np.linalg.norm(grad)), float(np.linalg.norm(summed)),
                float(np.abs(grad - summed).max()) if grad.size else 0.0,
                bool(np.allclose(grad, summed, rtol=1e-5, atol=1e-6)), grad, summed))
    ok = all(r.agree for r in rows)
    footer = ["no tied parameters: every Parameter has one use"] if not rows else [
        "tied gradient = sum over the uses" + ("" if ok else ": NOT for every row")]
    return Table(rows, title="Gradients of tied parameters (backward of net(X).sum())",
                 columns=[("name", "name"), ("paths", "uses"), ("context", "context"),
                          ("use_norms", "|grad| per use"), ("grad_norm", "|grad|"),
                          ("sum_norm", "|sum of uses|"), ("max_diff", "max |diff|"),
                          ("agree", "agree")],
                 footer=footer)
