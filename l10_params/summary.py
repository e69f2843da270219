"""summary(): one row per unique Parameter, as text for the terminal and HTML for Jupyter."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from . import _gluon
from ._table import Table
from ._text import format_shape
from ._validate import require_target
from .selection import select as _select


@dataclass(frozen=True)
class Row:
    """One Parameter: its Gluon name, where it sits (paths) and what it holds."""

    name: str
    path: str
    paths: Tuple[str, ...]
    shape: str
    dtype: str
    size: Optional[int]
    state: str
    grad_req: str
    lr_mult: float
    wd_mult: float
    contexts: Tuple[str, ...]
    tied_to: Tuple[str, ...]
    mean: Optional[float] = None
    std: Optional[float] = None
    min: Optional[float] = None
    max: Optional[float] = None
    zeros: Optional[float] = None


class Summary(Table):
    """The result of :func:`summary`: ``.rows``, ``.total``, ``.trainable``, ``str()``, HTML."""

    def __init__(self, rows, *, title, stats):
        self.total = sum(r.size or 0 for r in rows)
        self.trainable = sum(r.size or 0 for r in rows if r.grad_req != "null")
        unknown = [r.name for r in rows if r.size is None]
        cols = [("path", "path"), ("name", "name"), ("shape", "shape"), ("size", "size"),
                ("state", "state"), ("grad_req", "grad_req")]
        if any(r.lr_mult != 1 or r.wd_mult != 1 for r in rows):
            cols += [("lr_mult", "lr_mult"), ("wd_mult", "wd_mult")]
        if any(r.dtype != "float32" for r in rows):
            cols.insert(3, ("dtype", "dtype"))
        cols.append(("contexts", "ctx"))
        if any(r.tied_to for r in rows):
            cols.append(("tied_to", "tied to"))
        if stats:
            cols += [(k, k) for k in ("mean", "std", "min", "max", "zeros")]
        footer = [f"Total: {self.total:,} values in {len(rows)} parameters"
                  + (" (a tied parameter counted once)" if any(r.tied_to for r in rows) else "")
                  + f"; trainable: {self.trainable:,}"]
        if unknown:
            footer.append(f"Not counted: {len(unknown)} parameter(s) of unknown size "
                          f"({', '.join(unknown[:3])}{', ...' if len(unknown) > 3 else ''}); "
                          "their input size is inferred at the first forward pass")
        super().__init__(rows, title=title, columns=cols, footer=footer)


def _stats(p) -> dict:
    if _gluon.state(p) != _gluon.INITIALIZED:
        return {}
    a = _gluon.first_copy(p).astype(np.float64)
    if a.size == 0:
        return {}
    return dict(mean=float(a.mean()), std=float(a.std()), min=float(a.min()),
                max=float(a.max()), zeros=float(np.mean(a == 0)))


def summary(net, select: Optional[str] = None, *, stats: bool = False) -> Summary:
    """Tabulate the parameters of ``net`` (a Block, ParameterDict or Parameter).

    One row per unique Parameter: tied parameters appear once, with every path that
    uses them. Unknown dimensions show as ``?``; ``state`` is ``initialized``,
    ``deferred`` (waiting for the first forward) or ``uninitialized``. ``select`` is a
    Gluon pattern (as :func:`select`); ``stats=True`` adds mean, std, min, max and the
    fraction of zeros (read from the first context's copy).

    >>> from l10_params import lecture_mlp
    >>> net, X = lecture_mlp(ctx='cpu', seed=0)
    >>> s = summary(net)
    >>> print(s)
    Sequential: 4 parameters
    path      name           shape      size   state        grad_req  ctx
    --------  -------------  ---------  -----  -----------  --------  ------
    0.weight  dense0_weight  (256, 20)  5,120  initialized  write     cpu(0)
    0.bias    dense0_bias    (256,)       256  initialized  write     cpu(0)
    1.weight  dense1_weight  (10, 256)  2,560  initialized  write     cpu(0)
    1.bias    dense1_bias    (10,)         10  initialized  write     cpu(0)
    Total: 7,946 values in 4 parameters; trainable: 7,946
    >>> s.rows[0].shape, s.total
    ('(256, 20)', 7946)
    >>> round(summary(net, '.*bias', stats=True).rows[0].zeros, 2)
    1.0
    """
    require_target(net)
    groups = _gluon.unique_params(net)
    if select is not None:
        chosen = {id(p) for p in _select(net, select).values()}
        groups = {k: v for k, v in groups.items() if k in chosen}
    rows = []
    for p, paths in groups.values():
        size = int(np.prod(p.shape)) if _gluon.known_shape(p) else None
        rows.append(Row(
            name=p.name, path=paths[0], paths=tuple(paths), shape=format_shape(p.shape),
            dtype=np.dtype(p.dtype).name, size=size, state=_gluon.state(p),
            grad_req=p.grad_req, lr_mult=float(p.lr_mult), wd_mult=float(p.wd_mult),
            contexts=tuple(str(c) for c in _gluon.contexts(p)),
            tied_to=tuple(paths[1:]) if len(paths) > 1 else (),
            **(_stats(p) if stats else {}),
        ))
    kind = type(net).__name__
    title = f"{kind}: {len(rows)} parameters" + (f" matching {select!r}" if select else "")
    return Summary(rows, title=title, stats=stats)
