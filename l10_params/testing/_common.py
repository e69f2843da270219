"""What every assertion needs: the net's parameters and their labels, from the public API,
and the shape of a failure message.

A failure message is read where a student reads it: under a test cell, in the feedback page,
and in ``nbgrader validate``, which shows each line of a traceback cut at about 88
characters. So the first line says what is wrong and the fix in at most :data:`FIRST_LINE`
characters (``AssertionError: `` and validate's indent fill the rest); the lines after it say
what was expected and what was found. Objects are called as the test cell names them
(``names=``, ``name=``), values are shortened and carry their type (:func:`show`).
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

import numpy as np
from mxnet import gluon

from .. import _values
from .._validate import require_target
from ..access import select
from ..editing import Snapshot, snapshot
from ..summary import summary

FIRST_LINE = 67  # "AssertionError: " + this + validate's 4-space indent = 87, validate's cut
SHOWN = 200  # characters of a value shown in a message


def paths(net) -> Dict[str, gluon.Parameter]:
    """Structural path -> Parameter (every path of a tied one), as ``summary`` lists them."""
    by_name = select(net)
    return {path: by_name[r.name] for r in summary(net).rows for path in r.paths}


def labels(net) -> Dict[str, str]:
    """Gluon name -> ``"dense0_weight (0.weight)"`` (the name alone when path == name)."""
    return {r.name: r.name if r.paths[0] == r.name else f"{r.name} ({', '.join(r.paths)})"
            for r in summary(net).rows}


def chosen(net, pattern, what: str, exclude=None, by="name") -> List[gluon.Parameter]:
    """The distinct parameters of ``net`` that ``select(net, pattern, exclude=, by=)`` picks
    (all if None); :func:`~l10_params.select` refuses a pattern matching nothing and a net
    without any."""
    require_target(net, what)
    return list(select(net, pattern, exclude=exclude, by=by).values())


def pair(a, b, fn: str) -> None:
    kinds = (gluon.Parameter, gluon.Block)
    if not (isinstance(a, kinds) and isinstance(b, kinds)) or \
            isinstance(a, gluon.Parameter) != isinstance(b, gluon.Parameter):
        raise TypeError(f"{fn} takes two Parameters or two layers, not {type(a).__name__} and "
                        f"{type(b).__name__}; e.g. {fn}(net[1], net[2]) or "
                        f"{fn}(net[1].weight, net[2].weight)")


def same_values(p: gluon.Parameter, q: gluon.Parameter) -> bool:
    """Both have values, of one shape, equal entry by entry (NaN equals NaN)."""
    try:
        return p.shape == q.shape and _values.same(snapshot(p)[p.name], snapshot(q)[q.name])
    except RuntimeError:  # one has no values yet
        return False


def as_numpy(x, what: str, fn: str) -> np.ndarray:
    """A NumPy copy of an MXNet array (either interface) or a NumPy array; else a TypeError."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "asnumpy") and not isinstance(x, gluon.Parameter):
        return x.asnumpy()
    hint = (": pass its gradient, e.g. net[1].weight.grad().asnumpy(), not the Parameter"
            if isinstance(x, gluon.Parameter) else "")
    raise TypeError(f"{fn} takes {what} as an array (NumPy or MXNet), not "
                    f"{show(x, 60)}{hint}")


# -- messages -------------------------------------------------------------------------------

_LONG_FLOAT = re.compile(r"(?<![\w.])(-?\d+\.\d{5,})(?![\d])")


def tidy(text: str) -> str:
    """Long decimals cut to 4 significant digits: ``Normal(sigma=0.31622776601683794)`` ->
    ``Normal(sigma=0.3162)``.

    >>> tidy('Normal(sigma=0.31622776601683794), 0.5')
    'Normal(sigma=0.3162), 0.5'
    """
    return _LONG_FLOAT.sub(lambda m: f"{float(m.group(1)):.4g}", text)


def fail(first: str, *lines: Optional[str]) -> AssertionError:
    """The AssertionError of a failed claim: ``first`` (what is wrong: the fix), then the
    non-empty ``lines`` (expected, found, more), long decimals tidied."""
    return AssertionError(tidy("\n".join([first] + [ln for ln in lines if ln])))


def operand_names(names, n: int, defaults: Sequence[str], fn: str) -> List[str]:
    """``names=`` of an assertion checked: None (the defaults) or ``n`` strings."""
    if names is None:
        return list(defaults)
    if isinstance(names, str):
        names = (names,)
    if not isinstance(names, (tuple, list)) or len(names) != n or \
            not all(isinstance(x, str) and x for x in names):
        what = "a string" if n == 1 else f"a tuple of {n} strings"
        raise TypeError(f"{fn}: names must be {what}, how the message calls the operands "
                        f"(e.g. {('student[0]',) if n == 1 else ('pretrained[0]', 'student[0]')}"
                        f"), not {show(names, 60)}")
    return list(names)


def one_name(name, default: str, fn: str) -> str:
    """``name=`` of an assertion checked: None (``default``) or a non-empty string."""
    if name is None:
        return default
    if not isinstance(name, str) or not name:
        raise TypeError(f"{fn}: name must be a non-empty string, how the message calls the "
                        f"net (e.g. 'he_net'), not {show(name, 60)}")
    return name


def default_names(a, b) -> List[str]:
    """How a message calls two operands nobody named: their Gluon names ('the snapshot' for
    a Snapshot), or ``a`` and ``b`` when those are the same."""
    def one(x):
        if isinstance(x, Snapshot):
            return "the snapshot"
        return f"{x.name!r}" if isinstance(x, (gluon.Block, gluon.Parameter)) else "it"
    A, B = one(a), one(b)
    return [A, B] if A != B else ["a", "b"]


_KINDS = {"mxnet.numpy.multiarray.ndarray": "mxnet.numpy.ndarray",
          "mxnet.gluon.parameter.Parameter": "gluon.Parameter",
          "mxnet.ndarray.ndarray.NDArray": "mxnet.nd.NDArray",
          "numpy.ndarray": "numpy.ndarray"}


def kind(x) -> str:
    """The type as a student writes it: ``float``, ``numpy.float32``, ``mxnet.numpy.ndarray``."""
    t = type(x)
    full = f"{t.__module__}.{t.__qualname__}"
    if t.__module__ == "builtins":
        return t.__qualname__
    if full in _KINDS:
        return _KINDS[full]
    if t.__module__.startswith("numpy"):
        return f"numpy.{t.__qualname__}"
    return full


def _short(x) -> str:
    if isinstance(x, np.integer) and not isinstance(x, bool):
        return str(int(x))  # NumPy 2 writes np.int64(3)
    if isinstance(x, (float, np.floating)):
        text = f"{float(x):.6g}"  # a float keeps its point: 1.0, not 1
        return text if any(c in text for c in ".eni") else text + ".0"
    if hasattr(x, "shape") and hasattr(x, "dtype") and getattr(x, "ndim", 1) > 0:
        return f"<{kind(x)} {tuple(x.shape)} {np.dtype(x.dtype).name}>"
    return " ".join(repr(x).split())


def show(x, limit: int = SHOWN) -> str:
    """``x`` in at most about ``limit`` characters, with its type: a list says how many items
    of which types, an array its shape and dtype, a number its type.

    >>> import numpy as np
    >>> show([np.float32(0.5), np.float32(0.25)])
    'list of 2 numpy.float32: [0.5, 0.25]'
    >>> show(list(range(1000)), 40)
    'list of 1000 int: [0, 1, 2, 3, 4, 5, ..., 999]'
    >>> show(np.float32(0.5)), show(1.0)
    ('numpy.float32 0.5', 'float 1.0')
    """
    if isinstance(x, (list, tuple)):
        kinds = sorted({kind(v) for v in x})
        head = f"{kind(x)} of {len(x)} {' and '.join(kinds) if kinds else 'items'}"
        items, text = [], ""
        for i, v in enumerate(x):
            items.append(_short(v))
            text = ", ".join(items)
            if len(text) > limit - len(head) and i < len(x) - 1:
                text = ", ".join(items[:-1]) + ", ..., " + _short(x[-1])
                break
        brackets = "[]" if isinstance(x, list) else "()"
        return f"{head}: {brackets[0]}{text}{brackets[1]}"
    if isinstance(x, dict):
        text = ", ".join(f"{k!r}: {_short(v)}" for k, v in list(x.items())[:6])
        more = ", ..." if len(x) > 6 else ""
        kinds = sorted({kind(v) for v in x.values()})
        return (f"dict of {len(x)} ({' and '.join(kinds) or 'empty'}): {{{text}{more}}}"[:limit])
    if hasattr(x, "shape") and hasattr(x, "dtype") and getattr(x, "ndim", 1) > 0:
        return f"{kind(x)} of shape {tuple(x.shape)}, {np.dtype(x.dtype).name}"
    text = _short(x)
    text = text if len(text) <= limit else text[:limit - 3] + "..."
    return f"{kind(x)} {text}"


def listed(items: Sequence[str], n: int = 4) -> str:
    """``a, b, c and 2 more``."""
    items = list(items)
    if len(items) <= n:
        return ", ".join(items)
    return ", ".join(items[:n]) + f" and {len(items) - n} more"
