"""Where each Parameter is used: by structure (paths) and, with a batch, by call (private).

A Parameter has one use per place in the net that holds it (``params=shared.params``, one
block added twice) and, with a batch, one per call of its block in one forward (a layer
called twice in ``forward``, the book's FancyMLP). Calls are counted with Gluon's public
forward hooks on a private copy of the net (a hybridized net runs its cached graph and
would not call the hooks), so the student's net is never touched.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Dict, List, NamedTuple, Tuple

import mxnet as mx
from mxnet import autograd, gluon

from . import _gluon
from ._text import complaint


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


def owners(net: gluon.Block) -> "OrderedDict[int, Tuple[gluon.Block, List[str]]]":
    """id(block) -> (block, [structural paths of the block]) for blocks that own parameters."""
    out: "OrderedDict[int, Tuple[gluon.Block, List[str]]]" = OrderedDict()
    for path, block in _gluon.block_paths(net):
        if _gluon.owns_params(block):
            out.setdefault(id(block), (block, []))[1].append(path)
    return out


def count_calls(twin: gluon.Block, X) -> Dict[int, int]:
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
        run_forward(twin, X)
    finally:
        for h in handles:
            h.detach()
    return calls


def run_forward(net, X, record: bool = False):
    """``net(X)`` in predict mode (no dropout draw, no running-statistics update).

    With ``record=True`` it returns ``net(X).sum()`` recorded for a backward.
    """
    shape = getattr(X, "shape", None)
    try:
        if record:
            with autograd.record(train_mode=False):
                out = net(X)
                if not _gluon.is_mx_array(out):
                    raise TypeError(f"needs a net with one array output, got {type(out).__name__}")
                return out.sum()
        with autograd.pause(train_mode=False):
            return net(X)
    except Exception as e:  # noqa: BLE001 - the net's own complaint, whatever its type
        said = complaint(e)
        if record and "inplace operations" in said:
            raise ValueError(
                f"the net's forward writes into an array in place (such as X /= 2 or "
                f"X[:] = ...), which autograd cannot record, so no gradient can be taken on a "
                f"batch of shape {shape}: {said[:200]}; write X = X / 2 instead") from None
        raise ValueError(f"the net cannot take a batch of shape {shape}: {said[:300]}; pass a "
                         "batch the net accepts, e.g. the X you trained it with") from None


def uses(net: gluon.Block, calls: "Dict[int, int] | None" = None
         ) -> "OrderedDict[int, Tuple[gluon.Parameter, List[Tuple[Use, str]]]]":
    """id(Parameter) -> (Parameter, [(use, its name in the block)]).

    Without ``calls``, one use per structural path; with them, a block called more times
    than it has paths has one use per call.
    """
    by_block = owners(net)
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


def separate(twin: gluon.Block, tied: "List[Use]") -> Dict[Use, Dict[str, object]]:
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
