"""Result tables: computed first, formatted on demand (text for ``str``, HTML for Jupyter).

``Summary``, ``explain_init``, ``diff`` and ``tied_gradients`` all return a ``Table``:
``.rows`` (frozen dataclasses), ``str()`` (an aligned text table), ``_repr_html_``
and ``.to_dicts()``.
"""
from __future__ import annotations

import dataclasses
import html
from typing import Any, Dict, List, Sequence, Tuple


def fmt(value: Any) -> str:
    """One cell as text: floats with 4 significant digits, tuples joined, None as '-'."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != value:  # NaN
            return "nan"
        if value == 0:
            return "0"
        return f"{value:.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (tuple, list)):
        return ", ".join(fmt(v) for v in value) if value else "-"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Table:
    """Rows of one frozen dataclass with a title, chosen columns and footer lines.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Row:
    ...     name: str
    ...     size: int
    >>> t = Table([Row('dense0_weight', 5120), Row('dense0_bias', 256)], title='Sizes')
    >>> print(t)
    Sizes
    name           size
    -------------  -----
    dense0_weight  5,120
    dense0_bias      256
    >>> t.to_dicts()[1]
    {'name': 'dense0_bias', 'size': 256}
    """

    def __init__(
        self,
        rows: Sequence[Any],
        *,
        title: str = "",
        columns: Sequence[Tuple[str, str]] = (),
        footer: Sequence[str] = (),
    ):
        self.rows: Tuple[Any, ...] = tuple(rows)
        self.title = title
        if not columns and self.rows:
            columns = [(f.name, f.name) for f in dataclasses.fields(self.rows[0])]
        self.columns: Tuple[Tuple[str, str], ...] = tuple(columns)  # (attribute, header)
        self.footer: Tuple[str, ...] = tuple(footer)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, i):
        return self.rows[i]

    def to_dicts(self) -> List[Dict[str, Any]]:
        """Every row as a plain dict (all fields, not just the printed columns)."""
        return [dataclasses.asdict(r) for r in self.rows]

    def _cells(self) -> List[List[str]]:
        return [[fmt(getattr(r, attr)) for attr, _ in self.columns] for r in self.rows]

    def __str__(self) -> str:
        heads = [h for _, h in self.columns]
        cells = self._cells()
        widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(heads)]
        numeric = [bool(self.rows) and all(_is_number(getattr(r, a)) or getattr(r, a) is None
                                           for r in self.rows) for a, _ in self.columns]

        def line(vals):
            out = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(vals, widths, numeric)]
            return "  ".join(out).rstrip()

        lines = [self.title] if self.title else []
        if self.columns:
            lines += [line(heads), "  ".join("-" * w for w in widths)]
            lines += [line(c) for c in cells]
        if not self.rows:
            lines.append("(no rows)")
        lines += list(self.footer)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        esc = html.escape
        out = ['<table class="l10-params">']
        if self.title:
            out.append(f"<caption style='text-align:left'><b>{esc(self.title)}</b></caption>")
        out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for _, h in self.columns)
                   + "</tr></thead><tbody>")
        for row in self._cells():
            out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>")
        out.append("</tbody></table>")
        out += [f"<p>{esc(f)}</p>" for f in self.footer]
        return "\n".join(out)
