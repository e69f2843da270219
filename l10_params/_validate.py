"""The validation layer: one helper per condition, one exception type and one wording each.

Every public helper asks these questions before it plans or writes anything:

- what it was given (``require_target``: a Block, a ParameterDict or a Parameter -> TypeError);
- a Parameter where a dict is needed (``as_param_dict``);
- what a net is (``require_net``: a Block -> TypeError) and whether it has parameters at all
  (``require_params`` -> ValueError: an empty net selects, freezes and copies nothing);
- whether a parameter has values yet (``require_values`` -> RuntimeError, with the fix), or
  was at least initialized (``require_initialized``: a deferred one may still be written);
- which parameters can train at all (``trainable``: BatchNorm's running statistics and
  constants keep grad_req 'null' whatever is assigned);
- whether autograd is recording (``refuse_recording`` -> RuntimeError);
- what an option may be: a flag only True or False (``flag`` -> TypeError: ``'no'`` is
  truthy), a number of the right kind and range, a NumPy scalar as well as a Python one
  (``number`` -> TypeError for the kind, ValueError for the range);
- what values a parameter's dtype can hold (``storable``: an integer out of the dtype's range
  or with a fraction, a float too large for float16, NaN and inf -> ValueError) and whether
  NaN or inf may be written at all (``nonfinite_message``: only with ``allow_nonfinite=True``).

What a context spec may be is ``devices.resolve_ctx``; how values compare (NaN = NaN) is
``_values``.
"""
from __future__ import annotations

import math
from typing import Optional, Union

import numpy as np
from mxnet import autograd, gluon

from . import _gluon
from ._text import brief, format_shape


def require_target(obj, what: str = "net", *, allow_param: bool = True) -> None:
    """Raise ``TypeError`` unless ``obj`` is a Block, a ParameterDict (or a Parameter).

    >>> require_target({'a': 1})
    Traceback (most recent call last):
    ...
    TypeError: net must be a gluon.Block, a ParameterDict or a Parameter, not dict ...
    """
    kinds = (gluon.Block, gluon.ParameterDict) + ((gluon.Parameter,) if allow_param else ())
    if not isinstance(obj, kinds):
        names = "a gluon.Block, a ParameterDict" + (" or a Parameter" if allow_param else "")
        raise TypeError(
            f"{what} must be {names}, not {type(obj).__name__} ({brief(obj)}); "
            "pass the network itself (net) or net.collect_params()"
        )


def require_net(obj, what: str = "net", call: str = "", why: str = "") -> None:
    """Raise ``TypeError`` unless ``obj`` is a ``gluon.Block``: a helper that runs a forward
    pass or follows the net's structure needs one; ``why`` says what it needs it for.

    >>> require_net(gluon.ParameterDict(), call="tied_groups")
    Traceback (most recent call last):
    ...
    TypeError: tied_groups: net must be a gluon.Block (the network itself), not ParameterDict ...
    """
    if not isinstance(obj, gluon.Block):
        head = f"{call}: " if call else ""
        raise TypeError(f"{head}{what} must be a gluon.Block (the network itself), not "
                        f"{type(obj).__name__} ({brief(obj)}){': ' + why if why else ''}; "
                        "pass net, not net.collect_params() or one of its parameters")


def require_params(target, what: str = "net") -> None:
    """Raise ``ValueError`` when ``target`` holds no parameter at all.

    >>> from mxnet.gluon import nn
    >>> require_params(nn.Sequential(prefix='empty_'))
    Traceback (most recent call last):
    ...
    ValueError: net 'empty_' has no parameters (an empty Sequential): nothing to select, ...
    """
    if not _gluon.param_paths(target):
        label = getattr(target, "prefix", "") or getattr(target, "name", "")
        raise ValueError(
            f"{what} {label!r} has no parameters (an empty {type(target).__name__}): nothing "
            "to select, change or copy; add layers first (net.add(nn.Dense(10))), or pass "
            "the net that holds them")


def as_param_dict(target) -> "gluon.Block | gluon.ParameterDict":
    """``target`` itself, or a one-entry ParameterDict when it is a single Parameter.

    >>> p = gluon.Parameter('w', shape=(2,))
    >>> list(as_param_dict(p))
    ['w']
    """
    if isinstance(target, gluon.Parameter):
        one = gluon.ParameterDict()
        one.update({target.name: target})
        return one
    return target


def no_values_message(p: gluon.Parameter, path: Optional[str] = None) -> str:
    """The one wording of 'this parameter has no values yet', with the fix for its state."""
    where = f" ({path})" if path and path != p.name else ""
    st = _gluon.state(p)
    if st == _gluon.DEFERRED:
        return (f"parameter {p.name!r}{where} is deferred, shape {format_shape(p.shape)}: it "
                "has no values yet (its input size is inferred at the first forward); run one "
                "forward pass first, e.g. net(X)")
    return (f"parameter {p.name!r}{where} was never initialized: it has no values yet; call "
            "net.initialize(ctx=...) and run one forward pass first")


def require_values(p: gluon.Parameter, path: Optional[str] = None) -> None:
    """Raise ``RuntimeError`` unless ``p`` holds values (initialized, not deferred).

    >>> p = gluon.Parameter('w', shape=(2, 0))
    >>> require_values(p)
    Traceback (most recent call last):
    ...
    RuntimeError: parameter 'w' was never initialized: it has no values yet; ...
    """
    if _gluon.state(p) != _gluon.INITIALIZED:
        raise RuntimeError(no_values_message(p, path))


def require_initialized(p: gluon.Parameter, path: Optional[str] = None) -> None:
    """Raise ``RuntimeError`` when ``p`` was never initialized (deferred is accepted).

    >>> require_initialized(gluon.Parameter('w', shape=(2, 0)))
    Traceback (most recent call last):
    ...
    RuntimeError: parameter 'w' was never initialized: it has no values yet; ...
    """
    if _gluon.state(p) == _gluon.UNINITIALIZED:
        raise RuntimeError(no_values_message(p, path))


def trainable(params: gluon.ParameterDict, what: str = "the selection") -> gluon.ParameterDict:
    """The parameters of ``params`` that can train; ``ValueError`` when none can.

    BatchNorm's ``running_mean``/``running_var`` and constants are made with
    ``differentiable=False``: Gluon keeps their grad_req 'null' whatever is assigned, so
    listing them as unfrozen would be false.
    """
    out = gluon.ParameterDict(params.prefix)
    out.update({n: p for n, p in params.items() if _gluon.differentiable(p)})
    if not list(out.keys()):
        raise ValueError(
            f"{what} selects only parameters that never train ({', '.join(list(params)[:5])}: "
            "running statistics or constants, grad_req 'null' by nature); select the "
            "weights instead, e.g. '.*weight|.*bias|.*gamma|.*beta'")
    return out


def refuse_recording(call: str) -> None:
    """Raise ``RuntimeError`` inside ``autograd.record()``: a write there would be recorded."""
    if autograd.is_recording():
        raise RuntimeError(
            f"{call} was called inside autograd.record(): a write there would become part of "
            "the recorded graph, and MXNet refuses in-place writes to arrays it records; "
            "call it outside the `with autograd.record():` block, or inside "
            "`with autograd.pause():`"
        )


_BOOLS = (bool, np.bool_)
_WHOLE = (int, np.integer)
_REAL = (int, float, np.integer, np.floating)


def _head(call: str) -> str:
    return f"{call}: " if call else ""


def flag(value, name: str, call: str = "") -> bool:
    """``value`` as a bool: only ``True`` or ``False`` (NumPy's ``np.True_``, ``np.False_`` too).

    Anything else is a ``TypeError``: in an ``if`` a string such as ``'no'`` counts as True,
    so ``override='no'`` would silently mean yes.

    >>> flag(np.False_, 'stats')
    False
    >>> flag('no', 'override', 'reinitialize')
    Traceback (most recent call last):
    ...
    TypeError: reinitialize: override='no' must be True or False, not str; a non-empty string ...
    """
    if isinstance(value, _BOOLS):
        return bool(value)
    why = (f"a non-empty string counts as True in Python, so {name}={value!r} would mean "
           f"{name}=True; " if isinstance(value, str) and value else "")
    raise TypeError(f"{_head(call)}{name}={brief(value, 40)} must be True or False, not "
                    f"{type(value).__name__}; {why}pass {name}=True or {name}=False")


def number(value, name: str, call: str = "", *, whole: bool = False,
           low: Optional[float] = None, above: bool = False, high: Optional[float] = None,
           note: str = "") -> Union[int, float]:
    """``value`` as a Python int (``whole=True``) or float, checked: ``>= low`` (``> low``
    with ``above=True``) and ``<= high``.

    Python and NumPy numbers are alike (``np.int64(10)``, ``np.float32(2)``). A bool, text or
    anything else (a float where a whole number is needed) is a ``TypeError``; NaN, inf and a
    value out of range a ``ValueError``. ``note`` ends the message (what the option does).

    >>> number(np.int64(10), 'bins', whole=True, low=1), number(np.float32(2), 'lr_mult', low=0)
    (10, 2.0)
    >>> number(1.5, 'bins', 'hist', whole=True, low=1)
    Traceback (most recent call last):
    ...
    TypeError: hist: bins=1.5 must be a whole number >= 1, not float
    >>> number(-1, 'rtol', low=0)
    Traceback (most recent call last):
    ...
    ValueError: rtol=-1 must be a finite number >= 0
    """
    def num(x) -> str:
        return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else f"{x:g}"

    want = "a whole number" if whole else "a finite number"
    if low is not None and high is not None:
        want += f" from {num(low)} to {num(high)}" if not above else \
            f" > {num(low)} and <= {num(high)}"
    elif low is not None:
        want += f" {'>' if above else '>='} {num(low)}"
    elif high is not None:
        want += f" <= {num(high)}"
    shown = f"{name}={brief(value, 40)} must be {want}"
    if isinstance(value, _BOOLS) or not isinstance(value, _WHOLE if whole else _REAL):
        raise TypeError(f"{_head(call)}{shown}, not {type(value).__name__}{note}")
    x = value.item() if isinstance(value, np.generic) else value
    x = int(x) if whole else float(x)
    if (not whole and not math.isfinite(x)) or (low is not None and (x < low or (
            above and x == low))) or (high is not None and x > high):
        raise ValueError(_head(call) + shown + note)
    return x


def nonfinite_message(subject: str, fix: str = "allow_nonfinite=True") -> str:
    """The one wording of 'this write would put NaN or inf into a parameter', with the fix:
    ``subject`` says what holds them (``"the value is nan"``)."""
    return (f"{subject}; a NaN or inf weight turns every output into NaN: check the "
            f"computation that produced it, or pass {fix} to write NaN or inf on purpose")


def _first(mask: np.ndarray) -> str:
    return str(np.argwhere(mask)[0].tolist()) if mask.ndim else "[]"


def _at(arr: np.ndarray, mask: np.ndarray):
    """The first entry of ``arr`` where ``mask`` holds, as a Python number."""
    x = arr[tuple(np.argwhere(mask)[0])] if arr.ndim else arr.reshape(())[()]
    return x.item() if isinstance(x, np.generic) else x


def _which(what: str, arr: np.ndarray, mask: np.ndarray, one: str, many: str) -> str:
    """``'value (-1) is outside ...'`` for a number, ``'value has 3 entries outside ...
    (first -1 at index [2])'`` for an array: ``one`` and ``many`` say what is wrong."""
    if arr.ndim == 0:
        return f"{what} ({_at(arr, mask)!r}) {one}"
    return (f"{what} has {int(mask.sum()):,} entries {many} (first {_at(arr, mask)!r} at index "
            f"{_first(mask)})")


def storable(value, dtype, what: str, *, allow_nonfinite: bool = False) -> np.ndarray:
    """``value`` (a number or a NumPy array of numbers) cast to ``dtype``, or a ``ValueError``
    where the cast would change a value silently.

    An integer dtype takes whole numbers within its range (``-1`` into uint8 would become
    255, ``2**31`` into int32 -2147483648, ``1.5`` would become 1); a float dtype takes
    values within its range (``1e6`` would become inf in float16). NaN and inf are refused
    unless ``allow_nonfinite=True`` (an integer dtype cannot hold them at all).

    >>> storable(np.array([1.0, 2.0]), 'int32', 'value').tolist()
    [1, 2]
    >>> storable(-1, 'uint8', 'the value')
    Traceback (most recent call last):
    ...
    ValueError: the value (-1) is outside uint8's range [0, 255]: uint8 would wrap it ...
    >>> storable(np.array([1.0, np.nan]), 'float32', 'the value')
    Traceback (most recent call last):
    ...
    ValueError: the value has 1 entries that are NaN or infinite (first nan at index [1]); ...
    """
    dtype = np.dtype(dtype)
    if isinstance(value, int) and not isinstance(value, bool) and dtype.kind in "iu":
        value = np.asarray(value, dtype=object if abs(value) >= 2 ** 63 else None)
    arr = np.asarray(value)
    if arr.dtype == object:  # Python ints beyond int64: compare them as Python ints
        info = np.iinfo(dtype) if dtype.kind in "iu" else None
        if info is not None and all(isinstance(v, int) for v in arr.flat):
            bad = np.vectorize(lambda v: not info.min <= v <= info.max, otypes=[bool])(arr)
            if bad.any():
                raise ValueError(_range_message(what, arr, bad, dtype, info.min, info.max))
            return arr.astype(dtype)
        arr = arr.astype(np.float64)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if arr.dtype.kind == "f":
            odd = ~np.isfinite(arr)
            if odd.any():
                raise ValueError(
                    _which(what, arr, odd, "is NaN or infinite", "that are NaN or infinite")
                    + f", which the integer dtype {dtype.name} cannot hold; pass whole numbers")
            frac = arr != np.round(arr)
            if frac.any():
                raise ValueError(
                    _which(what, arr, frac, "has a fraction", "with a fraction")
                    + f", which the integer dtype {dtype.name} would cut off silently; round "
                    "first, e.g. np.round(value), or pass whole numbers")
        if arr.dtype.kind == "f":  # float(2**63 - 1) rounds up to 2**63: compare with the bound
            bad = (arr < float(info.min)) | (arr >= float(info.max) + 1)
        else:
            bad = (arr < info.min) | (arr > info.max)
        if bad.any():
            raise ValueError(_range_message(what, arr, bad, dtype, info.min, info.max))
        return arr.astype(dtype)
    odd = ~np.isfinite(arr) if arr.dtype.kind == "f" else np.zeros(arr.shape, bool)
    if odd.any() and not allow_nonfinite:
        raise ValueError(nonfinite_message(
            f"{what} is {_at(arr, odd)!r}" if arr.ndim == 0 else
            _which(what, arr, odd, "", "that are NaN or infinite")))
    with np.errstate(over="ignore", invalid="ignore"):
        cast = arr.astype(dtype)
    over = np.isinf(cast) & ~odd if dtype.kind == "f" else np.zeros(arr.shape, bool)
    if over.any():
        raise ValueError(
            _which(what, arr, over, f"is too large for {dtype.name}",
                   f"too large for {dtype.name}")
            + f": {dtype.name} holds up to {float(np.finfo(dtype).max):g}, so it would become "
            "inf; scale down, or use a wider dtype "
            f"(net.cast({'float32' if dtype.itemsize < 4 else 'float64'!r}))")
    return cast


def _range_message(what, arr, bad, dtype, lo, hi) -> str:
    example = f"-1 becomes {hi}" if dtype.kind == "u" else f"{hi + 1} becomes {lo}"
    return (_which(what, arr, bad, f"is outside {dtype.name}'s range [{lo}, {hi}]",
                   f"outside {dtype.name}'s range [{lo}, {hi}]")
            + f": {dtype.name} would wrap {'it' if arr.ndim == 0 else 'them'} silently "
            f"({example}); pass values in range, or use a parameter of a wider dtype")
