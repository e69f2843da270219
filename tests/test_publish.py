"""notebooks/publish.py and the Jupyter settings of tools/jupyter/, read as files.

The decks and the site are built from the first run of each notebook that test_notebooks.py
already made (tests/notebook_runs.py), so publishing executes nothing again. What these files
look like in a browser (every slide fits 1280x800, figure text, Lab without pop-ups) is
tests/test_browser.py.
"""
from __future__ import annotations

import asyncio
import functools
import html.parser
import json
import re
import runpy
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from notebook_runs import PATHS, ROOT, kernel_available, publish, read, runs_twice

CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
JUPYTER = ROOT / "tools" / "jupyter"
needs_kernel = pytest.mark.skipif(not kernel_available(), reason="kernel 'l10-params' is not "
                                  "installed; run `make install`")


@functools.lru_cache(maxsize=None)
def build_all(base: Path):
    """The decks of both languages and the site, built once per test session under ``base``
    from the notebooks' first runs: (executed paths, {lang: decks}, site index)."""
    out = base / "publish"
    (out / "executed").mkdir(parents=True, exist_ok=True)
    executed = []
    for path in PATHS:
        nbformat.write(runs_twice(path.name)[0], str(out / "executed" / path.name))
        executed.append(out / "executed" / path.name)
    decks = {lang: publish.slides(executed, out / "slides", lang) for lang in publish.LANGS}
    return executed, decks, publish.site(executed, out / "site")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return build_all(tmp_path_factory.getbasetemp())


class Page(html.parser.HTMLParser):
    """A deck or a page as a reader meets it: slides (<section>s) and what each one holds.

    ``leaves``: for each innermost <section> (a slide on screen), its code cells (the first
    line of each input), markdown cells and fragments. ``stray``: cells or text outside every
    slide (reveal.js never shows those). ``blocks``: the text of each rendered markdown
    block, code left out. ``loads``: what the page loads (scripts, style sheets, images).
    """

    BLOCKS = {"p", "h1", "h2", "h3", "li"}

    def __init__(self, text: str):
        super().__init__()
        self.open = []          # stack of open tags that matter: ('section'|'div'|..., info)
        self.leaves, self.stray, self.blocks, self.loads = [], [], [], []
        self.anchors, self.code_inputs, self.prompts = [], [], 0
        self.current, self.capture = None, None
        self.lang = None
        self.feed(text)
        self.close()

    def _depth(self):
        return sum(1 for tag, _ in self.open if tag == "section")

    def _leaf(self):
        for tag, info in reversed(self.open):
            if tag == "section":
                return info
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "section":
            info = {"code": [], "markdown": 0, "fragments": 0, "children": 0}
            parent = self._leaf()
            if parent is not None:
                parent["children"] += 1
            self.open.append(("section", info))
            self.leaves.append(info)
            return
        if tag in ("script", "img", "iframe", "source") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href"):
            self.loads.append(a["href"])
        if tag == "a" and a.get("href"):
            self.anchors.append((a["href"], cls))
        if tag == "div":
            info = {"cls": cls}
            classes = cls.split()
            if "jp-CodeCell" in classes or "jp-MarkdownCell" in classes:
                leaf = self._leaf()
                if leaf is None:
                    self.stray.append(cls)
                elif "jp-MarkdownCell" in classes:
                    leaf["markdown"] += 1
                else:
                    info["code_cell"] = leaf
            if "fragment" in classes and self._leaf() is not None:
                self._leaf()["fragments"] += 1
            if "jp-InputPrompt" in cls:
                self.prompts += 1
            if "jp-InputArea-editor" in cls:
                self.capture = []
                info["input"] = True
            self.open.append(("div", info))
            return
        if tag in self.BLOCKS and any("jp-RenderedMarkdown" in i.get("cls", "")
                                      for t, i in self.open if t == "div"):
            self.current = []
        if tag in ("code", "pre"):
            self.open.append((tag, {}))

    def handle_endtag(self, tag):
        if tag in ("section", "div", "code", "pre"):
            while self.open:
                t, info = self.open.pop()
                if t == "div" and info.get("input") and self.capture is not None:
                    line = "".join(self.capture).strip().splitlines()
                    self.code_inputs.append(line[0] if line else "")
                    cell = next((i.get("code_cell") for _, i in reversed(self.open)
                                 if i.get("code_cell") is not None), None)
                    if cell is not None:
                        cell["code"].append(self.code_inputs[-1])
                    self.capture = None
                if t == tag:
                    break
        elif tag in self.BLOCKS and self.current is not None:
            self.blocks.append("".join(self.current).strip())
            self.current = None

    def handle_data(self, data):
        if self.capture is not None:
            self.capture.append(data)
        in_code = any(t == "code" for t, _ in self.open)
        if self.current is not None and not in_code:
            self.current.append(data)

    def slides(self):
        """The innermost sections: what reveal.js shows as one screen each."""
        return [s for s in self.leaves if not s["children"]]


def parse(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def shown_code(nb):
    """The first line of each code cell a deck or a page shows (all but slide type skip)."""
    return [c.source.strip().splitlines()[0] if c.source.strip() else "" for c in nb.cells
            if c.cell_type == "code" and publish.slide_type(c) != "skip"]


def _steps(nb, lang):
    """A notebook's title and its '## N.' headings in ``lang``."""
    return [c.source.splitlines()[0] for c in nb.cells
            if c.cell_type == "markdown" and f"lang-{lang}" in c.metadata.get("tags", [])
            and re.match(r"#{1,2} ", c.source)]


def _structure(page: Page):
    """What a deck's slides hold, language aside: code cells, markdown cells, fragments."""
    return [(tuple(s["code"]), s["markdown"], s["fragments"]) for s in page.slides()]


def _local(page_path: Path, refs):
    for ref in refs:
        assert not re.match(r"(https?:)?//", ref), f"{page_path.name} loads {ref} from the network"
        if not ref.startswith("data:"):
            target = (page_path.parent / ref.split("#")[0].split("?")[0]).resolve()
            assert target.is_file(), f"{page_path.name}: {ref} is missing"


def _styles_are_local(text: str, name: str):
    for style in re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S):
        for ref in re.findall(r"(?:@import\s+(?:url\()?|url\()\s*['\"]?([^'\")\s]+)", style):
            assert not re.match(r"(https?:)?//", ref), f"{name}: a style sheet loads {ref}"


# --- without a kernel: a synthetic notebook shows what the language filter must do -----------

def _cell(kind, source, slide, lang=None):
    new = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
    cell = new(source)
    cell.metadata["slideshow"] = {"slide_type": slide}
    if lang:
        cell.metadata["tags"] = [f"lang-{lang}"]
    return cell


def _twins(source_en, source_zh, slide):
    return [_cell("md", source_en, slide, "en"), _cell("md", source_zh, slide, "zh")]


@pytest.fixture
def synthetic(tmp_path):
    """Steps as the notebooks write them: a heading slide in both languages, then code as a
    fragment (the code a removed Chinese twin used to push out of every slide), a test-only
    cell, a paragraph pair starting a subslide and its code."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [*_twins("# 09 · A title\n\nThe first line. Then more.", "# 09 · 标题\n\n第一句。", "slide"),
                _cell("code", "print('first')", "fragment"),
                *_twins("## 1. Step one", "## 1. 第一步", "slide"),
                _cell("code", "x = 1", "fragment"),
                _cell("code", "assert x == 1", "skip"),
                *_twins("A paragraph.", "一段话。", "subslide"),
                _cell("code", "y = x + 1", "fragment"),
                _cell("code", "y", "fragment")]
    path = tmp_path / "09-synthetic.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.mark.publish
def test_language_filter_keeps_every_code_cell_on_a_slide(synthetic, tmp_path):
    decks = {lang: publish.slides([synthetic], tmp_path / "slides", lang)[0]
             for lang in publish.LANGS}
    nb = read(synthetic)
    for lang, deck in decks.items():
        page = parse(deck)
        assert not page.stray, f"{lang}: cells outside every slide: {page.stray}"
        on_slides = [line for s in page.slides() for line in s["code"]]
        assert on_slides == shown_code(nb) == ["print('first')", "x = 1", "y = x + 1", "y"], lang
        assert "assert x == 1" not in deck.read_text(encoding="utf-8"), "test-only cells stay out"
        assert page.lang == lang
    en, zh = (_structure(parse(decks[lang])) for lang in ("en", "zh"))
    assert en == zh == [(("print('first')",), 1, 1), (("x = 1",), 1, 1),
                        (("y = x + 1", "y"), 1, 2)]


@pytest.mark.publish
def test_one_language_leaves_out_the_other_and_the_tests(synthetic):
    nb = read(synthetic)
    zh = publish.one_language(nb, "zh")
    assert zh.metadata["title"] == "09 · 标题" and len(nb.cells) == 11, "the original is unchanged"
    assert [c.source.split("\n")[0] for c in zh.cells] == [
        "# 09 · 标题", "print('first')", "## 1. 第一步", "x = 1", "一段话。", "y = x + 1", "y"]
    with pytest.raises(ValueError, match=r"lang must be one of \('en', 'zh'\), not 'fr'"):
        publish.one_language(nb, "fr")


@pytest.mark.publish
def test_descriptions_leave_out_what_notebooks_share():
    def nb(en, zh):
        book = nbformat.v4.new_notebook()
        book.cells = _twins(en, zh, "slide")
        return book

    shared_en = "Lecture 10, part 3 of *Dive into Deep Learning*: **Managing Parameters**."
    shared_zh = "《动手学深度学习》第 10 讲第 3 部分：**管理参数**。"
    books = [nb(f"# 01 · A\n\n{shared_en} We build the MLP, then reach its parameters.",
                f"# 01 · 甲\n\n{shared_zh}我们先搭建多层感知机，再访问它的参数。"),
             nb(f"# 02 · B\n\n{shared_en} We re-initialize the MLP with built-in initializers. More.",
                f"# 02 · 乙\n\n{shared_zh}我们用内置初始化器重新初始化多层感知机。然后更多。"),
             nb("# 06 · C\n\nOne GPU, then several machines. MXNet's parameter server keeps "
                "copies identical. Here every machine is a process.",
                "# 06 · 丙\n\n先是一块 GPU，然后是多台机器。参数服务器让副本保持一致。")]
    assert publish.descriptions(books, "en") == [
        "We build the MLP, then reach its parameters.",
        "We re-initialize the MLP with built-in initializers.",
        "One GPU, then several machines. MXNet's parameter server keeps copies identical."]
    assert publish.descriptions(books, "zh") == [
        "我们先搭建多层感知机，再访问它的参数。", "我们用内置初始化器重新初始化多层感知机。",
        "先是一块 GPU，然后是多台机器。参数服务器让副本保持一致。"]


@pytest.mark.publish
def test_bad_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"lang must be one of \('en', 'zh'\), not 'fr'"):
        publish.slides([], tmp_path, "fr")
    with pytest.raises(SystemExit) as e:
        publish.main(["slides", "--lang", "fr"])
    assert e.value.code == 2


def test_every_numbered_notebook_is_published():
    names = [p.name for p in publish.notebook_paths()]
    assert names == [p.name for p in PATHS] and names[0] == "01-access.ipynb"
    assert all(re.match(r"\d\d-.+\.ipynb$", n) for n in names), names


# --- the decks of the six notebooks ----------------------------------------------------------

@pytest.mark.parametrize("lang", publish.LANGS)
@pytest.mark.publish
@pytest.mark.notebook
@needs_kernel
def test_decks_show_every_code_cell_on_a_slide(build, lang):
    executed, decks, _ = build
    assert [d.name for d in decks[lang]] == [f"{p.stem}.slides.html" for p in PATHS]
    for path, deck in zip(executed, decks[lang]):
        page = parse(deck)
        assert not page.stray, f"{deck.name}: cells outside every slide: {page.stray[:3]}"
        on_slides = [line for s in page.slides() for line in s["code"]]
        assert on_slides == shown_code(read(path)), \
            f"{lang}/{deck.name}: {len(on_slides)} code cells on slides"
        text = deck.read_text(encoding="utf-8")
        for heading in _steps(read(path), lang):   # every step's heading, in this language
            assert re.sub(r"^#+\s*", "", heading).split("`")[0].strip() in text, heading
        assert page.lang == lang and page.loads, f"{deck.name}: lang, and reveal.js loaded"
        _local(deck, page.loads)
        _styles_are_local(text, deck.name)


@pytest.mark.publish
@pytest.mark.notebook
@needs_kernel
def test_both_languages_have_the_same_slides(build):
    _, decks, _ = build
    for en, zh in zip(decks["en"], decks["zh"]):
        assert _structure(parse(en)) == _structure(parse(zh)), en.name


@pytest.mark.parametrize("lang", publish.LANGS)
@pytest.mark.publish
@pytest.mark.notebook
@needs_kernel
def test_decks_speak_one_language(build, lang):
    """The zh deck has no English-only prose, the en deck no Chinese."""
    _, decks, _ = build
    for deck in decks[lang]:
        blocks = [b for b in parse(deck).blocks if re.search(r"[A-Za-z]{3}|" + CJK.pattern, b)]
        assert blocks, f"{deck.name}: no prose found"
        for block in blocks:
            if lang == "zh":
                assert CJK.search(block), f"{deck.name}: English-only prose {block[:60]!r}"
            else:
                assert not CJK.search(block), f"{deck.name}: Chinese prose {block[:60]!r}"


# --- the site --------------------------------------------------------------------------------

@pytest.mark.publish
@pytest.mark.notebook
@needs_kernel
def test_site_index_lists_every_notebook_in_each_language(build):
    executed, _, index = build
    site = index.parent
    for path, lang, prefix in ((index, "en", "en/"), (site / "en" / "index.html", "en", ""),
                               (site / "zh" / "index.html", "zh", "")):
        text = path.read_text(encoding="utf-8")
        page = parse(path)
        assert page.lang == lang and '<meta name="viewport"' in text and "<style>" in text, path
        pages = [h for h, cls in page.anchors if cls == "l10-page"]
        assert pages == [f"{prefix}{p.stem}.html" for p in executed], path
        assert [h for h, cls in page.anchors if cls == "l10-deck"] == \
            [f"{prefix}{p.stem}.slides.html" for p in executed]
        assert [h for h, cls in page.anchors if cls == "l10-lang"] == \
            [("" if prefix else "../") + ("zh" if lang == "en" else "en") + "/index.html"]
        for href, _ in page.anchors:
            assert (path.parent / href).is_file(), f"{path}: {href} leads nowhere"
        titles = [publish.title(read(p), lang) for p in executed]
        descriptions = re.findall(r"</a><p>(.*?)</p>", text)
        assert len(descriptions) == len(executed) and all(d.strip() for d in descriptions), path
        for title, description in zip(titles, descriptions):
            assert title and title in html.unescape(text)
            assert bool(CJK.search(description)) == (lang == "zh"), description
            # it says what this notebook does, not where another one left off
            assert not re.match(r"(Notebook|笔记本) ?\d", html.unescape(description)), description
        _local(path, page.loads)
        _styles_are_local(text, path.name)


@pytest.mark.parametrize("lang", publish.LANGS)
@pytest.mark.publish
@pytest.mark.notebook
@needs_kernel
def test_site_pages_one_language_no_tests_linked(build, lang):
    executed, _, index = build
    folder = index.parent / lang
    other = "zh" if lang == "en" else "en"
    stems = [p.stem for p in executed]
    for i, path in enumerate(executed):
        nb = read(path)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}"
        file = folder / f"{path.stem}.html"
        text = file.read_text(encoding="utf-8")
        page = parse(file)
        assert page.lang == lang
        assert page.code_inputs == shown_code(nb), f"{file}: test-only cells stay out"
        assert page.prompts == 0 and "In&nbsp;[" not in text, f"{file}: In [N] prompts"
        assert "Traceback (most recent call last)" not in text, file
        links = {cls: href for href, cls in page.anchors if cls.startswith("l10-")}
        assert links["l10-index"] == "index.html" and links["l10-deck"] == f"{path.stem}.slides.html"
        assert links["l10-lang"] == f"../{other}/{path.stem}.html"
        assert links.get("l10-prev") == (f"{stems[i - 1]}.html" if i else None)
        assert links.get("l10-next") == (f"{stems[i + 1]}.html" if i + 1 < len(stems) else None)
        for href in links.values():
            assert (folder / href).is_file(), f"{file}: {href} leads nowhere"
        blocks = [b for b in page.blocks if re.search(r"[A-Za-z]{3}|" + CJK.pattern, b)]
        assert blocks and all(bool(CJK.search(b)) == (lang == "zh") for b in blocks), file
        _local(file, page.loads)
        _styles_are_local(text, file.name)
    first = (folder / "01-access.html").read_text(encoding="utf-8")
    assert '<table class="l10-params">' in first and "text-align:right" in first
    assert "data:image/png" in (folder / "02-initialize.html").read_text(encoding="utf-8")


# --- Jupyter Lab's settings (tools/jupyter/ mirrors a venv's prefix) ------------------------------

def _lab_schema(plugin: str) -> dict:
    from jupyterlab.commands import get_app_dir

    share = Path(get_app_dir()) / "schemas"
    package, name = plugin.split(":")
    return json.loads((share / package / f"{name}.json").read_text(encoding="utf-8"))


def test_lab_settings_turn_news_and_update_checks_off():
    overrides = json.loads((JUPYTER / "share/jupyter/lab/settings/overrides.json").read_text())
    plugin = "@jupyterlab/apputils-extension:notification"
    assert overrides == {plugin: {"fetchNews": "false", "checkForUpdates": False}}
    schema = _lab_schema(plugin)["properties"]   # the installed JupyterLab still has both
    assert {"const": "false", "title": "Never"} in schema["fetchNews"]["oneOf"]
    assert schema["checkForUpdates"]["type"] == "boolean"


def test_lab_hides_nbgrader_instructor_parts_but_the_instructor_lab_shows_them():
    import nbgrader

    student = json.loads((JUPYTER / "etc/jupyter/labconfig/page_config.json").read_text())
    teacher = json.loads((JUPYTER / "etc/jupyter/instructor/labconfig/page_config.json").read_text())
    hidden = student["disabledExtensions"]
    assert all(hidden.values()) and not any(teacher["disabledExtensions"].values())
    assert set(teacher["disabledExtensions"]) == set(hidden)
    bundle = Path(nbgrader.__file__).parent / "labextension" / "static"
    plugins = set(re.findall(r'"(@jupyter/nbgrader:[\w-]+)"',
                             " ".join(p.read_text(errors="ignore") for p in bundle.glob("*.js"))))
    assert set(hidden) == plugins - {"@jupyter/nbgrader:validate-assignment"}, \
        "every instructor plugin of the installed nbgrader, and only those, is hidden"


def test_a_notebook_opens_unmodified(tmp_path):
    """Lab marks a notebook modified when the kernel's language_info differs from the file's:
    the server fills in what the project's kernel will report, and never overrides."""
    from ipykernel.ipkernel import IPythonKernel

    config = runpy.run_path(str(JUPYTER / "etc/jupyter/jupyter_server_config.py"),
                            init_globals={"get_config": lambda: _Config()})
    manager = config["L10ParamsContentsManager"](root_dir=str(tmp_path))
    assert config["c"].ServerApp.contents_manager_class is config["L10ParamsContentsManager"]
    kernels = {"ours": "l10-params", "theirs": "python3", "set": "l10-params"}
    for name, kernel in kernels.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
        nb.metadata["language_info"] = {"name": "python", **({"version": "0.1"} if name == "set" else {})}
        nbformat.write(nb, str(tmp_path / f"{name}.ipynb"))
    served = {n: asyncio.run(manager.get(f"{n}.ipynb"))["content"].metadata["language_info"]
              for n in kernels}
    assert served["ours"] == IPythonKernel.language_info and "version" in served["ours"]
    assert served["theirs"] == {"name": "python"} and served["set"]["version"] == "0.1"
    assert "version" not in read(tmp_path / "ours.ipynb").metadata["language_info"], "file untouched"


class _Config:
    def __init__(self):
        self.ServerApp = type("ServerApp", (), {})()


def test_make_lab_takes_a_port_and_hides_the_publishing_files():
    def dry(*args):
        out = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
        return [line for line in out.splitlines() if "jupyter-lab" in line]

    (lab,) = dry("lab", "PORT=8899")
    assert lab.startswith("cd notebooks && ") and "--port=8899" in lab
    assert all(f"'{name}'" in lab for name in ("templates", "publish.py", "homework"))
    (teacher,) = dry("lab-instructor", "PORT=8898")
    assert teacher.startswith("cd notebooks/homework && JUPYTER_CONFIG_PATH=") and "--port=8898" in teacher
    assert "etc/jupyter/instructor" in teacher


def _publish_script(folder: Path, body: str) -> Path:
    """A script in ``folder`` that loads notebooks/publish.py as ``publish``, then runs
    ``body``: publish.py in a process of its own, as make slides runs it."""
    script = folder / "run.py"
    script.write_text(
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('publish', "
        f"{str(ROOT / 'notebooks' / 'publish.py')!r})\n"
        "publish = importlib.util.module_from_spec(spec); spec.loader.exec_module(publish)\n"
        + body, encoding="utf-8")
    return script


@needs_kernel
def test_executing_a_notebook_prints_no_kernel_warning(tmp_path):
    """make slides and make site say what they made, not ipykernel's TCP warning per notebook."""
    script = _publish_script(
        tmp_path, "import nbformat\n"
        "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('print(6 * 7)')])\n"
        "print(publish.execute(nb)[0].cells[0].outputs[0]['text'], end='')\n")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0 and run.stdout == "42\n", run.stdout + run.stderr
    assert "WARNING" not in run.stderr and "encryption" not in run.stderr, run.stderr


def test_stale_pages_are_reported_not_removed(tmp_path):
    """A page this run did not write (a renamed notebook's, a file someone put there) is
    named, outside the copied reveal.js, and left in place."""
    written = [tmp_path / "en" / "01-access.html", tmp_path / "index.html"]
    old = [tmp_path / "en" / "99-removed.html"]
    reveal = [tmp_path / "reveal.js" / "plugin" / "notes" / "speaker-view.html"]
    for path in written + old + reveal:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<html></html>", encoding="utf-8")
    assert publish.stale_pages(tmp_path, written) == old
    assert all(p.is_file() for p in old)


@needs_kernel
def test_an_executed_copy_from_another_environment_is_executed_again(tmp_path, capsys):
    """A deck must not show another venv's paths and versions: a copy made elsewhere (another
    Python, venv, NumPy or MXNet build) is stale; one made here is reused."""
    source = tmp_path / "01-env.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import sys\nprint(sys.prefix)")]), str(source))
    out = tmp_path / "executed"
    target, = publish.execute_all([source], out)
    assert "executed 01-env.ipynb" in capsys.readouterr().err
    made = nbformat.read(str(target), as_version=4)
    assert made.metadata["l10_params"]["environment"] == publish.environment()
    assert "Python " in publish.environment() and "NumPy " in publish.environment()
    publish.execute_all([source], out)
    assert "executed" not in capsys.readouterr().err  # same environment: reused
    made.metadata["l10_params"]["environment"] = "Python 3.13.0 in /elsewhere/.venv; ..."
    nbformat.write(made, str(target))
    publish.execute_all([source], out)
    assert "executed 01-env.ipynb" in capsys.readouterr().err
    assert nbformat.read(str(target), as_version=4).metadata["l10_params"]["environment"] == \
        publish.environment()


@needs_kernel
def test_ctrl_c_while_publishing_says_one_line(tmp_path):
    """Ctrl-C at any moment of make slides: one line and exit 130, no traceback, and no
    executed copy half written."""
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "notebooks" / "publish.py"), "slides", "--build",
         str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(4)  # past the imports, into the first notebook's kernel
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    said = [line for line in err.strip().splitlines() if not line.startswith("executed ")]
    assert said == [
        "publish.py slides: stopped; the executed notebooks written so far are complete and "
        "kept, and the next run does the rest"], err
    for path in (tmp_path / "executed").glob("*.ipynb"):
        assert nbformat.read(str(path), as_version=4).metadata["l10_params"]  # whole copies


@needs_kernel
def test_ctrl_c_while_a_cell_runs_says_one_line(tmp_path):
    """Ctrl-C while the kernel runs a cell (the usual moment: a notebook takes seconds): the
    same one line, not asyncio's 'Task exception was never retrieved' of the cell's task."""
    import signal
    import time

    started = tmp_path / "cell-started"
    source = tmp_path / "01-slow.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import pathlib, time\npathlib.Path({str(started)!r}).touch()\ntime.sleep(120)")]),
        str(source))
    script = _publish_script(
        tmp_path, f"publish.notebook_paths = lambda: [publish.Path({str(source)!r})]\n"
        f"sys.exit(publish.main(['slides', '--build', {str(tmp_path / 'build')!r}]))\n")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started.exists(), proc.communicate(timeout=60)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert err.strip().splitlines() == [
        "publish.py slides: stopped; the executed notebooks written so far are complete and "
        "kept, and the next run does the rest"], err
    assert not list((tmp_path / "build" / "executed").glob("*.ipynb"))  # none half written
