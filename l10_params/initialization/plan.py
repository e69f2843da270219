"""How Gluon 1.9.1 picks and runs an initializer, replayed step by step (private).

``Parameter.initialize(init, ctx, default_init)`` stores ``init`` (or, when it is None,
``param.init`` and then ``default_init``) and later runs
``create(default_init)(InitDesc(name, {'__init__': chosen}), zeros)``. In
``Initializer.__call__`` a truthy ``chosen`` means ``create(chosen)._init_weight(...)``
whatever the name; only a falsy one (``init=''``) falls back to the name-suffix rule of
``default_init`` (``weight`` -> ``_init_weight``, ``bias`` -> ``_init_bias`` = 0, ``gamma`` -> 1,
``beta`` -> 0). ``Block.initialize(init)`` passes its ``init`` as ``default_init``, which is
why a Dense bias (``init='zeros'``) stays 0. The helpers here decide first, compute every new
value on the CPU with exactly Gluon's call (the same random draws, in the same order), and
write only when every parameter succeeded.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Optional

import mxnet as mx
from mxnet import autograd, gluon, init, nd

from .. import _gluon
from .._text import brief, complaint, format_shape
from .._validate import nonfinite_message, storable

SUFFIXES = (("weight", "_init_weight"), ("bias", "_init_bias (0)"), ("gamma", "_init_gamma (1)"),
            ("beta", "_init_beta (0)"), ("min", "_init_zero (0)"), ("max", "_init_one (1)"))


def as_initializer(value: Any, what: str = "init"):
    """``value`` if it is an Initializer instance or a name MXNet knows, else a clear error."""
    if isinstance(value, init.Initializer):
        return value
    if isinstance(value, type) and issubclass(value, init.Initializer):
        call = f"{'init.' if value.__module__.startswith('mxnet.') else ''}{value.__name__}()"
        raise TypeError(f"{what} is the class {value.__name__}, not an initializer; "
                        f"create one by calling it: {call}")
    if isinstance(value, str):
        if value.lower() not in _gluon.initializer_names():
            raise ValueError(f"{what} {value!r} is not an initializer name MXNet knows; known "
                             f"names: {', '.join(_gluon.initializer_names())}; or pass an "
                             "instance such as init.Xavier()")
        return value
    raise TypeError(f"{what} must be an mx.init.Initializer instance (e.g. init.Xavier()) or a "
                    f"registered name such as 'zeros', not {type(value).__name__} "
                    f"({brief(value, 40)})")


def describe(initializer) -> str:
    """``'zeros'`` -> ``zeros``; ``init.Constant(1)`` -> ``Constant(value=1)``."""
    if initializer is None or isinstance(initializer, str):
        return repr(initializer) if initializer in (None, "") else initializer

    def short(v):
        if isinstance(v, (nd.NDArray,)) or hasattr(v, "shape"):
            return f"<array {'x'.join(map(str, v.shape))}>"
        return repr(v)

    kwargs = _gluon.initializer_kwargs(initializer)
    args = ", ".join(f"{k}={short(v)}" for k, v in kwargs.items())
    return f"{type(initializer).__name__}({args})"


@dataclass
class Plan:
    """What runs on one parameter: ``create(default_init)(InitDesc(name, {'__init__': chosen}))``.
    """

    param: gluon.Parameter
    chosen: Any          # the '__init__' attribute: an Initializer, a name, or '' (falsy)
    default_init: Any    # Gluon's default_init: the object called (Block.initialize's init)
    explicit: bool       # given to this parameter (param.initialize(init=...)), own init ignored
    why: str
    ctx: Optional[list] = None
    value: Optional[nd.NDArray] = None

    @property
    def runner(self):
        """The Initializer object whose method runs, and the method's name."""
        if self.chosen:
            return init.create(self.chosen), "_init_weight"
        name = self.param.name
        method = next((m for s, m in SUFFIXES if name.endswith(s)), "_init_default")
        return init.create(self.default_init), method

    def runs(self) -> str:
        obj, method = self.runner
        if self.chosen and isinstance(self.chosen, str):
            return f"{describe(obj)} ({self.chosen!r})"
        return describe(obj) + ("" if method == "_init_weight" else f".{method}")


def plan(p: gluon.Parameter, default, explicit=None) -> Plan:
    """Decide as Gluon does: ``explicit`` wins, then ``p.init``, then ``default``."""
    if explicit is not None:
        own = f" (its own {describe(p.init)} is ignored)" if p.init is not None else ""
        return Plan(p, explicit, init.Uniform(), True, "given for this parameter" + own)
    if p.init is not None and p.init:
        return Plan(p, p.init, default, False,
                    f"its own initializer {p.init!r} (Parameter.init) wins"
                    if isinstance(p.init, str) else f"its own {describe(p.init)} wins")
    if p.init is not None:
        return Plan(p, p.init, default, False,
                    f"its own initializer is {p.init!r} (empty): the name-suffix rule picks")
    return Plan(p, default, default, False, "no own initializer: init's _init_weight, any name")


def fit_error(pl: Plan) -> Optional[str]:
    """Why the plan cannot work on this parameter's shape (checked without drawing), or None."""
    obj, method = pl.runner
    shape, name = pl.param.shape, pl.param.name
    if not _gluon.known_shape(pl.param) and not _gluon.can_defer(pl.param):
        return (f"{name!r} has shape {format_shape(shape)} and nothing can infer the unknown "
                "dimensions (it belongs to no layer whose first forward would): Gluon cannot "
                "initialize it; give it a full shape, e.g. gluon.Parameter(name, shape=(3, 4))")
    if method == "_init_default":
        return (f"{name!r} has no own initializer and its name ends in none of weight, bias, "
                f"gamma, beta: MXNet cannot pick a method; give it an initializer of its own")
    if method != "_init_weight" or shape is None:
        return None
    need = 4 if isinstance(obj, init.Bilinear) else 2 if isinstance(obj, init.Xavier) else 0
    if len(shape) < need:
        return (f"{describe(obj)} needs a parameter with at least {need} dimensions, but "
                f"{name!r} has shape {format_shape(shape)}; aim it at weights only, "
                "e.g. the pattern '.*weight'")
    return None


def check_constant(pl: Plan, allow_nonfinite: bool) -> None:
    """A Constant's value must be one the parameter's dtype holds as it is (no wrap, no cut
    fraction, no overflow to inf), and finite unless ``allow_nonfinite``: checked before
    anything runs, also for a deferred parameter whose values come at the first forward."""
    obj, method = pl.runner
    if method != "_init_weight" or not isinstance(obj, init.Constant):
        return
    value = obj.value
    value = _gluon.to_numpy(value) if _gluon.is_mx_array(value) else value
    try:
        storable(value, pl.param.dtype, f"the value of {pl.runs()} for {pl.param.name!r}",
                 allow_nonfinite=allow_nonfinite)
    except ValueError as e:
        raise ValueError(f"{e}; nothing was changed") from None


def check_finite(plans, allow_nonfinite: bool) -> None:
    """Refuse computed values that hold NaN or inf (an initializer's draw), unless allowed."""
    done = [pl for pl in plans if pl.value is not None]
    if allow_nonfinite or not done:
        return
    bad = [(pl, n) for pl, n in zip(done, _gluon.nonfinite_counts([pl.value for pl in done]))
           if n]
    if bad:
        pl, n = bad[0]
        more = (f" (and {len(bad) - 1} more parameter(s): "
                f"{', '.join(q.param.name for q, _ in bad[1:4])}{', ...' if len(bad) > 4 else ''})"
                if len(bad) > 1 else "")
        raise ValueError(nonfinite_message(
            f"what {pl.runs()} computes for {pl.param.name!r} has {n:,} entries that are NaN "
            f"or infinite{more}") + "; nothing was changed")


def compute(pl: Plan) -> None:
    """Run the plan into a new CPU array (Gluon's own call, the same draws); store ``.value``."""
    p = pl.param
    data = _gluon.zeros(p.shape, p.dtype, mx.cpu())  # nd or mx.np: what Gluon itself fills
    try:
        with autograd.pause():
            init.create(pl.default_init)(init.InitDesc(p.name, {"__init__": pl.chosen}), data)
    except Exception as e:  # noqa: BLE001 - MXNetError, AssertionError of custom initializers
        raise ValueError(f"{pl.runs()} failed on {p.name!r} of shape "
                         f"{format_shape(p.shape)} ({complaint(e)[:200]}); "
                         "nothing was changed; the initializer must fill data[:] in place "
                         "with values of that shape") from None
    if data.shape != p.shape:  # pragma: no cover - NDArrays cannot change shape in place
        raise ValueError(f"{pl.runs()} left {p.name!r} with shape {data.shape}, not {p.shape}")
    pl.value = data


def commit(pl: Plan) -> None:
    """Write the plan with Gluon's ``Parameter.initialize(..., force_reinit=True)``."""
    p = pl.param
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*already initialized")
        if pl.value is not None:  # computed above (the interface in force): every context
            p.initialize(init=init.Constant(pl.value), ctx=pl.ctx, force_reinit=True)
        elif pl.explicit:
            p.initialize(init=pl.chosen, ctx=pl.ctx, force_reinit=True)
        else:
            p.initialize(None, pl.ctx, pl.default_init, force_reinit=True)


def _backup(p: gluon.Parameter):
    """What ``restore`` needs to put an initialized parameter back: contexts and values."""
    if _gluon.state(p) != _gluon.INITIALIZED:
        return None
    return list(p.list_ctx()), list(_gluon.copies(p).values())


def _restore(p: gluon.Parameter, saved) -> None:
    ctxs, values = saved
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*already initialized")
        p.initialize(init=init.Constant(_gluon.new_array(values[0])), ctx=ctxs,
                     force_reinit=True)
    for c, v in zip(ctxs, values):  # replicas may have held different values
        p.data(c)[:] = _gluon.new_array(v, ctx=c)


def apply(plans, allow_nonfinite: bool = False) -> None:
    """Check every plan, compute every known-shape value, then write them all (or none).

    A Constant whose value the dtype cannot hold, and computed values with NaN or inf (unless
    ``allow_nonfinite``), are refused before anything is written.

    Should a write still fail (Gluon's ``initialize`` drops the old values before it runs),
    the parameters already written are put back, and the error says nothing was changed.
    """
    for pl in plans:
        err = fit_error(pl)
        if err:
            raise ValueError(err + "; nothing was changed")
        check_constant(pl, allow_nonfinite)
    for pl in plans:
        if _gluon.known_shape(pl.param):
            compute(pl)
    check_finite(plans, allow_nonfinite)
    saved = [(pl.param, _backup(pl.param)) for pl in plans]
    try:
        for pl in plans:
            commit(pl)
    except Exception as e:  # noqa: BLE001 - put back whatever was written, then report
        for p, old in saved:
            if old is not None:
                _restore(p, old)
        raise ValueError(f"writing the new values failed ({complaint(e)[:200]}); "
                         "the old values were put back, nothing was changed") from e
