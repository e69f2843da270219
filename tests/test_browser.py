"""What a room and a reader see, in headless Chromium at 1280x800.

Every slide of every deck is stepped through with reveal.js's own API, all its fragments shown,
and measured: it fits the screen, its code is at least 16 px, a text table is not wrapped, a
figure's smallest text is at least 14 px, headings are as written, and every code cell is on
a slide. The site's pages are read at 1280x800 and on a phone's 390 px; Jupyter Lab opens
notebook 01 as `make lab` starts it. Nothing is loaded from the network.

Chromium is driven over its DevTools pipe with the standard library only. These tests install
nothing: where Chromium is missing they skip and say how to install it (they fail instead
when $CI is true, where it must be installed). Set L10_PARAMS_CHROMIUM to use another
Chrome or Chromium, and L10_PARAMS_SCREENSHOTS=DIR to keep what the browser saw.
"""
from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from notebook_runs import PATHS, ROOT, kernel_available, publish
from test_publish import build_all

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = publish.SLIDE_WIDTH, publish.SLIDE_HEIGHT
MIN_ZOOM = 0.8          # a slide shrunk further is split instead (code would be under 16 px)
MIN_CODE_PX = 16
MIN_FIGURE_TEXT_PX = 14
INSTALL = ("headless Chromium is needed: on Debian/Ubuntu `sudo apt-get install chromium "
           "fonts-wqy-microhei` (elsewhere install Chrome or Chromium and set "
           "L10_PARAMS_CHROMIUM=/path/to/it)")


def chromium() -> str:
    """The browser to drive, or a skip (a failure on CI) that says how to install it."""
    named = os.environ.get("L10_PARAMS_CHROMIUM")
    found = named or next(filter(None, map(shutil.which, (
        "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"))), None)
    problem = None
    if not found or not shutil.which(found):
        problem = f"no Chromium found ({named or 'chromium'}); {INSTALL}"
    elif shutil.which("fc-list") and not subprocess.run(
            ["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip():
        problem = f"no Chinese font for the zh decks; {INSTALL}"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return shutil.which(found)


class Browser:
    """Headless Chromium over --remote-debugging-pipe: JSON messages ending in NUL on fds 3/4."""

    def __init__(self, exe: str):
        self.profile = tempfile.mkdtemp(prefix="l10-chromium-")
        to_browser, self._command = os.pipe()
        self._answers, from_browser = os.pipe()

        def pipes():   # in the child, before exec: our pipe ends become its fds 3 and 4
            os.dup2(to_browser, 100)
            os.dup2(from_browser, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)

        flags = ["--headless", "--remote-debugging-pipe", "--no-first-run",
                 "--no-default-browser-check", "--disable-gpu", "--hide-scrollbars",
                 "--force-device-scale-factor=1", f"--user-data-dir={self.profile}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--no-sandbox")   # Chromium refuses to run as root with its sandbox
        self.process = subprocess.Popen([exe, *flags, "about:blank"], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        pass_fds=(3, 4), preexec_fn=pipes)
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._id, self.events = b"", 0, []

    def send(self, method, session=None, timeout=60, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._command, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            answer = self.read(deadline)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def read(self, deadline):
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._answers], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed its pipe (it crashed or could not start)")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def page(self, width=WIDTH, height=HEIGHT) -> "Tab":
        return Tab(self, width, height)

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
            self.process.wait(15)
        except Exception:
            self.process.kill()
            self.process.wait()
        os.close(self._command)
        os.close(self._answers)
        shutil.rmtree(self.profile, ignore_errors=True)


class Tab:
    def __init__(self, browser: Browser, width: int, height: int):
        self.browser = browser
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = browser.send("Target.attachToTarget", targetId=target,
                                    flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self.send(f"{domain}.enable")
        self.resize(width, height)

    def send(self, method, timeout=60, **params):
        return self.browser.send(method, session=self.session, timeout=timeout, **params)

    def resize(self, width, height):
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)

    def open(self, url, timeout=120):
        """Load ``url``; returns the URLs it requested and the errors it threw."""
        self.browser.events.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while not self._seen("Page.loadEventFired"):
            self.browser.events.append(self.browser.read(deadline))

    def _seen(self, method):
        return any(e.get("method") == method and e.get("sessionId") == self.session
                   for e in self.browser.events)

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.browser.events
                if e.get("method") == "Network.requestWillBeSent"]

    def errors(self):
        return [e["params"]["exceptionDetails"].get("exception", {}).get("description", "")
                for e in self.browser.events if e.get("method") == "Runtime.exceptionThrown"]

    def js(self, expression, timeout=120):
        answer = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True, timeout=timeout * 1000)
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression[:80]}...: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def wait_for(self, expression, timeout=120, what=""):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.5)
        raise AssertionError(f"waited {timeout} s for {what or expression}")

    def screenshot(self, name, full=False):
        folder = os.environ.get("L10_PARAMS_SCREENSHOTS")
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        params = {"format": "png"}
        if full:
            height = self.js("document.documentElement.scrollHeight")
            width = self.js("window.innerWidth")
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        data = self.send("Page.captureScreenshot", **params)["data"]
        (Path(folder) / f"{name}.png").write_bytes(base64.b64decode(data))


def _not_local(urls):
    return [u for u in urls if not u.startswith(("file:", "data:", "blob:", "about:"))]


@pytest.fixture(scope="module")
def browser():
    b = Browser(chromium())
    yield b
    b.close()


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    if not kernel_available():
        pytest.skip("kernel 'l10-params' is not installed; run `make install`")
    return build_all(tmp_path_factory.getbasetemp())


# --- the decks -------------------------------------------------------------------------------

def _smallest_figure_text_pt() -> float:
    """The smallest text the notebooks' figures draw: matplotlib's 'small' (hist's legend) at
    the font size of the figure style the notebooks are executed with."""
    import matplotlib
    from matplotlib.font_manager import font_scalings

    style = matplotlib.rc_params_from_file(str(publish.FIGURE_STYLE), use_default_template=True)
    return style["font.size"] * font_scalings["small"]


def _png_dpi(data_uri: str) -> float:
    png = base64.b64decode(data_uri.split(",", 1)[1])
    at = png.find(b"pHYs")
    assert at > 0, "the figure's PNG carries no resolution (pHYs)"
    per_metre = struct.unpack(">I", png[at + 4:at + 8])[0]
    return per_metre * 0.0254


STEP_THROUGH = r"""(async () => {
  await new Promise(done => { const t = setInterval(() => {
    if (document.documentElement.dataset.l10Ready) { clearInterval(t); done(); } }, 50); });
  Reveal.configure({transition: 'none', backgroundTransition: 'none'});
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const slidesBox = document.querySelector('.reveal .slides');
  const seen = [];
  for (const slide of Reveal.getSlides()) {
    const at = Reveal.getIndices(slide);
    Reveal.slide(at.h, at.v, 9999);       // the slide with all its fragments shown
    await frame();
    const scale = Reveal.getScale(), box = slidesBox.getBoundingClientRect();
    let bottom = 0, right = 0;
    for (const el of slide.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (!r.width && !r.height) continue;
      bottom = Math.max(bottom, (r.bottom - box.top) / scale);
      right = Math.max(right, (r.right - box.left) / scale);
    }
    const zoom = parseFloat(slide.style.zoom || '1');
    const wrapped = [];
    for (const pre of slide.querySelectorAll('.jp-OutputArea-output pre')) {
      const lines = pre.textContent.split('\n');
      const rule = lines.find(l => /^-+( +-+)+ *$/.test(l));
      if (!rule) continue;                 // a text table has a rule of dashes under its header
      const probe = document.createElement('span');
      probe.style.whiteSpace = 'pre'; probe.style.position = 'absolute';
      probe.textContent = rule.trimEnd();
      pre.appendChild(probe);
      const cs = getComputedStyle(pre);
      const room = pre.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      if (probe.offsetWidth > room + 1) wrapped.push(lines[0].slice(0, 60));
      probe.remove();
    }
    const code = [...slide.querySelectorAll('.jp-InputArea-editor pre')].map(
      pre => parseFloat(getComputedStyle(pre).fontSize) * zoom);
    const headings = [...slide.querySelectorAll('h1, h2, h3')].filter(h =>
      getComputedStyle(h).textTransform !== 'none' ||
      h.innerText.trim() !== h.textContent.replace(/¶/g, '').trim()).map(h => h.innerText);
    const hidden = [...slide.querySelectorAll('.fragment:not(.visible)')].length;
    const figures = [...slide.querySelectorAll('.jp-OutputArea-output img')].map(img => ({
      src: img.src, natural: img.naturalWidth,
      shown: img.getBoundingClientRect().width / scale}));
    seen.push({h: at.h, v: at.v, zoom, bottom, right, wrapped, code, headings, hidden, figures,
               cells: slide.querySelectorAll('.jp-CodeCell').length,
               title: slide.innerText.trim().split('\n')[0].slice(0, 60)});
  }
  return {slides: seen, cells: document.querySelectorAll('.jp-CodeCell').length};
})()"""


DECKS = [(lang, path.stem) for lang in publish.LANGS for path in PATHS]


@pytest.mark.publish
@pytest.mark.notebook
@pytest.mark.parametrize("lang, stem", DECKS, ids=[f"{lang}-{stem}" for lang, stem in DECKS])
def test_every_slide_fits_the_screen_and_reads_from_the_back(browser, build, lang, stem):
    executed, decks, _ = build
    deck = next(d for d in decks[lang] if d.name == f"{stem}.slides.html")
    nb = nbformat.read(str(next(p for p in executed if p.stem == stem)), as_version=4)
    shown = sum(c.cell_type == "code" and publish.slide_type(c) != "skip" for c in nb.cells)
    tab = browser.page()
    tab.open(deck.as_uri())
    seen = tab.js(STEP_THROUGH)
    small_pt = _smallest_figure_text_pt()
    problems = []
    for s in seen["slides"]:
        where = f"{lang}/{deck.name} slide {s['h']}.{s['v']} ({s['title']!r})"
        if s["zoom"] < MIN_ZOOM:
            problems.append(f"{where}: shrunk to {s['zoom']:.2f} to fit; split it (a cell with "
                            "slide type subslide starts a new slide)")
        if s["bottom"] > HEIGHT + 1 or s["right"] > WIDTH + 1:
            problems.append(f"{where}: reaches {s['right']:.0f} x {s['bottom']:.0f} px, "
                            f"beyond {WIDTH} x {HEIGHT}")
        problems += [f"{where}: the text table {t!r} wraps; show it with display() (an HTML "
                     "table), not print()" for t in s["wrapped"]]
        problems += [f"{where}: code at {px:.1f} px, under {MIN_CODE_PX}" for px in s["code"]
                     if px < MIN_CODE_PX - 0.01]
        problems += [f"{where}: heading {h!r} not as written" for h in s["headings"]]
        if s["hidden"]:
            problems.append(f"{where}: {s['hidden']} fragment(s) never shown")
        for figure in s["figures"]:
            px = small_pt * _png_dpi(figure["src"]) / 72 * figure["shown"] / figure["natural"]
            if px < MIN_FIGURE_TEXT_PX:
                problems.append(f"{where}: a figure's smallest text is {px:.1f} px, under "
                                f"{MIN_FIGURE_TEXT_PX}: make the figure narrower (at most "
                                f"{WIDTH - 80} px)")
    on_slides = sum(s["cells"] for s in seen["slides"])
    if not on_slides == seen["cells"] == shown:
        problems.append(f"{lang}/{deck.name}: {on_slides} code cells on slides, "
                        f"{seen['cells']} in the deck, {shown} in the notebook")
    problems += [f"{deck.name} loads {u}" for u in _not_local(tab.requests())]
    problems += [f"{deck.name}: script error {e}" for e in tab.errors()]
    if os.environ.get("L10_PARAMS_SCREENSHOTS"):
        first_code = next((s for s in seen["slides"] if s["figures"]), None) or next(
            (s for s in seen["slides"] if s["v"] == 1 and s["cells"]), seen["slides"][-1])
        for s in (seen["slides"][0], first_code):
            tab.js(f"Reveal.slide({s['h']}, {s['v']}, 9999)")
            time.sleep(0.3)
            tab.screenshot(f"deck-{lang}-{stem}-{s['h']}.{s['v']}")
    assert not problems, "\n".join(problems)


# --- the site --------------------------------------------------------------------------------

READ_PAGE = r"""(() => {
  const main = document.querySelector('main') || document.body;
  const sizes = [...main.querySelectorAll('p, li')].filter(e => e.innerText.trim())
    .map(e => parseFloat(getComputedStyle(e).fontSize));
  const nav = document.querySelector('nav.l10-nav');
  return {lang: document.documentElement.lang, overflow: document.documentElement.scrollWidth - innerWidth,
          smallest: Math.min(...sizes), nav: nav ? nav.getBoundingClientRect().top : null,
          links: [...document.querySelectorAll('nav.l10-nav a')].map(a => a.innerText)};
})()"""


@pytest.mark.publish
@pytest.mark.notebook
def test_site_reads_in_each_language_on_a_screen_and_a_phone(browser, build):
    _, _, index = build
    site = index.parent
    pages = [index, site / "zh" / "index.html"] + [site / lang / f"{p.stem}.html"
                                                   for lang in publish.LANGS for p in PATHS]
    problems = []
    for width, height in ((WIDTH, HEIGHT), (390, 844)):
        tab = browser.page(width, height)
        for page in pages:
            lang = "zh" if "/zh/" in page.as_posix() else "en"
            tab.open(page.as_uri())
            seen = tab.js(READ_PAGE)
            where = f"{page.relative_to(site)} at {width} px"
            if seen["lang"] != lang:
                problems.append(f"{where}: lang={seen['lang']!r}")
            if seen["overflow"] > 0 and (width == WIDTH or page.name == "index.html"):
                problems.append(f"{where}: {seen['overflow']} px wider than the window")
            if seen["smallest"] < 15:
                problems.append(f"{where}: text at {seen['smallest']} px")
            if seen["nav"] is None or seen["nav"] > 10:
                problems.append(f"{where}: no navigation bar at the top")
            problems += [f"{where} loads {u}" for u in _not_local(tab.requests())]
            if width == WIDTH and page.stem in ("index", "02-initialize"):
                tab.screenshot(f"site-{lang}-{page.stem}", full=page.stem == "index")
    assert not problems, "\n".join(problems)


# --- Jupyter Lab -----------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_lab(target: str, tmp_path: Path):
    """Jupyter Lab as `make <target> PORT=...` starts it, run with this test's venv and a
    private configuration, runtime, settings and workspace folder; (process, url, token)."""
    venv = Path(sys.prefix).resolve()
    try:
        relative = venv.relative_to(ROOT.resolve())
    except ValueError:
        pytest.skip(f"Lab is tested from the project's own venv, not {venv}")
    port, token = _free_port(), "l10-params-test"
    dry = subprocess.run(["make", "-n", target, f"PORT={port}", f"VENV={relative}"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.splitlines()
    recipe = [line for line in dry
              if 'copytree("tools/jupyter"' in line or line.startswith("cd notebooks")]
    assert len(recipe) == 2, dry
    home = tmp_path / "jupyter"
    env = {**os.environ, "JUPYTER_TOKEN": token, "BROWSER": "true",
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "run"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    log = open(tmp_path / "lab.log", "w")
    process = subprocess.Popen(["bash", "-c", " && ".join(recipe) + " --ip=127.0.0.1"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "lab.log").read_text()[-2000:]
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5)
            return process, url, token
        except OSError:
            time.sleep(1)
    _stop(process)
    raise AssertionError("Lab did not start in 240 s: " + (tmp_path / "lab.log").read_text()[-2000:])


def _stop(process):
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


LAB_STATE = r"""(() => ({
  kernel: (document.querySelector('.jp-Notebook-ExecutionIndicator') || {}).dataset?.status || '',
  statusbar: (document.querySelector('#jp-main-statusbar') || document.body).innerText,
  dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText.slice(0, 200)),
  toasts: [...document.querySelectorAll('.Toastify__toast')].map(t => t.innerText.slice(0, 200)),
  dirty: [...document.querySelectorAll('.lm-TabBar-tab.jp-mod-dirty')].map(t => t.innerText),
  menus: [...document.querySelectorAll('.lm-MenuBar-itemLabel')].map(m => m.innerText),
  files: [...document.querySelectorAll('.jp-DirListing-itemName')].map(f => f.innerText.trim()),
}))()"""


@pytest.mark.skipif(not kernel_available(), reason="kernel 'l10-params' is not installed; "
                    "run `make install`")
def test_lab_opens_notebook_01_with_its_kernel_and_no_pop_up(browser, tmp_path):
    process, url, token = _start_lab("lab", tmp_path)
    try:
        tab = browser.page()
        tab.open(f"{url}/lab/tree/01-access.ipynb?reset&token={token}", timeout=240)
        tab.wait_for("document.querySelector('.jp-Notebook-ExecutionIndicator')"
                     "?.dataset.status === 'idle'", timeout=240, what="the kernel to be idle")
        time.sleep(8)   # the news question and a modified mark would come by now
        state = tab.js(LAB_STATE)
        tab.screenshot("lab-01-access")
        sessions = json.load(urllib.request.urlopen(f"{url}/api/sessions?token={token}"))
    finally:
        _stop(process)
    assert "Python (l10_params) | Idle" in state["statusbar"], state["statusbar"]
    assert [s["kernel"]["name"] for s in sessions] == ["l10-params"], sessions
    assert not state["dialogs"], state["dialogs"]
    assert not state["toasts"], f"a pop-up: {state['toasts']}"
    assert not state["dirty"], f"marked modified as soon as it opened: {state['dirty']}"
    assert "Nbgrader" not in state["menus"], state["menus"]
    assert "01-access.ipynb" in state["files"], state["files"]
    assert not {"templates", "publish.py", "homework"} & set(state["files"]), state["files"]
    assert not [e for e in tab.errors() if "Error" in e], tab.errors()
    assert not _not_local(u for u in tab.requests() if not u.startswith(url)), \
        "Lab fetched something from the network"


def test_lab_instructor_shows_nbgrader(tmp_path):
    """`make lab-instructor` serves the homework course with nbgrader's instructor plugins."""
    process, url, token = _start_lab("lab-instructor", tmp_path)
    try:
        page = urllib.request.urlopen(f"{url}/lab?token={token}").read().decode()
        files = json.load(urllib.request.urlopen(f"{url}/api/contents?token={token}"))
    finally:
        _stop(process)
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S)[1])
    assert not [x for x in config["disabledExtensions"] if x.startswith("@jupyter/nbgrader")]
    assert "nbgrader_config.py" in {f["name"] for f in files["content"]}, "the course's folder"
