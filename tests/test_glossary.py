"""One word per concept: the prose of the tour, the notebooks and the homework uses the words of
``docs/glossary.md``, never a word of its column "not".

Prose is what a student reads as text: a notebook's or the homework's markdown without code
blocks, inline code, URLs and HTML tags; the tour's strings (its explanations and headers),
without the code each step runs and without the code-like tokens inside an explanation
(``net[0].params``, ``force_reinit=True``, ``dense0_weight``). Docstrings are for maintainers
and are left out.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Iterator, List, NamedTuple, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
TOUR = sorted((ROOT / "l10_params" / "tour").glob("*.py"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
HOMEWORK = ROOT / "notebooks" / "homework" / "source" / "params" / "params.ipynb"


class Entry(NamedTuple):
    concept: str
    english: str
    chinese: str
    avoid: Tuple[re.Pattern, ...]


def _pattern(word: str) -> re.Pattern:
    """A regex of the column "not": English ones match whole words, in any case."""
    if re.match(r"[A-Za-z]", word):
        return re.compile(rf"\b{word}\b", re.IGNORECASE)
    return re.compile(word)


def glossary() -> List[Entry]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("concept", "---"):
            continue
        concept, english, chinese, avoid, _note = cells
        words = re.findall(r"`([^`]+)`", avoid)
        rows.append(Entry(concept, english, chinese, tuple(_pattern(w) for w in words)))
    return rows


def markdown_prose(source: str) -> str:
    """A markdown cell without fenced code, inline code, URLs and HTML tags."""
    source = re.sub(r"```.*?```", " ", source, flags=re.S)
    source = re.sub(r"`[^`]*`", " ", source)
    return re.sub(r"https?://\S+|<[^>]+>", " ", source)


CODE_TOKEN = re.compile(  # ASCII only: a Chinese word right after the code is prose
    r"[A-Za-z_][A-Za-z0-9_.]*(?:\([^()]*\)|\[[^\]]*\])[A-Za-z0-9_.()\[\]]*"  # net[0].params
    r"|[A-Za-z0-9_]+=[A-Za-z0-9_.'\"()\[\]]+"                              # ctx=ctx
    r"|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+"                            # init.Normal
    r"|[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*")                                  # dense0_weight


def tour_prose(text: str) -> str:
    """A tour string without the code-like tokens an explanation quotes."""
    return CODE_TOKEN.sub(" ", text)


def _docstring_nodes(tree: ast.AST) -> set:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _step_code_nodes(tree: ast.AST) -> set:
    """The ``code`` argument of every ``Step(key, en, zh, code, ...)``: code, not prose."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Step":
            code = node.args[3:4] + [k.value for k in node.keywords if k.arg == "code"]
            for arg in code:
                ids.update(id(n) for n in ast.walk(arg))
    return ids


def texts(path: Path) -> Iterator[Tuple[str, str]]:
    """(where, prose) for every piece of prose in ``path``."""
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                yield f"cell {i}", markdown_prose("".join(cell["source"]))
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstring_nodes(tree) | _step_code_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield f"line {node.lineno}", tour_prose(node.value)


def second_words(text: str, entries: List[Entry]) -> List[Tuple[str, str, str]]:
    """(word found, its context, what to write instead) for every second word in ``text``."""
    found = []
    for entry in entries:
        for pattern in entry.avoid:
            for m in pattern.finditer(text):
                context = text[max(0, m.start() - 20): m.end() + 20].replace("\n", " ")
                found.append((m.group(0), context, f"{entry.concept}: {entry.english} / {entry.chinese}"))
    return found


def test_glossary_reads_and_is_consistent():
    """Every row parses, and no row's own words are among its words to avoid."""
    entries = glossary()
    assert len(entries) >= 20, [e.concept for e in entries]
    assert {"bias", "initializer", "deferred initialization", "forward pass"} <= {e.concept for e in entries}
    for entry in entries:
        for own in re.split(r",\s*", entry.english) + re.split(r",\s*", entry.chinese):
            hits = [p.pattern for p in entry.avoid if p.search(own)]
            assert not hits, f"{entry.concept}: its own word {own!r} matches {hits}"


@pytest.mark.parametrize("text, word", [
    ("每个 Dense 层有一个权重和一个偏差。", "偏差"),
    ("输入维度要到第一次前向计算时才推断出来", "前向计算"),
    ("把一个批量切开，每个设备拿到一份", "批量"),
    ("every lazy initialization is a trap", "lazy initialization"),
    ("afterwards the Replicas are identical", "Replicas"),
])
def test_second_words_are_found(text, word):
    """The check can fail: a planted second word is found."""
    assert [w for w, _, _ in second_words(text, glossary())] == [word]


@pytest.mark.parametrize("text", [
    "小批量的大小，也就是批量大小，是 2", "每个 Dense 层有一个权重和一个偏置",
    "`replicas` compares each device's copy", "the replica_count of dense0_weight",
])
def test_own_words_pass(text):
    prose = markdown_prose(text) if text.startswith("`") else tour_prose(text)
    assert second_words(prose, glossary()) == []


def test_tour_prose_keeps_the_words_and_drops_the_code():
    text = "net[0].params 是一个从名称到 Parameter 对象的字典，传入 params=shared.params：这个网络"
    prose = tour_prose(text)
    assert "名称" in prose and "这个网络" in prose and "net[0]" not in prose and "shared" not in prose


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


SOURCES = [*TOUR, *NOTEBOOKS, HOMEWORK]


def test_sources_exist():
    assert len(TOUR) >= 4 and len(NOTEBOOKS) >= 6 and HOMEWORK.exists(), _ids(SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=_ids(SOURCES))
def test_one_word_per_concept(path):
    entries = glossary()
    problems = [f"{where}: {word!r} in ...{context}... ({use})"
                for where, prose in texts(path)
                for word, context, use in second_words(prose, entries)]
    assert not problems, (f"{path.relative_to(ROOT)} uses a second word for a concept of "
                          "docs/glossary.md:\n" + "\n".join(problems))
