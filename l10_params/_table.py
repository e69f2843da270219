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
    exact = _BY_TYPE.get(type(value))  # the common types without a chain of isinstance
    if exact is not None:
        return exact(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _fmt_float(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (tuple, list)):
        return _fmt_seq(value)
    return str(value)


def _fmt_float(value: float) -> str:
    if value != value:  # NaN
        return "nan"
    if value == 0:
        return "0"
    return f"{value:.4g}"


def _fmt_seq(value) -> str:
    return ", ".join(fmt(v) for v in value) if value else "-"


_BY_TYPE = {str: str, int: "{:,}".format, float: _fmt_float, tuple: _fmt_seq, list: _fmt_seq,
            bool: lambda v: "yes" if v else "no", type(None): lambda v: "-"}


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
        return [list(row) for row in zip(*self._text_columns())] if self.columns else \
            [[] for _ in self.rows]

    def _text_columns(self) -> List[List[str]]:
        """Every column's cells as text, column by column (one getattr per cell)."""
        return [[fmt(v) for v in vals] for vals in self._values()]

    def _values(self) -> List[List[Any]]:
        return [[getattr(r, attr) for r in self.rows] for attr, _ in self.columns]

    def __str__(self) -> str:
        heads = [h for _, h in self.columns]
        values = self._values()
        numeric = [self._is_numeric(vals) for vals in values]
        columns = [[fmt(v) for v in vals] for vals in values]
        widths = [max([len(h)] + [len(c) for c in col]) for h, col in zip(heads, columns)]
        cells = list(zip(*columns))

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

    def _numeric(self) -> List[bool]:
        """Per column: every value a number (or None), so it is right-aligned."""
        return [self._is_numeric(vals) for vals in self._values()]

    @staticmethod
    def _is_numeric(vals: List[Any]) -> bool:
        return bool(vals) and all(v is None or _is_number(v) for v in vals)

    def _repr_html_(self) -> str:
        """An HTML table: text columns left-aligned, numbers right-aligned (Jupyter's own CSS
        right-aligns every cell); short cells never wrap, long text wraps between words.

        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class Row:
        ...     name: str
        ...     size: int
        >>> row = Table([Row('dense0_bias', 256)])._repr_html_().splitlines()[2]
        >>> for td in row.split('</td>')[:2]:
        ...     print(td.replace('<tr>', ''))
        <td style="text-align:left;white-space:nowrap">dense0_bias
        <td style="text-align:right;white-space:nowrap">256
        """
        esc = html.escape

        def style(num: bool, text: str) -> str:
            wrap = "white-space:nowrap" if len(text) <= 40 else "word-break:normal"
            return f'style="text-align:{"right" if num else "left"};{wrap}"'

        numeric = self._numeric()
        out = ['<table class="l10-params">']
        if self.title:
            out.append(f"<caption style='text-align:left'><b>{esc(self.title)}</b></caption>")
        out.append("<thead><tr>" + "".join(f"<th {style(num, h)}>{esc(h)}</th>" for (_, h), num
                                           in zip(self.columns, numeric))
                   + "</tr></thead><tbody>")
        for row in self._cells():
            out.append("<tr>" + "".join(f"<td {style(num, c)}>{esc(c)}</td>"
                                        for c, num in zip(row, numeric)) + "</tr>")
        out.append("</tbody></table>")
        out += [f"<p>{esc(f)}</p>" for f in self.footer]
        return "\n".join(out)
