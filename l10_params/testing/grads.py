"""Claims about where a parameter sits and about training: gradients (tied ones summed over
their uses), gradient norms, and the losses of a training loop."""
from __future__ import annotations

import math
import numbers
from typing import Dict, Optional, Tuple

import numpy as np
from mxnet import autograd, gluon

from .. import _gluon
from .._text import format_shape
from .._validate import number, require_net
from ..sharing import tied_gradients
from ._common import as_numpy, fail, kind, listed, one_name, operand_names, show
from ._common import paths as _paths


def _index(net: str, path: str) -> str:
    """``('rgnet', '0.2.1.bias')`` -> ``'rgnet[0][2][1].bias'``."""
    *layers, attr = path.split(".")
    return net + "".join(f"[{i}]" if i.isdigit() else f".{i}" for i in layers) + f".{attr}"


def assert_param_at(net, path: str, param, *, names: Optional[Tuple[str, str]] = None
                    ) -> None:
    """``param`` is the very Parameter that ``net`` holds at the structural ``path``.

    Paths are those :func:`~l10_params.summary` prints: ``'0.2.1.bias'`` is
    ``net[0][2][1].bias``. The message says where ``param`` sits in ``net`` as an index
    expression, and the likely mistake (one index too far: indices count from 0; the right
    layer but the other parameter; a Parameter of another net). ``names`` is how it calls
    ``net`` and ``param`` (``('net', 'param')`` by default).

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> assert_param_at(net, '1.bias', net[1].bias)
    >>> assert_param_at(net, '0.bias', net[1].bias, names=('net', 'b'))
    Traceback (most recent call last):
    ...
    AssertionError: b is net[1].bias: indices count from 0
    expected: the Parameter at path '0.bias', net[0].bias (dense0_bias, shape (256,))
    found: dense1_bias, at path '1.bias'
    """
    require_net(net, call="assert_param_at", why="e.g. assert_param_at(net, '0.1.bias', p)")
    N, P = operand_names(names, 2, ("net", "param"), "assert_param_at")
    if not isinstance(path, str):
        raise TypeError(f"path must be a structural path such as '0.1.bias', not {path!r}")
    if not isinstance(param, gluon.Parameter):
        hint = (f": {P} holds its values; take the Parameter itself, e.g. net[0].bias, not "
                "net[0].bias.data()" if hasattr(param, "asnumpy") else "")
        raise TypeError(f"{P} must be a gluon.Parameter, not {kind(param)}{hint}")
    paths = _paths(net)
    if path not in paths:
        raise ValueError(f"net has no parameter at path {path!r}; its paths are "
                         f"{', '.join(list(paths)[:6])}{', ...' if len(paths) > 6 else ''}")
    want = paths[path]
    if param is want:
        return
    expected = (f"expected: the Parameter at path {path!r}, {_index(N, path)} ({want.name}, "
                f"shape {format_shape(want.shape)})")
    where = [k for k, p in paths.items() if p is param]
    if not where:
        raise fail(f"{P} ({param.name}) is not in {N}: index into {N} itself",
                   expected, f"found: {param.name}, a Parameter of another net")
    found = f"found: {param.name}, at path {where[0]!r}"
    have, want_parts = where[0].split("."), path.split(".")
    if have[:-1] == want_parts[:-1]:
        first = f"{P} is {_index(N, where[0])}: take .{want_parts[-1]}"
    elif len(have) == len(want_parts) and all(
            h == w or (h.isdigit() and w.isdigit() and int(h) == int(w) + 1)
            for h, w in zip(have[:-1], want_parts[:-1])):
        first = f"{P} is {_index(N, where[0])}: indices count from 0"
    else:
        first = f"{P} is {_index(N, where[0])}, another layer: see the paths"
    raise fail(first, expected, found)


def _plain_gradient(net, X, path: str) -> Optional[np.ndarray]:
    """The gradient at ``path`` of one backward of ``net(X).sum()`` (predict mode), taken on
    a private copy of ``net``; None if the net cannot run."""
    twin = _gluon.private_copy(net)
    for p in _gluon.iter_params(twin):
        _gluon.zero_grad(p)
    X = _gluon.as_current(X)
    try:
        with autograd.record(train_mode=False):
            out = twin(X).sum()
        out.backward()
    except Exception:  # noqa: BLE001 - tied_gradients has already run this net
        return None
    return _paths(twin)[path].grad().asnumpy()


def _ratio(g: np.ndarray, want: np.ndarray) -> float:
    """The c for which g is c times want (least squares), NaN when want is 0."""
    den = float(np.vdot(want, want))
    return float(np.vdot(g, want)) / den if den else float("nan")


def assert_grad_is_sum(net, X, grads: Optional[Dict[str, object]] = None, *,
                       rtol: float = 1e-4, atol: float = 1e-6,
                       names: Optional[Tuple[str, str]] = None) -> None:
    """Each tied parameter's gradient is the sum over its uses; each given gradient is right.

    Judged by :func:`~l10_params.tied_gradients` (a backward of ``net(X).sum()`` in predict
    mode, then one with each use given its own copy). Without ``grads``, ``net`` must have
    tied parameters. ``grads`` maps a structural path or Gluon name to a gradient the student
    computed for that same loss; each must equal the sum over the uses of its parameter (for
    a parameter used once, its gradient): ``|g - sum| <= atol + rtol * |sum|``. A wrong one
    is named with its likely cause (twice the sum, zeros, the mean instead of the sum, one
    use only). ``names`` is how the message calls ``net`` and ``grads``.

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> assert_grad_is_sum(net, X)
    >>> from mxnet import autograd
    >>> with autograd.record():
    ...     out = net(X).sum()
    >>> out.backward()
    >>> assert_grad_is_sum(net, X, {'1.weight': net[1].weight.grad()})
    >>> assert_grad_is_sum(net, X, {'1.weight': 2 * net[1].weight.grad()},
    ...                    names=('net', 'g'))
    Traceback (most recent call last):
    ...
    AssertionError: g is 2 x the gradient: grad() already sums the 2 uses
    ...
    """
    require_net(net, call="assert_grad_is_sum", why="e.g. assert_grad_is_sum(net, X)")
    N, G = operand_names(names, 2, ("net", "grads"), "assert_grad_is_sum")
    rtol = number(rtol, "rtol", "assert_grad_is_sum", low=0)
    atol = number(atol, "atol", "assert_grad_is_sum", low=0)
    if grads is not None and not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict {{structural path: gradient}}, e.g. "
                        f"{{'1.weight': g}}, not {type(grads).__name__}")
    rows = list(tied_gradients(net, X))
    if not rows and not grads:
        raise fail(f"{N} has no tied parameters: build a layer with params=",
                   "expected: a Parameter used by two layers (the second built with "
                   "params=first.params, or tied_dense(first))",
                   f"found: every Parameter of {N} has one use")
    for r in rows:
        if not r.agree:
            raise fail(f"the gradient of {r.name} is not the sum of its uses",
                       f"found: it differs from the sum over {' and '.join(r.paths)} by "
                       f"{r.max_diff:.3g}")
    paths = _paths(net)
    by_name = {p.name: k for k, p in paths.items()}
    for key, given in (grads or {}).items():
        row = next((r for r in rows if key in r.paths or key == r.name), None)
        path = key if key in paths else by_name.get(key)
        label = G if len(grads) == 1 else f"{G}[{key!r}]"
        if row is None and path is None:
            raise ValueError(f"{key!r} is neither a structural path nor a Gluon name of "
                             f"{N}; its paths are {listed(list(paths), 6)}")
        g = as_numpy(given, f"the gradient for {key!r}", "assert_grad_is_sum")
        if row is not None:
            want, uses = row.summed, row.paths
        else:
            want, uses = _plain_gradient(net, X, path), (path,)
            if want is None:
                raise ValueError(f"{N}(X) cannot run for the gradient of {key!r}")
        what = (f"the sum of the gradients of its {len(uses)} uses ({' and '.join(uses)})"
                if len(uses) > 1 else f"the gradient of {uses[0]} (used once)")
        if g.shape != want.shape:
            raise fail(f"{label} has shape {g.shape}, expected {want.shape}: take "
                       f".weight.grad()", f"expected: {what}, shape {want.shape}",
                       f"found: {show(given, 120)}")
        if np.allclose(g, want, rtol=rtol, atol=atol):
            continue
        norm, want_norm = float(np.linalg.norm(g)), float(np.linalg.norm(want))
        c = _ratio(g, want)
        close_to_c = (math.isfinite(c) and c and
                      np.allclose(g, c * want, rtol=1e-3, atol=1e-6 * max(1.0, want_norm)))
        if not norm:
            first, why = f"{label} is all zeros: run backward() before reading grad()", None
        elif close_to_c and abs(c - round(c)) < 1e-3 and round(c) > 1:
            k = round(c)
            first = (f"{label} is {k} x the gradient: grad() already sums the {k} uses"
                     if len(uses) == k else
                     f"{label} is {k} x the gradient: one backward, fresh gradients")
            why = ("likely: the layers that share the Parameter hold one Parameter, so "
                   "p.grad() already holds the sum over its uses; adding the gradient of "
                   "each layer counts it again; or gradients were added over several "
                   "backward passes (grad_req 'add')" if len(uses) == k else
                   "likely: gradients added over several backward passes (grad_req 'add')")
        elif close_to_c and 0 < c < 1:
            first = f"{label} is {c:.3g} x the gradient: backward of {N}(X).sum()"
            why = "likely: the gradient of another loss (a mean instead of the sum?)"
        else:
            first = f"{label} is not {N}'s gradient: one backward of {N}(X).sum()"
            why = ("compute it for the loss the test uses: with autograd.record(): "
                   f"out = {N}(X).sum(); then out.backward() and p.grad()")
        raise fail(first,
                   f"expected: {what}, norm {want_norm:.6g}"
                   + (f" (the uses: {', '.join(f'{u:.6g}' for u in row.use_norms)})"
                      if row is not None else ""),
                   f"found: norm {norm:.6g}", why)


def assert_grad_norms(net, reported: Dict[str, float], *, rtol: float = 1e-4,
                      atol: float = 1e-6, names: Optional[Tuple[str, str]] = None) -> None:
    """``reported`` holds the L2 norm of the current gradient of every weight of ``net``.

    Keys are structural paths (``'0.weight'``), one per weight that trains; values are the
    norms of the gradients of the last backward (``np.linalg.norm(p.grad())``), as numbers.
    Tied layers share one Parameter, so their paths report the same norm. ``names`` is how
    the message calls ``net`` and ``reported``.

    >>> from l10_params import lecture_mlp
    >>> from mxnet import autograd
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> with autograd.record():
    ...     out = net(X).sum()
    >>> out.backward()
    >>> norms = {p: float(net[int(p[0])].weight.grad().norm().asscalar())
    ...          for p in ('0.weight', '1.weight')}
    >>> assert_grad_norms(net, norms)
    >>> assert_grad_norms(net, {'0.weight': norms['0.weight'], 'dense1_weight': 1.0})
    Traceback (most recent call last):
    ...
    AssertionError: reported has Gluon names as keys: key it by path, e.g. '1.weight'
    expected: one norm per weight, keyed by structural path: 0.weight, 1.weight
    found keys: '0.weight', 'dense1_weight' (a Gluon name: its path is '1.weight')
    """
    require_net(net, call="assert_grad_norms",
                why="e.g. assert_grad_norms(net, {'0.weight': 1.5})")
    N, R = operand_names(names, 2, ("net", "reported"), "assert_grad_norms")
    rtol = number(rtol, "rtol", "assert_grad_norms", low=0)
    atol = number(atol, "atol", "assert_grad_norms", low=0)
    if not isinstance(reported, dict):
        raise TypeError(f"{R} must be a dict {{structural path: norm}}, e.g. "
                        f"{{'0.weight': 0.12}}, not {show(reported, 80)}")
    paths = _paths(net)
    weights = [k for k, p in paths.items() if k.endswith("weight") and p.grad_req != "null"]
    missing = [k for k in weights if k not in reported]
    unknown = [k for k in reported if k not in weights]
    if missing or unknown:
        by_name = {p.name: k for k, p in paths.items()}
        named = [k for k in unknown if k in by_name]
        found = ", ".join(f"{k!r} (a Gluon name: its path is {by_name[k]!r})"
                          if k in by_name else repr(k) for k in reported)
        if named:
            first = f"{R} has Gluon names as keys: key it by path, e.g. {by_name[named[0]]!r}"
        elif missing:
            first = f"{R} lacks {listed([repr(k) for k in missing], 2)}: one norm per weight"
        else:
            first = f"{R} has keys that are no weight's path: {listed(unknown, 2)}"
        raise fail(first, f"expected: one norm per weight, keyed by structural path: "
                   f"{listed(weights, 6)}", f"found keys: {found}")
    lines, firsts = [], []
    for k in weights:
        p, value = paths[k], reported[k]
        if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating)):
            raise TypeError(f"{R}[{k!r}] must be a number, e.g. float(np.linalg.norm("
                            f"p.grad())), not {show(value, 80)}")
        want = float(np.linalg.norm(p.list_grad()[0].asnumpy()))
        if abs(float(value) - want) <= atol + rtol * want:
            continue
        data = float(np.linalg.norm(p.list_data()[0].asnumpy()))
        if abs(float(value) - data) <= 1e-4 * data:
            hint, short = ("that is the norm of the weight's values",
                           ("the norm of the values", "use grad()"))
        elif not want:
            hint, short = ("the gradient is all zeros: no backward ran since the last "
                           "zero_grad()", ("a zero gradient's", "run backward first"))
        else:
            hint, short = ("report the gradient of the last backward, after the training loop",
                           ("off", "take the norm after the last step"))
        firsts.append(short)
        lines.append(f"{k} ({p.name}): expected {want:.6g}, found {float(value):.6g}; {hint}")
    if lines:
        bad = [k for k in weights if any(ln.startswith(f"{k} (") for ln in lines)]
        what, fix = firsts[0]
        first = (f"{R}[{bad[0]!r}] is {what}: {fix}" if len(lines) == 1 else
                 f"{R} is off at {len(lines)} weights: {fix}")
        raise fail(first, *lines)


def assert_losses(losses, *, steps: Optional[int] = None, name: Optional[str] = None) -> None:
    """``losses`` is a training loop's record: a list of Python floats, one per step
    (``steps`` of them when given), and the last is below the first.

    The message shows the list shortened, with the type of its items (a ``numpy.float32``
    prints like a float but is not one: ``float(l)`` makes one). ``name`` is how it calls
    ``losses``.

    >>> assert_losses([0.9, 0.5, 0.2], steps=3)
    >>> import numpy as np
    >>> assert_losses([np.float32(0.9), np.float32(0.5)], steps=2)
    Traceback (most recent call last):
    ...
    AssertionError: losses holds numpy.float32, not float: append float(l)
    expected: a list of 2 Python floats, one loss per step
    found: list of 2 numpy.float32: [0.9, 0.5]
    """
    label = one_name(name, "losses", "assert_losses")
    if steps is not None:
        steps = number(steps, "steps", "assert_losses", whole=True, low=2,
                       note=" (one loss per step: at least two to see it go down)")
    count = f"{steps} " if steps else ""
    expected = f"expected: a list of {count}Python floats, one loss per step"
    if not isinstance(losses, (list, tuple)):
        raise fail(f"{label} is {kind(losses)}, not a list: append one loss per step",
                   expected, f"found: {show(losses)}")
    if steps is not None and len(losses) != steps:
        raise fail(f"{label} has {len(losses)} items, expected {steps}: append once per step",
                   expected, f"found: {show(losses)}")
    if len(losses) < 2:
        raise fail(f"{label} has {len(losses)} items: append one loss per step",
                   expected, f"found: {show(losses)}")
    odd = sorted({kind(v) for v in losses if type(v) is not float})
    if odd:
        fix = "append float(l)" if all("float" in k or "ndarray" in k or "NDArray" in k
                                       for k in odd) else "append float(loss)"
        raise fail(f"{label} holds {listed(odd, 2)}, not float: {fix}",
                   expected, f"found: {show(losses)}")
    bad = [i for i, v in enumerate(losses) if not math.isfinite(v)]
    if bad:
        raise fail(f"{label}[{bad[0]}] is {losses[bad[0]]}: lower the learning rate",
                   expected + ", all finite", f"found: {show(losses)}")
    if not losses[-1] < losses[0]:
        raise fail("the loss did not go down: trainer.step after each backward?",
                   f"expected: the last loss below the first ({losses[0]:.6g})",
                   f"found: {show(losses)}",
                   "check that trainer.step(...) runs after each backward, that the "
                   "parameters train (grad_req not 'null') and that the loss is of this "
                   "net's output")
