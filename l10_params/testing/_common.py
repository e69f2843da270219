"""What every assertion needs: the net's parameters and their labels, from the public API."""
from __future__ import annotations

from typing import Dict, List

import numpy as np
from mxnet import gluon

from .. import _values
from .._validate import require_target
from ..access import select
from ..editing import snapshot
from ..summary import summary


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
                    f"{type(x).__name__}{hint}")
