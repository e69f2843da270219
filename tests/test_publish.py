"""notebooks/publish.py: the reveal.js decks per language and the static site.

The decks and pages are built from the first run of each notebook that test_notebooks.py
already made (tests/notebook_runs.py), so publishing executes nothing again.
"""
import html.parser
import re

import nbformat
import pytest
from notebook_runs import PATHS, kernel_available, publish, read, runs_twice

pytestmark = [pytest.mark.notebook,
              pytest.mark.skipif(not kernel_available(), reason="kernel 'l10-params' is not "
                                 "installed; run `make install`")]

CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    out = tmp_path_factory.mktemp("executed")
    paths = []
    for path in PATHS:
        nbformat.write(runs_twice(path.name)[0], str(out / path.name))
        paths.append(out / path.name)
    return paths


@pytest.fixture(scope="module")
def build(tmp_path_factory, executed):
    out = tmp_path_factory.mktemp("build")
    decks = {lang: publish.slides(executed, out / "slides", lang) for lang in publish.LANGS}
    index = publish.site(executed, out / "site")
    return out, decks, index


class _Deck(html.parser.HTMLParser):
    """Top-level slides, and the text of each block of rendered markdown (code left out)."""

    BLOCKS = {"p", "h1", "h2", "h3", "li"}

    def __init__(self):
        super().__init__()
        self.depth = 0          # <section> nesting
        self.slides = 0         # top-level <section>s
        self.divs = []          # for each open <div>: is it rendered markdown?
        self.code = 0
        self.blocks = []        # text of each markdown block
        self.current = None
        self.scripts = []       # src/href of scripts and style sheets

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.depth += 1
            self.slides += self.depth == 1
        elif tag == "div":
            self.divs.append("jp-RenderedMarkdown" in (a.get("class") or ""))
        elif tag == "code":
            self.code += 1
        elif tag in self.BLOCKS and any(self.divs):
            self.current = []
        elif tag in ("script", "link") and (a.get("src") or a.get("href")):
            self.scripts.append(a.get("src") or a.get("href"))

    def handle_endtag(self, tag):
        if tag == "section":
            self.depth -= 1
        elif tag == "div" and self.divs:
            self.divs.pop()
        elif tag == "code":
            self.code -= 1
        elif tag in self.BLOCKS and self.current is not None:
            self.blocks.append("".join(self.current).strip())
            self.current = None

    def handle_data(self, data):
        if self.current is not None and not self.code:
            self.current.append(data)


def _parse(path):
    deck = _Deck()
    deck.feed(path.read_text(encoding="utf-8"))
    return deck


def _steps(path, lang):
    """The lecture steps of a notebook: its title and its '## N.' headings in ``lang``."""
    return [c.source.splitlines()[0] for c in read(path).cells
            if c.cell_type == "markdown" and f"lang-{lang}" in c.metadata.get("tags", [])
            and re.match(r"#{1,2} ", c.source)]


def test_every_numbered_notebook_is_published():
    names = [p.name for p in publish.notebook_paths()]
    assert names == [p.name for p in PATHS] and names[0] == "01-access.ipynb"
    assert all(re.match(r"\d\d-.+\.ipynb$", n) for n in names), names


def test_bad_language_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"lang must be one of \('en', 'zh'\), not 'fr'"):
        publish.slides([], tmp_path, "fr")
    with pytest.raises(SystemExit) as e:
        publish.main(["slides", "--lang", "fr"])
    assert e.value.code == 2


@pytest.mark.parametrize("lang", publish.LANGS)
def test_decks_show_every_step_offline(build, lang):
    out, decks, _ = build
    assert [d.name for d in decks[lang]] == [f"{p.stem}.slides.html" for p in PATHS]
    for path, deck in zip(PATHS, decks[lang]):
        parsed = _parse(deck)
        steps = _steps(path, lang)
        assert parsed.slides >= len(steps) >= 2, (deck.name, parsed.slides, steps)
        text = deck.read_text(encoding="utf-8")
        for heading in steps:   # every step's heading, in this language, is on a slide
            assert re.sub(r"^#+\s*", "", heading).split("`")[0].strip() in text, heading
        assert parsed.scripts, "the deck loads reveal.js"
        for ref in parsed.scripts:
            assert not re.match(r"(https?:)?//", ref), f"{deck.name} loads {ref} from the network"
            assert (deck.parent / ref).resolve().is_file(), f"{deck.name}: {ref} is missing"


@pytest.mark.parametrize("lang", publish.LANGS)
def test_decks_speak_one_language(build, lang):
    """The zh deck has no English-only prose, the en deck no Chinese."""
    _, decks, _ = build
    for deck in decks[lang]:
        blocks = [b for b in _parse(deck).blocks if re.search(r"[A-Za-z]{3}|" + CJK.pattern, b)]
        assert blocks, f"{deck.name}: no prose found"
        for block in blocks:
            if lang == "zh":
                assert CJK.search(block), f"{deck.name}: English-only prose {block[:60]!r}"
            else:
                assert not CJK.search(block), f"{deck.name}: Chinese prose {block[:60]!r}"


def test_site_pages_linked_and_without_errors(build, executed):
    out, _, index = build
    site = index.parent
    links = re.findall(r'href="([^"]+)"', index.read_text(encoding="utf-8"))
    pages = sorted(p.name for p in site.glob("*.html") if p.name != "index.html")
    assert sorted(links) == pages == sorted(f"{p.stem}.html" for p in PATHS)
    for line in re.findall(r"<li>.*</li>", index.read_text(encoding="utf-8")):
        assert CJK.search(line) and re.search("[A-Za-z]", line), f"one line, both languages: {line}"
    for nb_path in executed:
        nb = read(nb_path)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]
        assert not errors, f"{nb_path.name}: {errors[0].ename}: {errors[0].evalue}"
        page = (site / f"{nb_path.stem}.html").read_text(encoding="utf-8")
        assert "Traceback (most recent call last)" not in page, nb_path.name
        assert "lang-en" in page and "lang-zh" in page or CJK.search(page), nb_path.name
    first = (site / "01-access.html").read_text(encoding="utf-8")
    assert '<table class="l10-params">' in first and 'text-align:right' in first
    assert "data:image/png" in (site / "02-initialize.html").read_text(encoding="utf-8")
