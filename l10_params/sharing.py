"""Tied parameters: several uses of one Parameter object, and what that means for gradients.

``nn.Dense(8, params=shared.params)`` gives a new layer the very same Parameter objects
as ``shared``: a write through one layer shows in the other, ``collect_params`` lists them
once, and the gradient is the sum of the gradients of every use. ``tied_groups`` and
``is_tied`` find ties, ``tied_gradients`` checks the sum, and ``tied_dense`` builds a tied
layer with a clear error where Gluon raises a bare AssertionError.

Where each Parameter is used (the second half of this module): a Parameter has one use per
place in the net that holds it (``params=shared.params``, one block added twice) and, with a
batch, one per call of its block in one forward (a layer called twice in ``forward``, the
book's FancyMLP). Calls are counted with Gluon's public forward hooks on a private copy of
the net (a hybridized net runs its cached graph and would not call the hooks), so the
student's net is never touched.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, NamedTuple, Optional, Tuple

import mxnet as mx
import numpy as np
from mxnet import autograd, gluon, nd
from mxnet.gluon import nn

from . import _gluon
from ._table import Table
from ._text import brief, complaint, format_shape
from ._validate import flag, number, require_net, require_values
from .devices import forward_ctx_error, require_runnable


def tied_groups(net: gluon.Block, X=None) -> List[List[str]]:
    """Groups of uses that hold one Parameter object (each group used twice or more).

    Without a batch, the uses are structural paths (``params=shared.params``, one block
    added twice). With a batch ``X``, a layer called k times in one forward also counts as
    k uses, one entry per call (``'0.weight (call 1)'``), found with Gluon's forward hooks
    on a private copy of the net: the net itself is not touched, and the copy runs none of
    the net's own forward hooks. With a batch, a parameter never initialized is a
    ``RuntimeError``, a batch on a context the net does not live on or of a shape it cannot
    take a ``ValueError``.

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> tied_groups(net)
    [['1.weight', '2.weight'], ['1.bias', '2.bias']]
    >>> from l10_params import fresh_names
    >>> class Twice(gluon.Block):          # the book's FancyMLP calls one layer twice
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.dense = nn.Dense(20)
    ...     def forward(self, x):
    ...         return self.dense(self.dense(x))
    >>> with fresh_names():
    ...     fancy = Twice()
    >>> fancy.initialize()
    >>> tied_groups(fancy), tied_groups(fancy, nd.ones((2, 20)))
    ([], [['dense.weight (call 1)', 'dense.weight (call 2)'], \
['dense.bias (call 1)', 'dense.bias (call 2)']])
    """
    require_net(net, call="tied_groups",
                why="a ParameterDict lists each Parameter once, so ties cannot be seen in it")
    if X is not None:
        X = _require_batch(X, "tied_groups")
        require_runnable(net)
        why = forward_ctx_error(net, X)
        if why:
            raise ValueError(f"tied_groups cannot run net(X): {why}")
        twin = _gluon.private_copy(net)  # hooks and a forward on a copy, never on net
        for p in _gluon.iter_params(twin):
            if _gluon.state(p) == _gluon.DEFERRED:  # zeros: no draw from the random stream
                p.initialize(init=mx.init.Zero(), ctx=p.list_ctx(), force_reinit=True)
        return _groups(twin, _count_calls(twin, X, "tied_groups"))
    return _groups(net, None)


def _groups(net, calls) -> List[List[str]]:
    return [[u.label(name) for u, name in us]
            for _, us in _uses_of(net, calls).values() if len(us) > 1]


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

    ``units`` defaults to the shared layer's; ``in_units`` and ``dtype`` are the shared
    weight's. A size that disagrees with the shared weight is a ``ValueError`` naming both
    shapes and both layers (Gluon raises a bare ``AssertionError``), as are a bias the shared
    layer lacks and a different dtype. ``units`` and ``in_units`` are whole numbers (a NumPy
    integer too), ``use_bias`` and ``flatten`` True or False, and ``params`` is refused
    (``tied_dense`` passes ``params=shared.params`` itself): a ``TypeError`` each.

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
    if "params" in kwargs:
        raise TypeError(f"tied_dense passes params=shared.params itself, so params= cannot be "
                        f"given too (got {type(kwargs['params']).__name__}); leave it out, or "
                        "tie to another layer with tied_dense(that_layer)")
    out_units, in_shared = shared.weight.shape
    if units is not None:
        units = number(units, "units", "tied_dense", whole=True, low=1,
                       note=f"; leave units out to take the shared layer's ({out_units})")
    units = out_units if units is None else units
    if "in_units" in kwargs:  # nn.Dense takes a whole number (0: inferred), never None
        kwargs["in_units"] = number(kwargs["in_units"], "in_units", "tied_dense", whole=True,
                                    low=0, note="; leave in_units out (the shared weight's)")
    in_units = kwargs.get("in_units") or 0
    for name in ("use_bias", "flatten"):
        if name in kwargs:
            kwargs[name] = flag(kwargs[name], name, "tied_dense")
    fs = format_shape
    head = f"cannot tie a new Dense({units}) to layer {shared.name!r} (Dense({out_units}))"
    if units != out_units:
        raise ValueError(
            f"{head}: the new layer needs a weight of shape {fs((units, in_units))}, but "
            f"{shared.weight.name!r} has shape {fs(shared.weight.shape)}; leave units out "
            f"(it defaults to {out_units}) or share a layer of the size you need")
    if in_units and in_shared > 0 and in_units != in_shared:
        raise ValueError(
            f"{head}: in_units={in_units} asks for a weight of shape {fs((units, in_units))}, "
            f"but {shared.weight.name!r} has shape {fs(shared.weight.shape)}; leave in_units "
            f"out (the shared weight decides it: {in_shared} inputs) or share a layer of the "
            "size you need")
    if kwargs.get("use_bias", True) and shared.bias is None:
        raise ValueError(f"{head}: the new layer wants a bias but {shared.name!r} has none; "
                         "pass use_bias=False")
    try:
        dtype = np.dtype(kwargs.get("dtype", "float32"))
    except TypeError:
        raise TypeError(f"tied_dense: dtype={brief(kwargs['dtype'], 40)} is not a dtype; leave "
                        f"dtype out (the shared weight's, {np.dtype(shared.weight.dtype).name})"
                        ) from None
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


def _require_batch(X, fn: str):
    """``X`` (mx.nd, mx.np or NumPy) as an array of the interface in force."""
    if not (_gluon.is_mx_array(X) or isinstance(X, np.ndarray)):
        raise TypeError(f"{fn} needs X as an array batch (mx.nd, mx.np or NumPy), not "
                        f"{type(X).__name__}; e.g. X = nd.random.uniform(shape=(2, 20))")
    return _gluon.as_current(X)


def _require_inputs(net, X):
    require_net(net, call="tied_gradients", why="it runs a forward and a backward pass")
    X = _require_batch(X, "tied_gradients")
    if autograd.is_recording():
        raise RuntimeError("tied_gradients runs its own autograd.record() and backward; "
                           "call it outside your `with autograd.record():` block")
    for p, paths in _gluon.unique_params(net).values():
        require_values(p, paths[0])
        if len(paths) > 1 and p.grad_req == "null":
            raise ValueError(f"tied parameter {p.name!r} has grad_req 'null' (frozen), so it "
                             "has no gradient; unfreeze it first: p.grad_req = 'write'")
    why = forward_ctx_error(net, X)
    if why:
        raise ValueError(f"tied_gradients cannot run net(X): {why}")
    return X


def _backward(net, X, ctxs) -> None:
    for c in ctxs:
        _run_forward(net, X.as_in_context(c), "tied_gradients", record=True).backward()


def tied_gradients(net: gluon.Block, X) -> Table:
    """For each tied parameter: its gradient and the sum of the gradients of its uses.

    Works on a private copy of ``net`` (the net, its values and its gradients are never
    touched). Runs one backward of ``net(X).sum()`` in predict mode on every context, then
    the same with each use given its own copy of the values (a use is a structural path,
    or one call of a layer called several times in one forward), and compares the tied
    gradient with the sum over the uses. Columns: the norm of each use's gradient, of the
    tied gradient and of the sum, their largest difference, and whether they agree. (The
    norms of the uses do not add up to the norm of the sum: the gradients are vectors.)

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> t = tied_gradients(net, X)
    >>> [(r.name, r.paths, r.agree) for r in t]
    [('dense0_weight', ('1.weight', '2.weight'), True), ('dense0_bias', ('1.bias', '2.bias'), True)]
    """
    X = _require_inputs(net, X)
    twin = _gluon.private_copy(net)
    calls = _count_calls(twin, X, "tied_gradients")
    groups = [(p, us) for p, us in _uses_of(twin, calls).values() if len(us) > 1]
    ctxs = _gluon.contexts(groups[0][0]) if groups else []
    tied, per_use = {}, {}
    if groups:
        for p in _gluon.iter_params(twin):
            _gluon.zero_grad(p)  # Gluon's p.zero_grad() refuses mx.np arrays
        _backward(twin, X, ctxs)
        tied = {(id(p), c): p.grad(c).asnumpy() for p, _ in groups for c in ctxs}
        own = _separate(twin, [u for _, us in groups for u, _ in us])
        _backward(twin, X, ctxs)
        blocks = {id(b): b for _, b in _gluon.blocks(twin)}
        for p, us in groups:
            for u, _ in us:
                attr = next(k for k, q in _gluon.own_params(blocks[u.block_id]).items() if q is p)
                for c in ctxs:
                    per_use[(id(p), u, c)] = own[u][attr].grad(c).asnumpy()
    rows = []
    for p, us in groups:
        for c in ctxs:
            parts = [per_use[(id(p), u, c)] for u, _ in us]
            grad, summed = tied[(id(p), c)], np.sum(parts, axis=0)
            rows.append(TiedGradRow(
                p.name, tuple(u.label(name) for u, name in us), str(c),
                tuple(float(np.linalg.norm(g)) for g in parts),
                float(np.linalg.norm(grad)), float(np.linalg.norm(summed)),
                float(np.abs(grad - summed).max()) if grad.size else 0.0,
                bool(np.allclose(grad, summed, rtol=1e-5, atol=1e-6)), grad, summed))
    ok = all(r.agree for r in rows)
    footer = ["no tied parameters: every Parameter has one use"
              + ("" if X is None else " (also counting calls in one forward)")] if not rows else [
        "tied gradient = sum over the uses" + ("" if ok else ": NOT for every row"),
        "the norms per use do not add up to the norm of the sum: gradients add as vectors"]
    return Table(rows, title="Gradients of tied parameters (backward of net(X).sum())",
                 columns=[("name", "name"), ("paths", "uses"), ("context", "context"),
                          ("use_norms", "|grad| per use"), ("grad_norm", "|grad|"),
                          ("sum_norm", "|sum of uses|"), ("max_diff", "max |diff|"),
                          ("agree", "agree")],
                 footer=footer)


# Where each Parameter is used: by structure (paths) and, with a batch, by call.

class Use(NamedTuple):
    """One use of a block's parameters: the block object, which call of it (0: structural,
    one use per path), and the block's path; ``label(name)`` names one parameter's use.
    (A NamedTuple: a net of thousands of layers makes one per parameter and path.)"""

    block_id: int
    call: int
    path: str

    def label(self, name: str) -> str:
        where = f"{self.path}.{name}" if self.path else name
        return f"{where} (call {self.call})" if self.call else where


def _owners(net: gluon.Block) -> "OrderedDict[int, Tuple[gluon.Block, List[str]]]":
    """id(block) -> (block, [structural paths of the block]) for blocks that own parameters."""
    out: "OrderedDict[int, Tuple[gluon.Block, List[str]]]" = OrderedDict()
    for path, block in _gluon.block_paths(net):
        if _gluon.owns_params(block):
            out.setdefault(id(block), (block, []))[1].append(path)
    return out


def _count_calls(twin: gluon.Block, X, call: str) -> Dict[int, int]:
    """id(block) -> how many times ``twin(X)`` calls it (forward hooks, removed afterwards).

    The caller passes a private copy. Any error of the forward is the net's own complaint
    about the batch: a ValueError naming the input shape.
    """
    calls: Dict[int, int] = {}
    handles = []

    def hook(block, args, out):
        calls[id(block)] = calls.get(id(block), 0) + 1

    for _, block in _gluon.blocks(twin):
        handles.append(block.register_forward_hook(hook))
    try:
        _run_forward(twin, X, call)
    finally:
        for h in handles:
            h.detach()
    return calls


def _wait(out) -> None:
    """Wait for every array of ``out``: MXNet runs operators asynchronously, and one that
    fails (float16 Dense on the CPU) says so only when its result is read."""
    for a in out if isinstance(out, (list, tuple)) else [out]:
        if _gluon.is_mx_array(a):
            a.wait_to_read()


def _run_forward(net, X, call: str, record: bool = False):
    """``net(X)`` in predict mode (no dropout draw, no running-statistics update), waited for.

    With ``record=True`` it returns ``net(X).sum()`` recorded for a backward. Whatever the
    forward raises is a ValueError naming the batch's shape and the fix.
    """
    shape = getattr(X, "shape", None)
    try:
        if record:
            with autograd.record(train_mode=False):
                out = net(X)
                if not _gluon.is_mx_array(out):
                    raise TypeError(f"needs a net with one array output, got {type(out).__name__}")
                _wait(out)
                return out.sum()
        with autograd.pause(train_mode=False):
            out = net(X)
            _wait(out)
            return out
    except Exception as e:  # noqa: BLE001 - the net's own complaint, whatever its type
        if isinstance(e, mx.MXNetError):  # the failed operator's error is also kept for the
            try:  # next mx.nd.waitall() (a later, unrelated read): take it now
                mx.nd.waitall()
            except mx.MXNetError:
                pass
        said = complaint(e)
        if "float16" in said and "CuDNN" in said:
            raise ValueError(
                f"{call} cannot run net(X) in float16 on {getattr(X, 'context', 'the CPU')}: "
                f"MXNet's CPU build has no float16 Dense or Conv2D forward ({said[:120]}); "
                "run it on a GPU, or cast the net and the batch to float32 first: "
                "net.cast('float32'), X.astype('float32')") from None
        if record and "inplace operations" in said:
            raise ValueError(
                f"the net's forward writes into an array in place (such as X /= 2 or "
                f"X[:] = ...), which autograd cannot record, so no gradient can be taken on a "
                f"batch of shape {shape}: {said[:200]}; write X = X / 2 instead") from None
        raise ValueError(f"{call}: the net cannot take a batch of shape {shape}: {said[:300]}; "
                         "pass a batch the net accepts, e.g. the X you trained it with") from None


def _uses_of(net: gluon.Block, calls: "Dict[int, int] | None" = None
         ) -> "OrderedDict[int, Tuple[gluon.Parameter, List[Tuple[Use, str]]]]":
    """id(Parameter) -> (Parameter, [(use, its name in the block)]).

    Without ``calls``, one use per structural path; with them, a block called more times
    than it has paths has one use per call.
    """
    by_block = _owners(net)
    out: "OrderedDict[int, Tuple[gluon.Parameter, List[Tuple[Use, str]]]]" = OrderedDict()
    for bid, (block, paths) in by_block.items():
        mine = {id(p): (name, p) for name, p in _own_named(block).items()}
        n_calls = (calls or {}).get(bid, 0)
        for pid, (name, p) in mine.items():
            entry = out.setdefault(pid, (p, []))[1]
            if calls is not None and n_calls > len(paths):
                where = "|".join(paths)
                entry.extend((Use(bid, i, where), name) for i in range(1, n_calls + 1))
            else:
                entry.extend((Use(bid, 0, path), name) for path in paths)
    return out


def _own_named(block) -> "OrderedDict[str, gluon.Parameter]":
    """A block's own parameters keyed as in structural paths (attribute, else name suffix)."""
    out = OrderedDict(_gluon.own_params(block))
    seen = {id(p) for p in out.values()}
    for p in block.params.values():
        if id(p) not in seen:
            seen.add(id(p))
            out[p.name[len(block.prefix):] if p.name.startswith(block.prefix) else p.name] = p
    return out


def _separate(twin: gluon.Block, tied: "List[Use]") -> Dict[Use, Dict[str, object]]:
    """Give every use of a tied Parameter of ``twin`` (a private copy) its own Parameter.

    Each owning block's ``forward`` is replaced, on the copy only, by one that counts its
    calls and runs ``hybrid_forward`` with the parameters of that use (uses of one block
    in the order given: its paths, or its calls). Returns ``{use: {attribute: Parameter}}``.
    A plain Block (no ``hybrid_forward``) cannot be redirected: a ValueError says so.
    """
    blocks = {id(b): b for _, b in _gluon.blocks(twin)}
    per_block: Dict[int, List[Use]] = {}
    for u in tied:
        per_block.setdefault(u.block_id, [])
        if u not in per_block[u.block_id]:
            per_block[u.block_id].append(u)
    own: Dict[Use, Dict[str, object]] = {}
    for bid, block_uses in per_block.items():
        block = blocks[bid]
        if not isinstance(block, gluon.HybridBlock):
            raise ValueError(
                f"block {block.name!r} ({type(block).__name__}) uses a tied parameter inside "
                "its own forward(), which tied_gradients cannot split into uses; it separates "
                "the uses of HybridBlock layers (Dense, Conv2D, ...)")
        names = _gluon.own_params(block)
        for u in block_uses:
            own[u] = {k: _clone(p) for k, p in names.items()}
        block.forward = _redirect(block, [own[u] for u in block_uses])
    return own


def _clone(p: gluon.Parameter) -> gluon.Parameter:
    q = gluon.Parameter(p.name + "_use", shape=p.shape, dtype=p.dtype,
                        grad_req="write" if p.grad_req != "null" else "null")
    q.initialize(ctx=p.list_ctx())
    for c in p.list_ctx():  # each context's own values (replicas may differ)
        q.data(c)[:] = p.data(c)
    return q


def _redirect(block, params_per_call):
    count: Dict[str, int] = {}  # calls so far, per context (one forward per context)

    def forward(x, *args):
        ctx = x.context
        i = min(count.get(str(ctx), 0), len(params_per_call) - 1)
        count[str(ctx)] = count.get(str(ctx), 0) + 1
        with ctx:
            kw = {k: q.data(ctx) for k, q in params_per_call[i].items()}
            return block.hybrid_forward(mx.ndarray, x, *args, **kw)

    return forward
