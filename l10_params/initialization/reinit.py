"""Re-initialize, initialize by pattern, and explain before: what Gluon will run on each parameter.

Every helper runs Gluon's own ``Parameter.initialize(..., force_reinit=True)``. New values are
computed first, on the CPU, with exactly the call Gluon makes (so the random draws and their
order are those of ``net.initialize(init, force_reinit=True)``), and written only when every
parameter succeeded: a failing call changes no value. Each parameter keeps its contexts, and
every context receives the same copy.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import mxnet as mx
from mxnet import gluon

from .. import _gluon
from .._table import Table
from .._text import brief, compile_pattern, format_shape
from .._validate import flag, require_initialized, require_target
from ..access import select as _select
from ..devices import CtxSpec, resolve_ctx
from .plan import apply, as_initializer, describe, fit_error, plan


def _ctx_for(p: gluon.Parameter, ctx) -> list:
    """The chosen contexts, else where ``p`` lives, else Gluon's current context."""
    return list(ctx) if ctx is not None else (_gluon.contexts(p) or [mx.current_context()])


def reinitialize(net, init=None, select: Optional[str] = None, *,
                 exclude: Optional[str] = None, by: str = "name", ctx: CtxSpec = None,
                 override: bool = False, allow_nonfinite: bool = False) -> List[str]:
    """Re-initialize the selected parameters as ``initialize(init, force_reinit=True)`` does.

    ``net`` is a net, a ParameterDict or one Parameter; ``select``, ``exclude`` and ``by``
    choose the parameters as :func:`l10_params.select` does (all of them by default). With
    ``override=False`` Gluon's rule holds: a parameter's own initializer wins (a Dense bias
    keeps its ``'zeros'``). With ``override=True`` ``init`` applies to every selected parameter,
    biases included (``param.initialize(init=init, force_reinit=True)``); an ``init`` that
    would reach none of the selected parameters (``'.*bias'`` without ``override=True``) is a
    ``ValueError``, as the call would change nothing it names. No warnings; each
    parameter stays on its contexts unless ``ctx`` is given (through ``resolve_ctx``), and all
    its copies get the same values. ``init=None`` is Gluon's default, ``Uniform(0.07)``. New
    values with NaN or inf (``init.Constant(nan)``) are a ``ValueError`` unless
    ``allow_nonfinite=True``; a Constant an integer dtype cannot hold as it is (out of range,
    a fraction) or too large for a float dtype is a ``ValueError`` always. A parameter never
    initialized is a ``RuntimeError`` (there is nothing to re-initialize and no
    context to keep): call ``net.initialize`` or ``initialize_by_pattern`` first. Returns the
    names re-initialized.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> reinitialize(net, mx.init.Constant(1))
    ['dense0_weight', 'dense0_bias', 'dense1_weight', 'dense1_bias']
    >>> net[0].weight.data()[0, :2].asnumpy(), net[0].bias.data()[:2].asnumpy()
    (array([1., 1.], dtype=float32), array([0., 0.], dtype=float32))
    >>> reinitialize(net, mx.init.Constant(1), select='.*bias', override=True)
    ['dense0_bias', 'dense1_bias']
    >>> net[0].bias.data()[:2].asnumpy()
    array([1., 1.], dtype=float32)
    """
    require_target(net, "net")
    override = flag(override, "override", "reinitialize")
    allow_nonfinite = flag(allow_nonfinite, "allow_nonfinite", "reinitialize")
    if init is not None:
        init = as_initializer(init)
    elif override:
        raise ValueError("override=True applies init to every selected parameter, so it needs "
                         "one: e.g. reinitialize(net, init.Normal(0.01), override=True)")
    if select is not None or exclude is not None:  # select takes a Parameter too
        params = list(_select(net, select, exclude=exclude, by=by).values())
    else:
        params = list(_gluon.named_params(net).values())
    for p in params:
        require_initialized(p)  # nothing to re-initialize, and no context to keep
    ctx = None if ctx is None else resolve_ctx(ctx)
    default = init if init is not None else mx.init.Uniform()
    plans = [plan(p, default, explicit=init if override else None) for p in params]
    if init is not None and plans and not any(_uses(pl, init) for pl in plans):
        own = ", ".join(f"{pl.param.name}: " + (repr(pl.chosen) if isinstance(pl.chosen, str)
                                                  else describe(pl.chosen)) for pl in plans[:3])
        more = f" and {len(plans) - 3} more" if len(plans) > 3 else ""
        chose = "" if select is None else f", select={select!r}"
        code = ("init." if type(init).__module__.startswith("mxnet.") else "") + describe(init)
        raise ValueError(
            f"reinitialize: {describe(init)} would reach none of the {len(plans)} selected "
            f"parameters: each has its own initializer, which Gluon runs first ({own}{more}); "
            f"to give them {describe(init)}, pass override=True: "
            f"reinitialize(net, {code}{chose}, override=True)")
    for pl in plans:
        pl.ctx = _ctx_for(pl.param, ctx)
    apply(plans, allow_nonfinite)
    return [p.name for p in params]


def _uses(pl, initializer) -> bool:
    """Whether ``initializer`` runs on the plan's parameter (chosen, or through the
    name-suffix rule of an empty own init)."""
    return pl.chosen is initializer or (not pl.chosen and pl.default_init is initializer)


def _rules(rules) -> List[Tuple[str, object]]:
    items = list(rules.items()) if isinstance(rules, Mapping) else rules
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise TypeError(f"rules must be a list of (pattern, initializer) pairs or a dict, not "
                        f"{type(rules).__name__}; e.g. [('.*weight', init.Xavier())]")
    out = []
    for i, item in enumerate(items):
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(f"rule {i} is {brief(item)}; each rule is a (pattern, initializer) "
                            "pair such as ('.*weight', init.Xavier())")
        compile_pattern(item[0], f"rule {i} pattern")
        out.append((item[0], as_initializer(item[1], f"rule {i} ({item[0]!r}) initializer")))
    return out


def initialize_by_pattern(net, rules, *, default=None, ctx: CtxSpec = None,
                          allow_nonfinite: bool = False) -> Dict[str, str]:
    """Initialize each parameter with the first rule whose pattern matches its name.

    ``rules`` is a dict or a list of ``(pattern, initializer)``; patterns are Gluon's
    (``re.match`` on the full name). A matched initializer, and ``default`` for the
    parameters no rule matches, applies whatever the parameter's own initializer
    (``param.initialize(init=..., force_reinit=True)``); with ``default=None`` those keep
    Gluon's choice (their own initializer, else ``Uniform(0.07)``). Everything is checked
    first: an invalid or unmatched pattern, a rule that earlier rules shadow completely, an
    initializer that does not fit its parameter (Xavier on a bias), values with NaN or inf
    (unless ``allow_nonfinite=True``) are a ``ValueError`` and nothing changes. On a
    deferred net the choices wait for the first forward (as long as no later
    ``net.initialize()`` replaces them). Returns ``{name: initializer used}``.

    >>> from l10_params import fresh_names
    >>> with fresh_names():
    ...     net = gluon.nn.Dense(4)  # input size unknown: deferred
    >>> initialize_by_pattern(net, [('.*weight', mx.init.Xavier())], default=mx.init.One())
    {'dense0_weight': "Xavier(rnd_type='uniform', factor_type='avg', magnitude=3)", \
'dense0_bias': 'One()'}
    >>> _ = net(mx.nd.ones((2, 3)))
    >>> net.bias.data().asnumpy()
    array([1., 1., 1., 1.], dtype=float32)
    """
    require_target(net, allow_param=False)
    allow_nonfinite = flag(allow_nonfinite, "allow_nonfinite", "initialize_by_pattern")
    rules = _rules(rules)
    if default is not None:
        default = as_initializer(default, "default")
    ctx = None if ctx is None else resolve_ctx(ctx)
    params = _gluon.named_params(net)
    taken: Dict[str, Tuple[int, object]] = {}
    for i, (pattern, initializer) in enumerate(rules):
        matched = list(_select(net, pattern))  # ValueError with hints when nothing matches
        new = [n for n in matched if n not in taken]
        if not new:
            first = taken[matched[0]][0]
            raise ValueError(f"rule {i} ({pattern!r}) never applies: rule {first} "
                             f"({rules[first][0]!r}) already takes {', '.join(matched)}; "
                             "put the narrower pattern first")
        taken.update({n: (i, initializer) for n in new})
    plans = [plan(p, mx.init.Uniform(), explicit=taken.get(n, (0, default))[1])
             for n, p in params.items()]
    for pl in plans:
        pl.ctx = _ctx_for(pl.param, ctx)
    apply(plans, allow_nonfinite)
    return {pl.param.name: pl.runs() for pl in plans}


@dataclass(frozen=True)
class InitRow:
    name: str
    paths: Tuple[str, ...]
    shape: str
    state: str
    runs: str
    why: str
    without_force_reinit: str


def explain_init(net, init=None) -> Table:
    """Which initializer ``net.initialize(init)`` would run on each parameter, and why.

    Read from Gluon 1.9.1's rule: a parameter's own initializer (``Parameter.init``, e.g. a
    Dense bias's ``'zeros'``) wins; otherwise the ``init`` given (``None``: Gluon's default
    ``Uniform(0.07)``) runs its ``_init_weight`` whatever the name; only an empty own
    initializer (``''``) falls back to the name-suffix rule (weight, bias -> 0, gamma -> 1,
    beta -> 0). The last column says what a call without ``force_reinit=True`` would do:
    skip (and warn) an initialized parameter, replace a deferred one's pending initializer.
    Nothing is run or changed.

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> t = explain_init(net, mx.init.Constant(1))
    >>> [(r.name, r.runs) for r in t]  # doctest: +NORMALIZE_WHITESPACE
    [('dense0_weight', 'Constant(value=1)'), ('dense0_bias', "Zero() ('zeros')"),
     ('dense1_weight', 'Constant(value=1)'), ('dense1_bias', "Zero() ('zeros')")]
    >>> t[0].without_force_reinit
    'skipped with a warning: already initialized'
    """
    require_target(net, allow_param=False)
    default = as_initializer(init) if init is not None else mx.init.Uniform()
    paths = {id(p): ps for p, ps in _gluon.unique_params(net).values()}
    rows, skipped = [], 0
    for name, p in _gluon.named_params(net).items():
        pl = plan(p, default)
        st = _gluon.state(p)
        runs = pl.runs()
        err = fit_error(pl)
        if err:
            runs += " -> fails: " + err.split(";")[0]
        if st == _gluon.INITIALIZED:
            skipped += 1
            without = "skipped with a warning: already initialized"
        elif st == _gluon.DEFERRED:
            without = f"replaces pending {describe(_gluon.pending_init(p))} (deferred)"
        else:
            without = "runs" if _gluon.known_shape(p) else "runs at the first forward"
        rows.append(InitRow(name, tuple(paths.get(id(p), [name])),
                            format_shape(p.shape), st, runs, pl.why, without))
    call = f"net.initialize({describe(init) if init is not None else ''})"
    pending = sum(r.state == _gluon.DEFERRED for r in rows)
    if pending:
        footer_pending = [f"it would replace the pending initializer of {pending} deferred "
                          "parameter(s): on a deferred net the last call wins"]
    else:
        footer_pending = []
    footer = [f"{call} would skip {skipped} of {len(rows)} parameter(s) (already initialized); "
              "add force_reinit=True or use reinitialize(net, init)" if skipped else
              f"{call} would initialize every parameter listed"] + footer_pending
    return Table(rows, title=f"What {call} would do", footer=footer,
                 columns=[("name", "name"), ("shape", "shape"), ("state", "state"),
                          ("runs", "runs"), ("why", "why"),
                          ("without_force_reinit", "without force_reinit")])
