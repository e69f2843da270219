"""Claims about where a parameter sits and about gradients (tied ones summed over uses)."""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np
from mxnet import gluon

from .._text import format_shape
from .._validate import number, require_net
from ..sharing import tied_gradients
from ._common import as_numpy
from ._common import paths as _paths


def assert_param_at(net, path: str, param) -> None:
    """``param`` is the very Parameter that ``net`` holds at the structural ``path``.

    Paths are those :func:`~l10_params.summary` prints: ``'0.2.1.bias'`` is
    ``net[0][2][1].bias``. The message names the Parameter expected and the one found, and
    where the latter sits in ``net``.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> assert_param_at(net, '1.bias', net[1].bias)
    >>> assert_param_at(net, '1.bias', net[0].bias)
    Traceback (most recent call last):
    ...
    AssertionError: expected the Parameter at path '1.bias' (dense1_bias, shape (10,)), found \
dense0_bias, which is at path '0.bias': the right kind of parameter in the wrong layer; ...
    """
    require_net(net, call="assert_param_at", why="e.g. assert_param_at(net, '0.1.bias', p)")
    if not isinstance(path, str):
        raise TypeError(f"path must be a structural path such as '0.1.bias', not {path!r}")
    if not isinstance(param, gluon.Parameter):
        hint = (" (that is its values: pass the Parameter itself, e.g. net[0].bias, not "
                "net[0].bias.data())" if hasattr(param, "asnumpy") else "")
        raise TypeError(f"assert_param_at takes a gluon.Parameter as param, not "
                        f"{type(param).__name__}{hint}")
    paths = _paths(net)
    if path not in paths:
        raise ValueError(f"net has no parameter at path {path!r}; its paths are "
                         f"{', '.join(list(paths)[:6])}{', ...' if len(paths) > 6 else ''}")
    want = paths[path]
    if param is want:
        return
    where = [k for k, p in paths.items() if p is param]
    if not where:
        found = f"{param.name}, which is not a parameter of this net"
        hint = "index into this net itself, e.g. net[0][1].bias, rather than another net"
    else:
        found = f"{param.name}, which is at path {where[0]!r}"
        layer, kind = path.rsplit(".", 1)
        if where[0].rsplit(".", 1)[0] == layer:
            hint = f"the right layer but the wrong parameter: take .{kind}"
        else:
            hint = ("the right kind of parameter in the wrong layer; indices count from 0 "
                    "and each level of nesting needs its own index: "
                    + "net" + "".join(f"[{i}]" for i in layer.split(".")) + f".{kind}")
    raise AssertionError(f"expected the Parameter at path {path!r} ({want.name}, shape "
                         f"{format_shape(want.shape)}), found {found}: {hint}")


def assert_grad_is_sum(net, X, grads: Optional[Dict[str, object]] = None, *,
                       rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """``net`` has tied parameters, and each one's gradient is the sum over its uses.

    Judged by :func:`~l10_params.tied_gradients` (a backward of ``net(X).sum()`` in predict
    mode, then one with each use given its own copy). ``grads`` maps a tied parameter's
    structural path or Gluon name to a gradient the student computed for that same loss;
    each must equal the sum over the uses (``|g - sum| <= atol + rtol * |sum|``).

    >>> from l10_params import lecture_tied_mlp
    >>> net, X = lecture_tied_mlp(ctx='cpu', seed=0)
    >>> assert_grad_is_sum(net, X)
    >>> from mxnet import autograd
    >>> with autograd.record():
    ...     out = net(X).sum()
    >>> out.backward()
    >>> assert_grad_is_sum(net, X, {'1.weight': net[1].weight.grad()})
    >>> assert_grad_is_sum(net, X, {'1.weight': 2 * net[1].weight.grad()})
    Traceback (most recent call last):
    ...
    AssertionError: the gradient given for '1.weight' (dense0_weight, used at 1.weight and \
2.weight) is not the sum of the gradients of its 2 uses: expected norm ..., found norm ...; \
likely mistake: it is 2 times the sum: gradients added up over several backward passes ...
    """
    require_net(net, call="assert_grad_is_sum", why="e.g. assert_grad_is_sum(net, X)")
    rtol = number(rtol, "rtol", "assert_grad_is_sum", low=0)
    atol = number(atol, "atol", "assert_grad_is_sum", low=0)
    if grads is not None and not isinstance(grads, dict):
        raise TypeError(f"grads must be a dict {{structural path: gradient}}, e.g. "
                        f"{{'1.weight': g}}, not {type(grads).__name__}")
    rows = list(tied_gradients(net, X))
    if not rows:
        raise AssertionError("expected tied parameters, found none: every Parameter of the net "
                             "has one use; build the second layer with params=first.params "
                             "(or tied_dense(first)) so both layers hold the same objects")
    for r in rows:
        if not r.agree:
            raise AssertionError(f"the gradient of {r.name} ({' and '.join(r.paths)}) differs "
                                 f"from the sum over its uses by {r.max_diff:.3g}")
    for key, given in (grads or {}).items():
        row = next((r for r in rows if key in r.paths or key == r.name), None)
        if row is None:
            tied = ", ".join(" = ".join(r.paths) for r in rows)
            raise AssertionError(f"{key!r} is not a tied parameter of this net; the tied ones "
                                 f"are {tied} (structural paths, as summary(net) prints them)")
        g = as_numpy(given, f"the gradient for {key!r}", "assert_grad_is_sum")
        if g.shape != row.summed.shape:
            raise AssertionError(f"the gradient given for {key!r} has shape {g.shape}, expected "
                                 f"{row.summed.shape} (that of {row.name}); pass p.grad() of "
                                 "the shared weight itself")
        if np.allclose(g, row.summed, rtol=rtol, atol=atol):
            continue
        norm, want = float(np.linalg.norm(g)), row.sum_norm
        if not norm:
            hint = "it is all zeros: run out.backward() before reading the gradient"
        elif want and abs(norm / want - round(norm / want)) < 1e-3 and round(norm / want) > 1:
            hint = (f"it is {round(norm / want)} times the sum: gradients added up over several "
                    "backward passes (grad_req 'add'); run one backward on fresh gradients")
        else:
            hint = ("compute it for the loss the test uses: with autograd.record(): "
                    "out = net(X).sum(); then out.backward() and p.grad()")
        raise AssertionError(
            f"the gradient given for {key!r} ({row.name}, used at {' and '.join(row.paths)}) is "
            f"not the sum of the gradients of its {len(row.paths)} uses: expected norm "
            f"{want:.6g} (the uses: {', '.join(f'{u:.6g}' for u in row.use_norms)}), found norm "
            f"{norm:.6g}; likely mistake: {hint}")


def assert_grad_norms(net, reported: Dict[str, float], *, rtol: float = 1e-4,
                      atol: float = 1e-6) -> None:
    """``reported`` holds the L2 norm of the current gradient of every weight of ``net``.

    Keys are structural paths (``'0.weight'``), one per weight that trains; values are the
    norms of the gradients of the last backward (``np.linalg.norm(p.grad())``). Tied layers
    share one Parameter, so their paths report the same norm.

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
    AssertionError: expected one norm per weight, keyed by structural path; missing: \
'1.weight'; unknown keys: 'dense1_weight' (a Gluon name: its path is '1.weight')
    """
    require_net(net, call="assert_grad_norms",
                why="e.g. assert_grad_norms(net, {'0.weight': 1.5})")
    rtol = number(rtol, "rtol", "assert_grad_norms", low=0)
    atol = number(atol, "atol", "assert_grad_norms", low=0)
    if not isinstance(reported, dict):
        raise TypeError(f"reported must be a dict {{structural path: norm}}, e.g. "
                        f"{{'0.weight': 0.12}}, not {type(reported).__name__}")
    paths = _paths(net)
    weights = [k for k, p in paths.items() if k.endswith("weight") and p.grad_req != "null"]
    missing = [k for k in weights if k not in reported]
    unknown = [k for k in reported if k not in weights]
    if missing or unknown:
        by_name = {p.name: k for k, p in paths.items()}
        notes = [f"missing: {', '.join(map(repr, missing))}"] if missing else []
        if unknown:
            notes.append("unknown keys: " + ", ".join(
                f"{k!r} (a Gluon name: its path is {by_name[k]!r})" if k in by_name else repr(k)
                for k in unknown))
        raise AssertionError("expected one norm per weight, keyed by structural path; "
                             + "; ".join(notes))
    lines = []
    for k in weights:
        p, value = paths[k], reported[k]
        if not isinstance(value, (int, float, np.floating)):
            raise TypeError(f"the norm for {k!r} must be a number, e.g. float(np.linalg.norm("
                            f"p.grad())), not {type(value).__name__}")
        want = float(np.linalg.norm(p.list_grad()[0].asnumpy()))
        if abs(float(value) - want) <= atol + rtol * want:
            continue
        data = float(np.linalg.norm(p.list_data()[0].asnumpy()))
        hint = ("that is the norm of the weight's values: take p.grad()"
                if abs(float(value) - data) <= 1e-4 * data else
                "it is all zeros: no backward ran since the last zero_grad()" if not want else
                "report the gradient of the last backward, after the training loop")
        lines.append(f"{k} ({p.name}): expected {want:.6g}, found {float(value):.6g}; {hint}")
    if lines:
        raise AssertionError(f"{len(lines)} of {len(weights)} gradient norms differ:\n  "
                             + "\n  ".join(lines))
