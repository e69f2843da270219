"""Present and publish the notebooks: reveal.js decks per language and a static site.

Every ``notebooks/NN-topic.ipynb`` is executed once with the project's kernel
(``l10-params``) into ``build/executed/``; the decks and the site are made from those copies
with nbconvert, so what a slide or a page shows is what ran.

    python notebooks/publish.py slides --lang en   # build/slides/en/NN-topic.slides.html
    python notebooks/publish.py slides --lang zh   # build/slides/zh/...: the Chinese cells only
    python notebooks/publish.py site               # build/site/index.html and NN-topic.html

A deck keeps the cells tagged ``lang-<lang>`` (and the untagged code cells) and drops the
other language's with nbconvert's ``TagRemovePreprocessor``. It needs no network: reveal.js
comes from the ``sphinx-revealjs`` package (the ``notebooks`` extra) and is copied next to the
decks as ``build/slides/reveal.js/``. An executed copy is reused while it is newer than its
notebook and the library; ``--force`` executes again.
"""
from __future__ import annotations

import argparse
import copy
import html
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Iterable, List, Optional, Sequence

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent
ROOT = NOTEBOOKS.parent
BUILD = ROOT / "build"
TEMPLATES = NOTEBOOKS / "templates"
KERNEL = "l10-params"
LANGS = ("en", "zh")
REVEAL_DIR = "reveal.js"  # next to the language folders: build/slides/reveal.js/


def notebook_paths(folder: Path = NOTEBOOKS) -> List[Path]:
    """Every ``NN-topic.ipynb`` in ``folder`` (not ``homework/``, an nbgrader course)."""
    return sorted(p for p in folder.glob("*.ipynb") if re.match(r"\d\d-", p.name))


def execute(nb, *, runs: int = 1, kernel_name: str = KERNEL, cwd: Path = NOTEBOOKS,
            timeout: int = 600) -> list:
    """Run every code cell of ``nb`` top to bottom ``runs`` times in ONE kernel.

    Returns a copy of the notebook after each run (the tests compare two runs; publishing
    uses one). A cell that raises stops everything with nbclient's ``CellExecutionError``.
    """
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=timeout,
                            resources={"metadata": {"path": str(cwd)}})
    copies = []
    with client.setup_kernel():
        for _ in range(runs):
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, i)
            copies.append(copy.deepcopy(nb))
    return copies


def _library_mtime() -> float:
    return max((p.stat().st_mtime for p in (ROOT / "l10_params").rglob("*.py")), default=0.0)


def execute_all(paths: Iterable[Path], out: Path = BUILD / "executed", *,
                force: bool = False) -> List[Path]:
    """Execute each notebook once into ``out``; an up-to-date copy is reused unless ``force``."""
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for path in paths:
        target = out / path.name
        fresh = (target.exists() and target.stat().st_mtime > path.stat().st_mtime
                 and target.stat().st_mtime > _library_mtime())
        if force or not fresh:
            start = time.perf_counter()
            nb = nbformat.read(str(path), as_version=4)
            nbformat.write(execute(nb)[0], str(target))
            print(f"executed {path.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        done.append(target)
    return done


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
    from nbconvert.exporters import SlidesExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    copy_reveal(out / REVEAL_DIR)
    other = {f"lang-{x}" for x in LANGS if x != lang}
    exporter = SlidesExporter(template_name="l10_reveal", extra_template_basedirs=[str(TEMPLATES)],
                              reveal_url_prefix=f"../{REVEAL_DIR}", reveal_width="1280",
                              reveal_height="800", reveal_theme="white", language_code=lang,
                              exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=other), enabled=True)
    (out / lang).mkdir(parents=True, exist_ok=True)
    decks = []
    for path in executed:
        body, _ = exporter.from_filename(str(path))
        deck = out / lang / f"{path.stem}.slides.html"
        deck.write_text(body, encoding="utf-8")
        decks.append(deck)
    return decks


def _title(nb, lang: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and f"lang-{lang}" in cell.metadata.get("tags", []):
            m = re.match(r"#\s+(.+)", cell.source)
            if m:
                return m.group(1).strip()
    return ""


def site(executed: Sequence[Path], out: Path) -> Path:
    """The executed notebooks as HTML pages (both languages) and ``index.html`` listing them."""
    from nbconvert.exporters import HTMLExporter

    exporter = HTMLExporter(template_name="l10_site", extra_template_basedirs=[str(TEMPLATES)])
    out.mkdir(parents=True, exist_ok=True)
    items = []
    for path in executed:
        nb = nbformat.read(str(path), as_version=4)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")
        en, zh = _title(nb, "en") or path.stem, _title(nb, "zh")
        zh = re.sub(r"^\d+\s*·\s*", "", zh)
        line = html.escape(en) + (f" · {html.escape(zh)}" if zh else "")
        items.append(f'  <li><a href="{path.stem}.html">{line}</a></li>')
    index = out / "index.html"
    index.write_text(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\n"
        "<title>Managing Parameters · 管理参数</title></head>\n<body>\n"
        "<h1>Managing Parameters · 管理参数</h1>\n"
        "<p>The lecture's notebooks, executed (English, then 中文).</p>\n<ul>\n"
        + "\n".join(items) + "\n</ul>\n</body>\n</html>\n", encoding="utf-8")
    return index


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="publish.py", description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["slides", "site"])
    parser.add_argument("--lang", choices=LANGS, default="en", help="the decks' language")
    parser.add_argument("--force", action="store_true", help="execute every notebook again")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    executed = execute_all(notebook_paths(), force=args.force)
    if args.what == "slides":
        made = slides(executed, BUILD / "slides", args.lang)
    else:
        made = [site(executed, BUILD / "site")]
    for path in made:
        print(path.relative_to(ROOT))
    print(f"{args.what}: {len(made)} file(s) in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
