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
