"""The notebooks in notebooks/: how they are committed, and how they run with the venv's kernel.

Committed: without outputs, kernel ``l10-params``, one ``parameters`` cell, every markdown
cell in one language with its ``lang-en``/``lang-zh`` tag (the Chinese twin right after the
English cell), Chinese paragraphs on one line, numbered headings, a slide type on every cell,
and every ``assert`` with a message.

Executed: twice in one kernel (a re-run prints the same text), with a context injected after
the ``parameters`` cell (papermill style), with ``'gpu'`` (the library's one-line reason, no
traceback) and with ``$L10_PARAMS_CTX`` set.
"""
import ast
import copy
import json
import re

import pytest
from notebook_runs import (
    KERNEL,
    NOTEBOOKS,
    PATHS,
    code_texts,
    inject,
    kernel_available,
    publish,
    read,
    runs_twice,
    text,
)

pytestmark = pytest.mark.notebook

CJK = "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"  # ideographs and CJK punctuation
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}
ids = [p.stem for p in PATHS]


def _prose(source: str) -> str:
    """Markdown without fenced blocks, inline code, URLs and HTML tags: the words themselves."""
    source = re.sub(r"```.*?```", " ", source, flags=re.S)
    source = re.sub(r"`[^`]*`", " ", source)
    source = re.sub(r"https?://\S+|<[^>]+>", " ", source)
    return source


def _paragraphs(source: str):
    return [p for p in re.split(r"\n\s*\n", _prose(source)) if re.search(rf"[A-Za-z{CJK}]", p)]


def _raw(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell) -> str:
    return "".join(cell["source"])


def _lang(cell):
    tags = [t for t in cell["metadata"].get("tags", []) if t.startswith("lang-")]
    return tags


def test_notebooks_exist():
    assert [p.name for p in PATHS][:4] == ["01-access.ipynb", "02-initialize.ipynb",
                                           "03-edit-and-tie.ipynb", "04-contexts.ipynb"]
    assert all(p.parent == NOTEBOOKS for p in PATHS), "homework/ is an nbgrader course, not here"


@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_committed_clean(path):
    """Committed without outputs, the project's kernel, and one tagged parameters cell."""
    nb = _raw(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code), \
        "commit the notebook without outputs (Kernel > Restart and Clear Outputs)"
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1 and "ctx = None" in _source(params[0])
    spec = nb["metadata"]["kernelspec"]
    assert (spec["name"], spec["display_name"]) == (KERNEL, "Python (l10_params)"), spec
    if (nb["nbformat"], nb["nbformat_minor"]) >= (4, 5):  # cell ids: required from 4.5 on
        ids = [c.get("id") for c in nb["cells"]]
        assert None not in ids and len(set(ids)) == len(ids), \
            "every cell needs its own id (nbformat 4.5): nbformat.validator.normalize() adds them"


@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_language_tags(path):
    """Each markdown cell with prose is in one language and says so; code cells carry no tag."""
    cells = _raw(path)["cells"]
    for i, c in enumerate(cells):
        tags, src = _lang(c), _source(c)
        if c["cell_type"] == "code":
            assert not tags, f"cell {i}: a code cell carries no language tag, found {tags}"
            continue
        if c["cell_type"] != "markdown" or not _paragraphs(src):
            continue
        assert tags in (["lang-en"], ["lang-zh"]), \
            f"cell {i}: needs exactly one of the tags lang-en, lang-zh, has {tags}: {src[:60]!r}"
        for para in _paragraphs(src):
            has_cjk = re.search(f"[{CJK}]", para) is not None
            if tags == ["lang-zh"]:
                assert has_cjk, f"cell {i} is tagged lang-zh but this paragraph is not: {para[:60]!r}"
            else:
                assert not has_cjk, f"cell {i} is tagged lang-en but has Chinese: {para[:60]!r}"
        if tags == ["lang-en"]:
            twin = cells[i + 1] if i + 1 < len(cells) else None
            assert twin is not None and _lang(twin) == ["lang-zh"], \
                f"cell {i}: an English cell is followed by its Chinese twin"
            assert twin["metadata"]["slideshow"] == c["metadata"]["slideshow"], \
                f"cell {i}: the twins need the same slide type, so each deck keeps the structure"


@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_chinese_on_one_line_and_headings(path):
    """A line break between Chinese characters renders as a space; headings are numbered."""
    heads = {"lang-en": [], "lang-zh": []}
    for i, c in enumerate(_raw(path)["cells"]):
        if c["cell_type"] != "markdown":
            continue
        src = _source(c)
        m = re.search(f"[{CJK}]\n[{CJK}]", _prose(src))
        assert m is None, f"cell {i}: a line break inside Chinese text: {m.group(0)!r}"
        assert not re.search(r"(?<![*_])([*_])管理参数\1(?![*_])", src), f"cell {i}: 管理参数 in italics"
        for line in src.splitlines():
            if line.startswith("#"):
                assert re.match(r"(# \d\d · |## \d+\. |### )\S", line), \
                    f"cell {i}: headings are '# NN · title' or '## N. title', not {line!r}"
                heads[_lang(c)[0]].append(line.split(" ")[1])
    assert heads["lang-en"] == heads["lang-zh"], "the Chinese headings follow the English ones"
    steps = [h for h in heads["lang-en"] if h.endswith(".")]
    assert steps == [f"{n}." for n in range(1, len(steps) + 1)], f"steps numbered 1, 2, ...: {steps}"


@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_slide_types(path):
    """Every cell has a slide type; a lecture step's heading starts a new slide."""
    for i, c in enumerate(_raw(path)["cells"]):
        kind = c["metadata"].get("slideshow", {}).get("slide_type")
        assert kind in SLIDE_TYPES, f"cell {i}: slideshow.slide_type is {kind!r}"
        if c["cell_type"] == "markdown" and re.match(r"#{1,2} ", _source(c)):
            assert kind == "slide", f"cell {i}: a heading starts a slide, not {kind!r}"


@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_every_assert_has_a_message(path):
    """Re-running one cell must never end in a bare AssertionError."""
    for i, c in enumerate(_raw(path)["cells"]):
        if c["cell_type"] != "code":
            continue
        src = "\n".join(line for line in _source(c).splitlines()
                        if not line.lstrip().startswith(("%", "!")))
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Assert):
                assert node.msg is not None, \
                    f"cell {i}, line {node.lineno}: assert without a message: {ast.unparse(node)[:80]}"


needs_kernel = pytest.mark.skipif(not kernel_available(),
                                  reason="kernel 'l10-params' is not installed; run `make install`")


@needs_kernel
@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_runs_twice_in_one_kernel(path):
    """Top to bottom, then again in the same kernel: the second run prints the same text."""
    first, second = runs_twice(path.name)
    assert code_texts(first) == code_texts(second), \
        "a second run in the same kernel printed something else"
    assert "dense0_weight" in "".join(code_texts(second))


@needs_kernel
@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_runs_on_two_devices_injected(path):
    nb = read(path)
    inject(nb, 'ctx = "cpu:0,cpu:1"')
    (done,) = publish.execute(nb)
    assert "cpu(0), cpu(1)" in "".join(code_texts(done))


def _head(nb, upto):
    """The cells up to and including index ``upto`` (imports, parameters, resolve_ctx)."""
    head = copy.deepcopy(nb)
    head.cells = head.cells[: upto + 1]
    return head


def _resolve_cell(nb):
    """Index of the cell that resolves ``ctx``: the first code cell after the parameters."""
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    return next(j for j in range(i + 1, len(nb.cells))
                if nb.cells[j].cell_type == "code" and "resolve_ctx(ctx)" in nb.cells[j].source)


@needs_kernel
def test_gpu_on_cpu_build_prints_the_reason():
    """ctx = 'gpu' on the CPU-only wheel: the library's one line, then the CPU; no traceback.

    Only each notebook's first cells (imports, parameters, ctx = 'gpu', resolve_ctx) run,
    all in one kernel.
    """
    import mxnet as mx

    heads, ends = None, {}
    for path in PATHS:
        nb = read(path)
        inject(nb, 'ctx = "gpu"')
        head = _head(nb, _resolve_cell(nb))
        if heads is None:
            heads = head
        else:
            heads.cells += head.cells
        ends[path.name] = len(heads.cells) - 1
    (done,) = publish.execute(heads)
    for name, i in ends.items():
        out = done.cells[i].outputs
        assert not [o for o in out if o.output_type == "error"], f"{name}: a traceback"
        printed = "".join(o.get("text", "") for o in out)
        if mx.context.num_gpus() == 0:
            assert "asks for a GPU" in printed and "cpu(0)" in printed, f"{name}: {printed!r}"


@needs_kernel
def test_env_ctx_reaches_notebook(monkeypatch):
    monkeypatch.setenv("L10_PARAMS_CTX", "cpu:1")
    nb = read(NOTEBOOKS / "01-access.ipynb")
    (done,) = publish.execute(_head(nb, _resolve_cell(nb)))
    assert "cpu(1) ($L10_PARAMS_CTX)" in code_texts(done)[-1]


# ---- notebook 05 prints what the book prints ---------------------------------------------------

BOOK = NOTEBOOKS.parent / "tests" / "data" / "d2l_parameters_mxnet.md"


def book_cells():
    """(id, kind, code) of every cell of the book kept in tests/data, in the book's order."""
    text = BOOK.read_text(encoding="utf-8")
    return re.findall(r"^## (\S+) · (chapter|class) · [^\n]*\n\n```python\n(.*?)\n```", text,
                      flags=re.S | re.M)


def test_book_cells_are_the_books_code_as_printed():
    """Every cell of the book is in notebook 05, in the book's order, its code as printed."""
    cells = book_cells()
    assert len(cells) >= 16 and cells[0][0] == "imports", [c[0] for c in cells]
    nb = _raw(NOTEBOOKS / "05-book.ipynb")
    marked = [(c["metadata"]["d2l"], _source(c)) for c in nb["cells"] if "d2l" in c["metadata"]]
    assert [m[0] for m in marked] == [c[0] for c in cells], "the book's cells, in the book's order"
    for (cid, _, code), (_, source) in zip(cells, marked):
        assert source == code, f"cell {cid!r} is not the book's code as printed:\n{source}"


def _floats(text):
    return [float(x) for x in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", text)]


# What the book's text says each cell shows: shapes, the names listed, the rows printed.
BOOK_SAYS = {
    "mlp": lambda out, _: out.strip() == "(2, 1)",
    "layer-params": lambda out, _: re.findall(r"Parameter (\S+) \(shape=(\([^)]*\))", out)
    == [("dense1_weight", "(1, 8)"), ("dense1_bias", "(1,)")],
    "bias": lambda out, _: "Parameter" in out and out.strip().endswith("array([0.]))"),
    "grad": lambda out, _: _floats(out) == [0.0] * 8,
    "all-params": lambda out, _: re.findall(r"Parameter (\S+) ", out)
    == ["dense0_weight", "dense0_bias", "dense1_weight", "dense1_bias"],
    "by-name": lambda out, _: out.strip() == "array([0.])",
    "nested": lambda out, _: len(re.findall(r"\[[^\[\]]*\]", out)) == 2 and len(_floats(out)) == 20,
    "nested-params": lambda out, _: "<bound method Block.collect_params" in out and re.findall(
        r"Parameter (dense\d+)_weight \(shape=\((\d+), (\d+)\)", out)
    == [(f"dense{i}", str(o), str(n)) for i, (o, n) in
        zip(range(2, 11), [(32, 4)] + [(16, 32), (32, 16)] * 3 + [(16, 32), (10, 16)])],
    "nested-index": lambda out, _: _floats(out) == [0.0] * 32,
    "constant": lambda out, _: _floats(out) == [1.0] * 4,
    "xavier-42": lambda out, _: _floats(out.splitlines()[-1]) == [42.0] * 8,
    "myinit": lambda out, _: out.startswith("Init dense0_weight (8, 4)\nInit dense1_weight (1, 8)\n"),
    "set-directly": lambda out, outs: (lambda row, mine: row[0] == 42 and len(row) == 4 and all(
        abs(a - (b + 1)) < 1e-5 for a, b in zip(row[1:], mine[1:4])))(
        _floats(out), _floats(outs["myinit"].split("array(")[1])),
    "tied": lambda out, _: out.splitlines() == ["[ True  True  True  True  True  True  True  True]"] * 2,
}


def _book_outputs(nb):
    """The text each cell of the book printed, by id."""
    return {c.metadata["d2l"]: text(c) for c in nb.cells if "d2l" in c.metadata}


@needs_kernel
def test_notebook_05_prints_what_the_book_prints():
    """The book's cells alone, in a fresh kernel (a fresh process, as the book runs), print
    exactly what they print in notebook 05 between our cells, on its first and its second run;
    and what they print is what the book's text says (shapes, names, the last row)."""
    import nbformat

    chapter = [(cid, code) for cid, kind, code in book_cells() if kind == "chapter"]
    alone = nbformat.v4.new_notebook()
    alone.cells = [nbformat.v4.new_code_cell(code, metadata={"d2l": cid}) for cid, code in chapter]
    (done,) = publish.execute(alone)
    book = _book_outputs(done)
    for run in runs_twice("05-book.ipynb"):
        ours = _book_outputs(run)
        for cid, _ in chapter:
            assert ours[cid] == book[cid], \
                f"cell {cid!r} prints something else in notebook 05 than alone:\n{ours[cid]}\n---\n{book[cid]}"
    assert set(BOOK_SAYS) <= set(book), set(BOOK_SAYS) - set(book)
    for cid, says in BOOK_SAYS.items():
        assert says(book[cid], book), f"cell {cid!r} does not show what the book says:\n{book[cid]}"


# ---- every number and name the text cites comes from the run -----------------------------------

CITED_NAME = re.compile(r"\b[a-z]+\d+(?:_[a-z]+)*\b")  # dense0, dense1_bias, sequential0
CITED_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+\.\d+|\d{4,})(?![0-9])")
YEAR = re.compile(r"(19|20)\d\d")


def cited(source: str):
    """The names (anywhere, inline code included) and the numbers (in the prose: with a decimal
    point, a thousands comma or four digits and more, not a year) that a markdown cell cites."""
    names = set(CITED_NAME.findall(source))
    numbers = {n for n in CITED_NUMBER.findall(_prose(source)) if not YEAR.fullmatch(n)}
    return names, numbers


def _evidence(nb):
    """The words and the numbers of a notebook's outputs and code (a check in the code is a
    test of the quote against the run)."""
    shown = "\n".join(text(c) + "\n" + c.source for c in nb.cells if c.cell_type == "code")
    numbers = [float(x.replace(",", "")) for x in
               re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?(?:e[-+]?\d+)?", shown)]
    return set(re.findall(r"\w+", shown)), numbers


def _named(name: str, words) -> bool:
    """``dense0`` is shown by ``dense0`` or by a parameter name such as ``dense0_weight``."""
    return name in words or any(w.startswith(name + "_") for w in words)


def _shown(number: str, numbers) -> bool:
    value = float(number.replace(",", ""))
    places = len(number.split(".")[1]) if "." in number else 0
    return any(abs(round(x, places) - value) < 1e-9 for x in numbers)


def test_cited_finds_names_and_numbers():
    names, numbers = cited("`0.1.0.bias` is `dense4_bias`; 2,560 of 5120 values, 0.147, "
                           "in 2019, 8 × 4 = 32, N(0, 0.01²), 1e-6")
    assert names == {"dense4_bias"} and numbers == {"2,560", "5120", "0.147", "0.01"}, (names, numbers)
    assert _shown("0.147", [0.1474]) and not _shown("0.148", [0.1474]) and _shown("2,560", [2560.0])


@needs_kernel
@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_every_cited_name_and_number_is_printed(path):
    """A name or a number the text cites is printed by a cell or checked in one (a number
    rounded as the text rounds it)."""
    first, _ = runs_twice(path.name)
    words, numbers = _evidence(first)
    missing = []
    for i, cell in enumerate(first.cells):
        if cell.cell_type != "markdown":
            continue
        names, quoted = cited(cell.source)
        missing += [f"cell {i}: name {n}" for n in sorted(names) if not _named(n, words)]
        missing += [f"cell {i}: number {q}" for q in sorted(quoted) if not _shown(q, numbers)]
    assert not missing, "the text cites what no cell shows:\n" + "\n".join(missing)
