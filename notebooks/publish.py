"""Present and publish the notebooks: reveal.js decks per language and a static site.

Every ``notebooks/NN-topic.ipynb`` is executed once with the project's kernel
(``l10-params``) into ``build/executed/``; the decks and the site are made from those copies
with nbconvert, so what a slide or a page shows is what ran.

    python notebooks/publish.py slides --lang en   # build/slides/en/NN-topic.slides.html
    python notebooks/publish.py slides --lang zh   # build/slides/zh/...: the Chinese cells only
    python notebooks/publish.py site               # build/site/{en,zh}/: pages, decks, index

A deck or a page speaks one language: it is made from a copy of the notebook that keeps the
cells tagged ``lang-<lang>`` and the code cells and leaves out the other language's cells and
the test-only cells (slide type ``skip``) BEFORE nbconvert computes where the slides begin and
end, so both languages get the same slides and every code cell sits in one. Nothing is loaded
from the network: reveal.js comes from the ``sphinx-revealjs`` package (the ``notebooks``
extra) and is copied next to the decks as ``reveal.js/``; figures are embedded PNGs. An
executed copy is reused while it is newer than its notebook, the library and the figure style;
``--force`` executes again.
"""
from __future__ import annotations

import argparse
import copy
import html
import json
import logging
import os
import platform
import re
import shutil
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

# nbformat, nbclient and nbconvert are imported where they are used: a Ctrl-C while they load
# is then answered by main() in one line, like any other moment

NOTEBOOKS = Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent
BUILD = ROOT / "build"
TEMPLATES = NOTEBOOKS / "templates"
# matplotlib's settings for every figure a deck or a page shows (text readable on a slide)
FIGURE_STYLE = TEMPLATES / "matplotlibrc"
KERNEL = "l10-params"
LANGS = ("en", "zh")
LANG_NAMES = {"en": "English", "zh": "中文"}
REVEAL_DIR = "reveal.js"  # next to the language folders: build/slides/reveal.js/
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 800


def notebook_paths(folder: Path = NOTEBOOKS) -> List[Path]:
    """Every ``NN-topic.ipynb`` in ``folder`` (not ``homework/``, an nbgrader course)."""
    return sorted(p for p in folder.glob("*.ipynb") if re.match(r"\d\d-", p.name))


def execute(nb, *, runs: int = 1, kernel_name: str = KERNEL, cwd: Path = NOTEBOOKS,
            timeout: int = 600) -> list:
    """Run every code cell of ``nb`` top to bottom ``runs`` times in ONE kernel.

    Returns a copy of the notebook after each run (the tests compare two runs; publishing
    uses one). A cell that raises stops everything with nbclient's ``CellExecutionError``.
    The kernel draws figures with ``templates/matplotlibrc`` (``$MATPLOTLIBRC``).
    """
    # The kernel listens on localhost only; ipykernel's "running over TCP without encryption"
    # warning (one per notebook) would read as a problem, and a cell's error reaches the caller
    # as CellExecutionError, not through the kernel's log. A kernel shut down while busy (after
    # Ctrl-C) logs errors about its closed sockets that mean nothing here: it logs only what is
    # critical, as the grading kernels do.
    from nbclient import NotebookClient

    client = NotebookClient(nb, kernel_name=kernel_name, timeout=timeout,
                            resources={"metadata": {"path": str(cwd)}},
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    env = {**os.environ, "MATPLOTLIBRC": str(FIGURE_STYLE)}
    copies = []
    with client.setup_kernel(env=env):
        for _ in range(runs):
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, i)
            copies.append(copy.deepcopy(nb))
    return copies


def _inputs_mtime() -> float:
    """The newest of the library's modules and the figure style: what every run depends on."""
    files = [*(ROOT / "l10_params").rglob("*.py"), FIGURE_STYLE]
    return max((p.stat().st_mtime for p in files if p.exists()), default=0.0)


def environment() -> str:
    """What the kernel runs on: this Python and its prefix (the venv), NumPy, and the MXNet
    build that ``make install`` recorded in the venv. An executed copy made elsewhere is stale:
    a deck must not show another venv's paths and versions."""
    from importlib import metadata

    try:
        numpy = metadata.version("numpy")
    except metadata.PackageNotFoundError:
        numpy = "none"
    try:
        record = json.loads((Path(sys.prefix) / "l10_params-venv.json").read_text())
        build = f"{record['mxnet']} {record['versions'].get('mxnet')}"
    except (OSError, ValueError, KeyError, AttributeError):
        build = "not recorded"
    return f"Python {platform.python_version()} in {sys.prefix}; NumPy {numpy}; MXNet {build}"


def _made_in(target: Path) -> Optional[str]:
    try:
        return json.loads(target.read_text(encoding="utf-8"))["metadata"]["l10_params"][
            "environment"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def execute_all(paths: Iterable[Path], out: Path = BUILD / "executed", *,
                force: bool = False) -> List[Path]:
    """Execute each notebook once into ``out``; an up-to-date copy is reused unless ``force``
    (newer than its notebook, the library and the figure style, and made in this
    :func:`environment`, which each copy records in its metadata)."""
    import nbformat

    out.mkdir(parents=True, exist_ok=True)
    here = environment()
    done = []
    for path in paths:
        target = out / path.name
        fresh = (target.exists() and target.stat().st_mtime > path.stat().st_mtime
                 and target.stat().st_mtime > _inputs_mtime() and _made_in(target) == here)
        if force or not fresh:
            start = time.perf_counter()
            nb = nbformat.read(str(path), as_version=4)
            ran = execute(nb)[0]
            ran.metadata["l10_params"] = {"environment": here}
            nbformat.write(ran, str(target))
            print(f"executed {path.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        done.append(target)
    return done


def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def one_language(nb, lang: str):
    """A copy of ``nb`` as a deck or a page in ``lang`` shows it.

    Left out: markdown tagged with another language, and the cells only a test needs (slide
    type ``skip``: the asserts, the imports, the hosted-install cell). The copy's ``title``
    is the notebook's ``# `` heading in ``lang``.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    others = {f"lang-{x}" for x in LANGS if x != lang}
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if slide_type(c) != "skip"
                and not others & set(c.metadata.get("tags", []))]
    nb.metadata["title"] = title(nb, lang)
    return nb


def title(nb, lang: str) -> str:
    """The first ``# `` heading of the markdown tagged ``lang-<lang>`` ('' if none)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and f"lang-{lang}" in cell.metadata.get("tags", []):
            m = re.match(r"#\s+(.+)", cell.source)
            if m:
                return m.group(1).strip()
    return ""


def _reveal_source() -> Path:
    try:
        import sphinx_revealjs
    except ImportError:
        raise RuntimeError("the decks need reveal.js from the sphinx-revealjs package: "
                           "pip install -e '.[notebooks]' (make install does)") from None
    return Path(sphinx_revealjs.__file__).parent / "_static" / "revealjs"


def copy_reveal(dest: Path) -> Path:
    """Copy reveal.js's ``dist/``, its notes plugin and licence to ``dest`` (once)."""
    src = _reveal_source()
    for part in ("dist", "plugin/notes"):
        if not (dest / part).exists():
            shutil.copytree(src / part, dest / part)
    shutil.copy2(src / "LICENSE", dest / "LICENSE")
    return dest


def slides(executed: Sequence[Path], out: Path, lang: str) -> List[Path]:
    """One reveal.js deck per executed notebook in ``out/<lang>/NN-topic.slides.html``."""
    import nbformat
    from nbconvert.exporters import SlidesExporter

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    copy_reveal(out / REVEAL_DIR)
    exporter = SlidesExporter(template_name="l10_reveal", extra_template_basedirs=[str(TEMPLATES)],
                              reveal_url_prefix=f"../{REVEAL_DIR}", reveal_width=str(SLIDE_WIDTH),
                              reveal_height=str(SLIDE_HEIGHT), reveal_theme="white",
                              language_code=lang, exclude_input_prompt=True,
                              exclude_output_prompt=True)
    (out / lang).mkdir(parents=True, exist_ok=True)
    decks = []
    for path in executed:
        nb = one_language(nbformat.read(str(path), as_version=4), lang)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        deck = out / lang / f"{path.stem}.slides.html"
        deck.write_text(body, encoding="utf-8")
        decks.append(deck)
    return decks


_SENTENCE_END = {"en": r"(?<=[.!?])\s+(?=[A-Z`*(\"'])", "zh": r"(?<=[。！？])"}


def _sentences(markdown: str, lang: str) -> List[str]:
    """The sentences of the first paragraph after the ``# `` heading."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", markdown) if p.strip()]
    body = next((p for p in paragraphs if not p.startswith("#")), "")
    body = " ".join(body.split()) if lang == "en" else body.replace("\n", "")
    return [s.strip() for s in re.split(_SENTENCE_END[lang], body) if s.strip()]


def descriptions(notebooks: Sequence, lang: str) -> List[str]:
    """One line per notebook, in markdown: the first sentence of its introduction that is its
    own (a sentence that other notebooks share, such as the lecture's name, is left out), and the
    next one too when the first is short."""
    intros = []
    for nb in notebooks:
        cell = next((c for c in nb.cells if c.cell_type == "markdown"
                     and f"lang-{lang}" in c.metadata.get("tags", [])), None)
        intros.append(_sentences(cell.source if cell else "", lang))
    seen = Counter(s for sentences in intros for s in set(sentences))
    shared = {s for s, n in seen.items() if n > 1}
    lines = []
    for sentences in intros:
        own = [s for s in sentences if s not in shared]
        line = own[0] if own else ""
        if len(own) > 1 and _width(line) < 40:
            line += ("" if lang == "zh" else " ") + own[1]
        lines.append(line)
    return lines


def _width(text: str) -> int:
    """Columns on a screen: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _markdown_inline(text: str) -> str:
    """A line of markdown as HTML without the paragraph around it."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return re.sub(r"^<p>|</p>\s*$", "", markdown2html_mistune(text).strip())


def _site_css() -> str:
    return (TEMPLATES / "l10_site" / "site.css").read_text(encoding="utf-8")


def _nav(lang: str, links: Dict[str, Optional[str]], *, bottom: bool = False) -> str:
    """The bar at the top (and bottom) of every page: index, previous, next, deck, language."""
    words = {"en": {"index": "All notebooks", "prev": "← Previous", "next": "Next →",
                    "deck": "Slides"},
             "zh": {"index": "全部笔记本", "prev": "← 上一篇", "next": "下一篇 →",
                    "deck": "幻灯片"}}
    parts = []
    for key in ("index", "prev", "next", "deck"):
        href = links.get(key)
        if href:
            rel = {"prev": ' rel="prev"', "next": ' rel="next"'}.get(key, "")
            parts.append(f'<a class="l10-{key}" href="{href}"{rel}>{words[lang][key]}</a>')
    other = links["other"]
    other_lang = next(x for x in LANGS if x != lang)
    parts.append(f'<a class="l10-lang" href="{other}" hreflang="{other_lang}" '
                 f'lang="{other_lang}">{LANG_NAMES[other_lang]}</a>')
    label = {"en": "Pages", "zh": "页面"}[lang]
    cls = "l10-nav l10-bottom" if bottom else "l10-nav"
    return f'<nav class="{cls}" aria-label="{label}">' + " ".join(parts) + "</nav>"


SITE_TEXT = {
    "en": {"title": "Managing Parameters", "lead": "Lecture 10, part 3 of <em>Dive into Deep "
           "Learning</em> (Berkeley STAT 157), on MXNet Gluon: the lecture's notebooks, executed. "
           "Each page has its slides."},
    "zh": {"title": "管理参数", "lead": "《动手学深度学习》（伯克利 STAT 157）第 10 讲第 3 部分，"
           "基于 MXNet Gluon：课上的笔记本及其运行结果。每一页都有对应的幻灯片。"},
}


def _index_page(lang: str, entries: List[dict], prefix: str, other: str) -> str:
    text = SITE_TEXT[lang]
    deck_word = {"en": "Slides", "zh": "幻灯片"}[lang]
    items = []
    for e in entries:
        items.append(
            f'<li><a class="l10-page" href="{prefix}{e["page"]}">{html.escape(e["title"])}</a>'
            f'<p>{e["description"]}</p>'
            f'<p><a class="l10-deck" href="{prefix}{e["deck"]}">{deck_word}</a></p></li>')
    nav = _nav(lang, {"other": other})
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            f'<title>{text["title"]}</title>\n<style>\n{_site_css()}</style>\n</head>\n'
            f'<body class="l10-index">\n{nav}\n<main>\n<h1>{text["title"]}</h1>\n'
            f'<p class="l10-lead">{text["lead"]}</p>\n<ol>\n' + "\n".join(items)
            + "\n</ol>\n</main>\n</body>\n</html>\n")


def site(executed: Sequence[Path], out: Path) -> Path:
    """The executed notebooks as a static site in ``out``, one language per page.

    ``out/<lang>/NN-topic.html`` (a page), ``out/<lang>/NN-topic.slides.html`` (its deck),
    ``out/<lang>/index.html`` (titles and one-line descriptions) for each language, and
    ``out/index.html``, the English index. Every page links to the index, the previous and the
    next notebook, its deck and the same page in the other language. Returns ``out/index.html``.
    """
    import nbformat
    from nbconvert.exporters import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    notebooks = [nbformat.read(str(p), as_version=4) for p in executed]
    stems = [p.stem for p in executed]
    for lang in LANGS:
        other = next(x for x in LANGS if x != lang)
        slides(executed, out, lang)   # the decks next to the pages: out/<lang>/, out/reveal.js/
        exporter = HTMLExporter(template_name="l10_site", extra_template_basedirs=[str(TEMPLATES)],
                                language_code=lang, exclude_input_prompt=True,
                                exclude_output_prompt=True)
        entries = []
        for i, (stem, nb) in enumerate(zip(stems, notebooks)):
            links = {"index": "index.html", "deck": f"{stem}.slides.html",
                     "prev": f"{stems[i - 1]}.html" if i > 0 else None,
                     "next": f"{stems[i + 1]}.html" if i + 1 < len(stems) else None,
                     "other": f"../{other}/{stem}.html"}
            resources = {"metadata": {"name": stem},
                         "l10": {"top": _nav(lang, links),
                                 "bottom": _nav(lang, links, bottom=True), "css": _site_css()}}
            page, _ = exporter.from_notebook_node(one_language(nb, lang), resources=resources)
            (out / lang / f"{stem}.html").write_text(page, encoding="utf-8")
            entries.append({"page": f"{stem}.html", "deck": f"{stem}.slides.html",
                            "title": title(nb, lang) or stem})
        for entry, line in zip(entries, descriptions(notebooks, lang)):
            entry["description"] = _markdown_inline(line) if line else ""
        (out / lang / "index.html").write_text(
            _index_page(lang, entries, "", f"../{other}/index.html"), encoding="utf-8")
        if lang == "en":
            (out / "index.html").write_text(
                _index_page(lang, entries, "en/", f"{other}/index.html"), encoding="utf-8")
    return out / "index.html"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="publish.py", description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["slides", "site"])
    parser.add_argument("--lang", choices=LANGS, default="en", help="the decks' language")
    parser.add_argument("--force", action="store_true", help="execute every notebook again")
    parser.add_argument("--build", type=Path, default=BUILD, metavar="DIR",
                        help="where executed/, slides/ and site/ go (default: build/)")
    args = parser.parse_args(argv)
    try:
        return _publish(args)
    except KeyboardInterrupt:
        # The cell's task that Ctrl-C left behind may finish during the kernel's shutdown
        # with nbclient's DeadKernelError; asyncio would log it as "Task exception was never
        # retrieved" (a traceback) when the task is freed, after this line. It means nothing.
        logging.getLogger("asyncio").disabled = True
        print(f"publish.py {args.what}: stopped; the executed notebooks written so far are "
              "complete and kept, and the next run does the rest", file=sys.stderr)
        return 130


def _publish(args) -> int:
    start, began = time.perf_counter(), time.time()
    executed = execute_all(notebook_paths(), args.build / "executed", force=args.force)
    where = args.build / ("slides" if args.what == "slides" else "site")
    if args.what == "slides":
        made = slides(executed, where, args.lang)
        written = made
    else:
        made = [site(executed, where)]  # its index: open it
        written = [p for p in where.rglob("*.html") if p.stat().st_mtime >= began - 1]
    for path in made:
        print(_shown(path))
    print(f"{args.what}: {len(written)} HTML file(s) written in {_shown(where)}/ in "
          f"{time.perf_counter() - start:.1f} s", file=sys.stderr)
    # the other language's decks are not stale: make slides writes one language per run
    stale = stale_pages(where / args.lang if args.what == "slides" else where, written)
    if stale:
        print(f"{args.what}: left as they were, not written by this run: "
              f"{', '.join(p.relative_to(where).as_posix() for p in stale)} (remove them "
              "before you publish the folder)", file=sys.stderr)
    return 0


def _shown(path: Path) -> str:
    """``path`` relative to the repository when inside it (build/slides/en/...)."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def stale_pages(where: Path, written: Sequence[Path]) -> List[Path]:
    """HTML files in ``where`` that this run did not write, outside the copied reveal.js (a
    page of a renamed notebook, a file someone put there): reported, never removed."""
    keep = {p.resolve() for p in written}
    return sorted(p for p in where.rglob("*.html")
                  if REVEAL_DIR not in p.relative_to(where).parts and p.resolve() not in keep)


if __name__ == "__main__":
    sys.exit(main())
