"""Result tables: computed first, formatted on demand (text for ``str``, HTML for Jupyter).

``Summary``, ``explain_init``, ``diff``, ``tied_gradients`` and ``replicas`` all return a
``Table``: ``.rows`` (frozen dataclasses), ``str()`` (an aligned text table),
``_repr_html_`` and ``.to_dicts()``. This module also holds the terminal text layout that
the tables and the tour share: display width (a Chinese character takes two columns),
shortening with "…", and wrapping (at spaces, between Chinese characters, never before a
closing mark such as ）。，).

Width: ``str(table)`` fits :func:`text_width` columns: the width set with ``fitting(n)``
(the tour and the command line set it), else ``$COLUMNS``, else the terminal that
``sys.stdout`` writes to, else 80 (a pipe, a file, a Jupyter kernel, pytest). A table wider
than that is split into column blocks stacked one under the other, the first column
repeated in each, as pandas does; a number is never split or shortened. Only a text
column too wide to sit beside the first column even alone is shortened, with "…".
``to_text(width)`` asks for a given width.
"""
from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import html
import os
import re
import sys
import unicodedata
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

MIN_WIDTH = 40  # narrower screens get this layout (their terminal wraps the rest)
_WIDTH: contextvars.ContextVar[Optional[int]] = contextvars.ContextVar("l10_width", default=None)
# A line never starts with a closing mark, nor ends with an opening one (kinsoku).
NO_START = set("）)]}〕〉》」』】〗’”、。，．,.：；:;！？!?…‥・ー々％%")
NO_END = set("（([{〔〈《「『【〖‘“")
_NUMBER = re.compile(r"-?[0-9][0-9,.]*")


def text_width() -> int:
    """The width ``str(table)`` fits: ``fitting(n)``, ``$COLUMNS``, the terminal, else 80."""
    width = _WIDTH.get()
    if width is None:
        env = os.environ.get("COLUMNS", "").strip()
        width = int(env) if env.isdigit() and int(env) > 0 else None
    if width is None:
        try:
            if sys.stdout.isatty():
                width = os.get_terminal_size(sys.stdout.fileno()).columns
        except (AttributeError, OSError, ValueError):  # no real file behind stdout
            pass
    return max(MIN_WIDTH, width or 80)


@contextlib.contextmanager
def fitting(width: int) -> Iterator[None]:
    """Within the block, ``str()`` of every table fits ``width`` columns."""
    token = _WIDTH.set(width)
    try:
        yield
    finally:
        _WIDTH.reset(token)


def char_width(ch: str) -> int:
    """Columns one character takes in a terminal: 2 for wide (CJK), 0 for combining marks."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal.

    >>> display_width('dense0_weight'), display_width('权重'), display_width('权重 w')
    (13, 4, 6)
    """
    return len(text) if text.isascii() else sum(map(char_width, text))


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns, ending in "…" when cut.

    >>> shorten("its own initializer 'zeros' wins", 12), shorten('偏置参数', 5)
    ('its own ini…', '偏置…')
    """
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        if used + char_width(ch) > width - 1:
            break
        out.append(ch)
        used += char_width(ch)
    return "".join(out) + "…"


def _atoms(text: str) -> List[Tuple[bool, str]]:
    """(space before, atom): a run of narrow characters (a word), or one wide character."""
    atoms: List[Tuple[bool, str]] = []
    word, space = "", False
    for ch in text + " ":
        if ch != " " and char_width(ch) != 2:
            word += ch
            continue
        if word:
            atoms.append((space, word))
            word, space = "", False
        if ch == " ":
            space = bool(atoms)
        else:
            atoms.append((space, ch))
            space = False
    return atoms


def _groups(text: str) -> List[Tuple[str, str]]:
    """(separator, group): a line may break before each group, nowhere inside one. Breaks
    are at spaces and next to a wide character, never before a closing mark (NO_START) nor
    after an opening one (NO_END)."""
    groups: List[Tuple[str, str]] = []
    last = ""  # the atom before
    for space, atom in _atoms(text):
        sep = " " if space else ""
        prev = last[-1:]
        can_break = bool(groups) and atom[0] not in NO_START and prev not in NO_END and (
            space or char_width(prev) == 2 or char_width(atom[0]) == 2) and not (
            prev in ",:" and _NUMBER.match(atom)  # (2, 20), U(-10, 10), 'total: 330'
            or _NUMBER.fullmatch(last) and char_width(atom[0]) == 2)  # '6 个', '2019 年'
        if groups and not can_break:
            groups[-1] = (groups[-1][0], groups[-1][1] + sep + atom)
        else:
            groups.append((sep, atom))
        last = atom
    return groups


def wrap(text: str, width: int) -> List[str]:
    """Lines of at most ``width`` display columns, broken at spaces and between wide
    characters, never inside an English word, never before a closing mark; each line of
    ``text`` is wrapped on its own and keeps its indentation.

    >>> wrap('a parameter of the net, its gradient', 16)
    ['a parameter of', 'the net, its', 'gradient']
    >>> wrap('每个参数都有梯度。梯度的形状相同。', 16)  # '。' never starts a line
    ['每个参数都有梯', '度。梯度的形状相', '同。']
    """
    lines: List[str] = []
    for raw in text.split("\n"):
        body = raw.lstrip(" ")
        indent = raw[: len(raw) - len(body)]
        room = max(width - len(indent), 8)
        if display_width(body) <= room:
            lines.append(raw.rstrip())
            continue
        line = ""
        for sep, g in _groups(body):
            if line and display_width(line + sep + g) <= room:
                line += sep + g
                continue
            if line:
                lines.append(indent + line)
            while display_width(g) > room:  # longer than a line: cut it (never an English word
                cut = shorten(g, room + 1)[:-1]  # that fits on a line of its own)
                lines.append(indent + cut)
                g = g[len(cut):]
            line = g
        lines.append(indent + line)
    return lines


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


def _shortenable(vals: List[Any]) -> bool:
    """Text that may lose its end: words, not numbers, shapes or lists."""
    return all(isinstance(v, str) and any(c.isalpha() for c in v) for v in vals if v is not None)


def _blocks(widths: List[int], width: int) -> List[List[int]]:
    """Column indices per stacked block, each starting with column 0 (the key)."""
    blocks, cur = [], [0]
    used = widths[0]
    for j in range(1, len(widths)):
        if len(cur) > 1 and used + 2 + widths[j] > width:
            blocks.append(cur)
            cur, used = [0], widths[0]
        cur.append(j)
        used += 2 + widths[j]
    return blocks + [cur]


class Table:
    """Rows of one frozen dataclass with a title, chosen columns and footer lines.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Row:
    ...     name: str
    ...     size: int
    >>> t = Table([Row('dense0_weight', 5120), Row('偏置', 256)], title='Sizes')
    >>> print(t)
    Sizes
    name           size
    -------------  -----
    dense0_weight  5,120
    偏置             256
    >>> t.to_dicts()[1]
    {'name': '偏置', 'size': 256}
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
        return self.to_text()

    def to_text(self, width: Optional[int] = None) -> str:
        """The table as text that fits ``width`` columns (default: :func:`text_width`).

        Columns are aligned by display width; a table too wide for one block is split into
        blocks of columns, stacked, each starting with the first column.

        >>> from dataclasses import dataclass
        >>> @dataclass(frozen=True)
        ... class Row:
        ...     name: str
        ...     why: str
        ...     size: int
        >>> why = "its own initializer 'zeros' (Parameter.init) wins"
        >>> print(Table([Row('dense0_bias', why, 256)], footer=['the bias keeps zeros'])
        ...       .to_text(40))
        name         why
        -----------  ---------------------------
        dense0_bias  its own initializer 'zeros…
        <BLANKLINE>
        name         size
        -----------  ----
        dense0_bias   256
        the bias keeps zeros
        """
        width = max(MIN_WIDTH, width or text_width())
        heads = [h for _, h in self.columns]
        values = self._values()
        numeric = [self._is_numeric(vals) for vals in values]
        columns = [[fmt(v) for v in vals] for vals in values]
        widths = [max(map(display_width, [h, *col])) for h, col in zip(heads, columns)]
        lines = wrap(self.title, width) if self.title else []
        laid: Dict[Tuple[int, int], List[str]] = {}  # (column, width) -> its cells, padded
        for k, block in enumerate(_blocks(widths, width) if self.columns else []):
            w = {j: widths[j] for j in block}
            over = sum(w.values()) + 2 * (len(block) - 1) - width
            if over > 0:  # one column too wide even beside the key: shorten what is text
                j = next((j for j in reversed(block) if _shortenable(values[j])), None)
                if j is not None:
                    w[j] = max(display_width(heads[j]), w[j] - over)
            cols = []
            for j in block:
                if (j, w[j]) not in laid:
                    laid[j, w[j]] = _lay(columns[j], w[j], numeric[j])
                cols.append(laid[j, w[j]])
            lines += [""] if k else []
            lines.append("  ".join(_lay([heads[j]], w[j], numeric[j])[0] for j in block).rstrip())
            lines.append("  ".join("-" * w[j] for j in block))
            lines += ["  ".join(parts).rstrip() for parts in zip(*cols)]
        if not self.rows:
            lines.append("(no rows)")
        for f in self.footer:
            lines += wrap(f, width)
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


def _lay(cells: List[str], width: int, right: bool) -> List[str]:
    """``cells`` shortened to ``width`` display columns and padded to it (right: numbers)."""
    out = []
    for c in cells:
        if c.isascii():  # the common case, at C speed
            c = c if len(c) <= width else c[:width - 1] + "…"
            out.append(c.rjust(width) if right else c.ljust(width))
        else:
            c = shorten(c, width)
            fill = " " * (width - display_width(c))
            out.append(fill + c if right else c + fill)
    return out
