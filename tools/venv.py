"""Build or update one virtual environment of this project: a Python, a NumPy line, an MXNet build.

Every venv the Makefile needs is made by this script (docs/install.md explains the choices):

    python3 tools/venv.py .venv                                   # what .venv has, else defaults
    python3 tools/venv.py .venv --python python3.12 --numpy 2     # change the NumPy line
    python3 tools/venv.py .venv --mxnet mxnet-cu117               # swap the MXNet build
    python3 tools/venv.py .venv-np2 --python "python3.13" --numpy 2

An empty option means "what this venv already has, else the default": the venv remembers its
Python, its NumPy line and its MXNet build, and a later plain `make test` keeps them. The choice
is written to VENV/l10_params-venv.json (the stamp) only once `import mxnet` works, so the stamp
always tells what is installed; when nothing asked for differs from it, the script only checks
that its files are still there and prints one line.

What it does, in order: picks the interpreter (refusing one outside 3.8 to 3.14 with one line),
creates the venv, installs the MXNet build *without its dependencies* (mxnet 1.9.1 pins
numpy<2.0.0, which would undo the NumPy 2 line), then the project (editable, with its extras),
the NumPy line and MXNet's other requirements in one resolver call, copies the shim's .pth and
tools/jupyter/ into the venv and registers the Jupyter kernel. The installer is uv when it is on
PATH or can be installed into the venv from PyPI (much faster, its cache is shared by every
venv), else pip. A build swap downloads the new build first, moves the old one aside, and puts
it back if the new one does not install or import: a failed swap leaves the venv as it was.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
STAMP = "l10_params-venv.json"
KERNEL = ("l10-params", "Python (l10_params)")
MXNET_VERSION = "1.9.1"
OLDEST, NEWEST, NEWEST_TRIED = (3, 8), (3, 14), (3, 13)

# NumPy line -> (requirement, oldest and newest Python with wheels of that line). The default
# line of each Python is default_numpy(); docs/install.md has the same table with the reasons.
NUMPY_LINES = {
    "1.23": ("numpy<1.24", (3, 8), (3, 11)),
    "1.26": ("numpy>=1.26,<1.27", (3, 9), (3, 12)),
    "2": ("numpy>=2,<3", (3, 9), NEWEST),
}

# `make install` with no PYTHON: the first of these that runs and is 3.8 to 3.14. A bare version
# such as 3.12 means python3.12 on PATH, else pyenv's 3.12.x.
DEFAULT_PYTHONS = "3.11 3.12 3.13 3.10 3.9 3.8 python3"

# Inputs of an install: when one changes, the next run installs again.
INPUTS = ["pyproject.toml", "setup.py", "l10_params_numpy_shim.pth", "tools/venv.py"]
INPUT_TREES = ["tools/jupyter"]


class Refused(Exception):
    """A request this script cannot carry out; the message is one line for the person."""


def say(message):
    print(message, flush=True)


def version_text(version):
    return ".".join(str(part) for part in version)


# ── the interpreter ────────────────────────────────────────────────────────────────────────

def probe(command):
    """(real path, (major, minor, micro)) of an interpreter that runs, else None."""
    try:
        out = subprocess.run(
            [command, "-c", "import sys; print(sys.executable); print(*sys.version_info[:3])"],
            capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = out.stdout.split("\n")
    if out.returncode != 0 or len(lines) < 2:
        return None  # e.g. a pyenv shim of a version that is not selected
    return lines[0], tuple(int(x) for x in lines[1].split())


def expand(candidates):
    """Commands to try for a --python value: '3.12' and 'python3.12' stand for python3.12 on
    PATH, then pyenv's 3.12.x (whose shim refuses a version that pyenv has not selected)."""
    pyenv = pathlib.Path(os.environ.get("PYENV_ROOT", pathlib.Path.home() / ".pyenv"))
    commands = []
    for token in candidates.split():
        version = re.fullmatch(r"(?:python)?(3\.\d+)", token)
        if version:
            commands.append(f"python{version.group(1)}")
            commands += [str(p) for p in
                         sorted(pyenv.glob(f"versions/{version.group(1)}.*/bin/python3"))]
        else:
            commands.append(token)
    return commands


def choose_python(candidates, numpy_line):
    """The first candidate that runs, is 3.8 to 3.14 and has wheels of ``numpy_line``."""
    seen = []
    for command in expand(candidates):
        found = probe(command)
        if found is None:
            continue
        seen.append((command, found[1]))
        if supported(found[1]) and (numpy_line is None or line_fits(numpy_line, found[1])):
            return found
    if not seen:
        which = "one of them" if len(candidates.split()) > 1 else "it"
        raise Refused(f"no Python found (tried {candidates}); install {which} and run "
                      "make again, or name one: make install PYTHON=/path/to/python3")
    command, version = seen[0]
    if not supported(version):
        raise Refused(unsupported_reason(command, version))
    raise Refused(f"{command} is Python {version_text(version[:2])}, which has no NumPy "
                  f"{numpy_line} wheels ({line_range(numpy_line)}); choose another NUMPY "
                  f"({', '.join(fitting_lines(version))}) or another PYTHON")


def probe_first(candidates):
    """(path, version) of the first candidate that runs and is 3.8 to 3.14, else None."""
    for command in expand(candidates):
        found = probe(command)
        if found and supported(found[1]):
            return found
    return None


def supported(version):
    return OLDEST <= version[:2] <= NEWEST


def unsupported_reason(command, version):
    if version[:2] < OLDEST:
        return (f"{command} is Python {version_text(version)}: l10_params needs Python 3.8 or "
                "newer; install Python 3.11 (or 3.13) and run make again with PYTHON=/path/to/it")
    return (f"{command} is Python {version_text(version)}: MXNet 1.9.1 (2022) was tried on "
            f"Python 3.8 to {version_text(NEWEST_TRIED)} and is allowed up to "
            f"{version_text(NEWEST)}; install Python 3.13 and run make again with "
            "PYTHON=/path/to/it")


def default_numpy(version):
    """The NumPy line a Python gets unless asked otherwise (docs/install.md says why)."""
    if version[:2] <= (3, 11):
        return "1.23"   # mxnet 1.9.1 as released: no name to restore, the 2019 numbers
    if version[:2] == (3, 12):
        return "1.26"   # no NumPy < 1.24 wheel; mxnet's own numpy<2 pin is kept
    return "2"          # no NumPy 1.x wheel for 3.13 and newer


def line_fits(line, version):
    _, low, high = NUMPY_LINES[line]
    return low <= version[:2] <= high


def line_range(line):
    _, low, high = NUMPY_LINES[line]
    return f"Python {version_text(low)} to {version_text(high)}"


def fitting_lines(version):
    return [line for line in NUMPY_LINES if line_fits(line, version)]


# ── what a venv has (read from its files, without running it) ──────────────────────────────

def site_packages(venv):
    found = glob.glob(str(venv / "lib" / "python3*" / "site-packages"))
    return pathlib.Path(found[0]) if found else None


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions(venv):
    """{normalized name: (version, dist-info folder)} of what is installed in ``venv``."""
    site = site_packages(venv)
    found = {}
    for info in sorted(site.glob("*.dist-info")) if site else []:
        name, _, version = info.name[:-len(".dist-info")].partition("-")
        found[normalize(name)] = (version, info)
    return found


def mxnet_builds(venv):
    """The installed distributions that provide the package ``mxnet`` (the CPU wheel is
    ``mxnet``, a CUDA build ``mxnet-cu117`` and so on), newest install first."""
    builds = []
    for name, (version, info) in distributions(venv).items():
        record = info / "RECORD"
        if (name.startswith("mxnet") and record.is_file()
                and "mxnet/__init__.py," in record.read_text()):
            builds.append((info.stat().st_mtime, name, version))
    return [(name, version) for _, name, version in sorted(builds, reverse=True)]


def venv_python_version(venv):
    """The venv's Python version from pyvenv.cfg, e.g. (3, 11, 7), or None."""
    cfg = venv / "pyvenv.cfg"
    if not cfg.is_file():
        return None
    for line in cfg.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return tuple(int(x) for x in value.strip().split(".")[:3])
    return None


def numpy_line_of(version_string):
    """The line an installed NumPy belongs to: '1.23' for anything below 1.24, and so on."""
    major_minor = tuple(int(x) for x in version_string.split(".")[:2])
    if major_minor < (1, 24):
        return "1.23"
    return "2" if major_minor >= (2, 0) else "1.26"


def read_stamp(venv):
    try:
        return json.loads((venv / STAMP).read_text())
    except (OSError, ValueError):
        return None


def inputs_digest():
    digest = hashlib.sha256()
    files = [ROOT / name for name in INPUTS]
    for tree in INPUT_TREES:
        files += sorted(p for p in (ROOT / tree).rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()[:16]


# ── the MXNet build asked for ──────────────────────────────────────────────────────────────

def parse_build(text):
    """'mxnet-cu117' -> ('mxnet-cu117', 'mxnet-cu117==1.9.1'); a version given is kept."""
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*", text)
    if not match or not normalize(match.group(1)).startswith("mxnet"):
        raise Refused(f"MXNET={text!r} is not an MXNet build: give a PyPI name such as mxnet "
                      "(the CPU wheel) or mxnet-cu117 (CUDA 11.7), optionally with ==1.9.1")
    name, spec = normalize(match.group(1)), match.group(2)
    return name, f"{name}{spec or '==' + MXNET_VERSION}"


def build_matches(builds, name, spec):
    """Whether the venv has exactly the build ``name`` and, if ``spec`` pins a version with
    ==, that version (1.9.1 also matches 1.9.1+local, as PEP 440 says)."""
    if [installed for installed, _ in builds] != [name]:
        return False
    pinned = re.search(r"==\s*([^\s,;]+)", spec or "")
    if not pinned:
        return True
    have, want = builds[0][1], pinned.group(1)
    return have == want or ("+" not in want and have.split("+")[0] == want)


def requirements_of(venv, name):
    """A distribution's Requires-Dist lines, read from its installed METADATA."""
    version, info = distributions(venv)[name]
    lines = (info / "METADATA").read_text(encoding="utf-8").splitlines()
    body = lines.index("") if "" in lines else len(lines)
    return [line.split(":", 1)[1].strip() for line in lines[:body]
            if line.startswith("Requires-Dist:")]


def requirement_name(requirement):
    return normalize(re.match(r"[A-Za-z0-9._-]+", requirement).group())


# ── installing ─────────────────────────────────────────────────────────────────────────────

class Installer:
    """uv (when on PATH, or installable into the venv from PyPI) or pip, run against one venv;
    quiet unless a call fails."""

    def __init__(self, venv, prefer_uv=True):
        self.venv, self.python = venv, str(venv / "bin" / "python")
        self.uv = self._find_uv() if prefer_uv else None
        self.name = "uv" if self.uv else "pip"

    def _find_uv(self):
        if shutil.which("uv"):
            return shutil.which("uv")
        inside = self.venv / "bin" / "uv"
        if not inside.exists():
            done = subprocess.run([self.python, "-m", "pip", "install", "--quiet",
                                   "--disable-pip-version-check", "uv"],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                say(f"uv could not be installed ({reason(done)}); installing with pip (slower)")
                return None
        return str(inside)

    def install(self, *args):
        if self.uv:
            # no --compile-bytecode: Python compiles what it imports on first use, and compiling
            # every installed file up front (Jupyter included) took a minute more here
            command = [self.uv, "pip", "install", "--quiet", "--python", self.python, *args]
        else:
            command = [self.python, "-m", "pip", "install", "--quiet",
                       "--disable-pip-version-check", *args]
        return subprocess.run(command, capture_output=True, text=True)

    def download(self, spec, into):
        """Fetch one build's wheel with pip (uv has no download command); pip's settings apply."""
        return subprocess.run(
            [self.python, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--only-binary", ":all:", "--dest", str(into), spec],
            capture_output=True, text=True)


def reason(done):
    """The line of a failed command's output that says why (pip's ERROR line, uv's error)."""
    lines = [line.strip() for line in (done.stderr + done.stdout).splitlines()
             if line.strip() and "is ignored: it is neither a file nor a directory" not in line]
    for line in lines:
        if line.startswith(("ERROR:", "error:", "×")):
            return line
    return lines[-1] if lines else f"exit status {done.returncode}"


def check(done, what):
    if done.returncode != 0:
        raise Refused(f"{what} failed: {reason(done)}")


IMPORT_CHECK = ("import json, sys, mxnet, numpy; print(json.dumps({'numpy': numpy.__version__, "
                "'mxnet': mxnet.__version__, 'python': '.'.join(map(str, sys.version_info[:3]))}))")


def import_mxnet(venv):
    """Versions seen by a fresh interpreter of the venv, or raise Refused with MXNet's error."""
    done = subprocess.run([str((venv / "bin" / "python").absolute()), "-c", IMPORT_CHECK],
                          capture_output=True, text=True, cwd=venv)  # not the repository's files
    if done.returncode != 0:
        raise Refused(f"`import mxnet` fails in {venv}: {reason(done)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def installed_entries(venv, name):
    """The paths a distribution installed (from its RECORD): top-level folders and files of
    site-packages as one entry each, anything outside (scripts) file by file."""
    site = site_packages(venv)
    info = distributions(venv)[name][1]
    entries = {site / info.name}
    for line in (info / "RECORD").read_text().splitlines():
        parts = pathlib.PurePosixPath(line.rsplit(",", 2)[0]).parts
        if ".." in parts or parts[0] == "__pycache__" or len(parts) == 1:
            entries.add((site / pathlib.PurePosixPath(*parts)).resolve())
        else:
            entries.add(site / parts[0])
    return sorted(entries)


class Stash:
    """Installed MXNet builds moved aside (renames inside the venv, nothing copied), so that a
    failed swap can put them back; dropping the stash uninstalls them."""

    def __init__(self, venv, folder):
        self.venv, self.folder, self.moves = venv, folder, []

    def take(self, name):
        for source in installed_entries(self.venv, name):
            if source.exists():
                target = self.folder / str(len(self.moves))
                self.folder.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
                self.moves.append((source, target))

    def put_back(self):
        for source, target in reversed(self.moves):
            os.replace(target, source)
        self.moves = []


def swap_build(venv, installer, old_builds, spec):
    """Install ``spec`` in place of ``old_builds``: download it first, move the old builds
    aside, install and import the new one; on any failure put the old ones back, unchanged."""
    work = venv / ".l10-swap"
    shutil.rmtree(work, ignore_errors=True)
    old_text = " and ".join(f"{name} {version}" for name, version in old_builds)
    try:
        done = installer.download(spec, work / "download")
        if done.returncode != 0:
            raise Refused(f"cannot download {spec} ({reason(done)}); {venv} keeps {old_text}, "
                          "unchanged")
        wheel = next((work / "download").glob("*.whl"))
        stash = Stash(venv, work / "old")
        for name, _ in old_builds:
            stash.take(name)
        try:
            check(installer.install("--no-deps", "--no-index", str(wheel)), f"installing {spec}")
            import_mxnet(venv)
        except Refused as failure:
            for name, _ in mxnet_builds(venv):   # whatever of the new build is there
                Stash(venv, work / "new").take(name)
            stash.put_back()
            raise Refused(f"{failure}; {venv} keeps {old_text}, put back as it was") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pip_check(venv, numpy_line):
    """Say what `pip check` reports; on the NumPy 2 line MXNet's own numpy<2 pin is expected."""
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "check",
                           "--disable-pip-version-check"], capture_output=True, text=True)
    problems = [line for line in done.stdout.splitlines()
                if line.strip() and not line.startswith("No broken requirements")]
    for line in problems:
        if numpy_line == "2" and re.match(r"mxnet\S* 1\.9\.1 has requirement numpy<2", line):
            say(f"pip check: {line} (expected: MXNet runs on NumPy 2 through the shim)")
        else:
            say(f"pip check: {line}")
    return problems


def finish_venv(venv):
    """The parts an installer does not do: the shim's .pth, the Jupyter settings, the kernel."""
    site = site_packages(venv)
    # setuptools' editable wheels carry only their own path hook, not the .pth (setup.py puts
    # it into regular wheels), so it is copied here
    shutil.copy(ROOT / "l10_params_numpy_shim.pth", site / "l10_params_numpy_shim.pth")
    settings = ROOT / "tools" / "jupyter"
    if settings.is_dir():
        shutil.copytree(settings, venv, dirs_exist_ok=True)
    if (site / "ipykernel").is_dir():
        check(subprocess.run([str(venv / "bin" / "python"), "-m", "ipykernel", "install",
                              "--sys-prefix", "--name", KERNEL[0], "--display-name", KERNEL[1]],
                             capture_output=True, text=True), "registering the Jupyter kernel")


# ── the whole run ──────────────────────────────────────────────────────────────────────────

def describe(versions, build):
    kind = "the CPU wheel" if build == "mxnet" else "a CUDA build" if "-cu" in build else build
    return (f"Python {versions['python']}, NumPy {versions['numpy']}, {build} "
            f"{versions['mxnet']} ({kind})")


def choose_interpreter(args, venv, want_line):
    """(path, version) of the Python for ``venv``: the one asked for, else the venv's own,
    else the first default that fits the NumPy line."""
    if args.python:
        return choose_python(args.python, want_line)
    if venv_python_version(venv):
        found = probe(str(venv / "bin" / "python"))
        if found and want_line and not line_fits(want_line, found[1]):
            raise Refused(f"this venv is Python {version_text(found[1][:2])}, which has no NumPy "
                          f"{want_line} wheels ({line_range(want_line)}); add "
                          "PYTHON=/path/to/another/python to rebuild it")
        if found:
            return found
    return choose_python(DEFAULT_PYTHONS, want_line)


def replace_other_python(venv, stamp, version):
    """A venv of another Python (or whose Python no longer runs) is rebuilt when it holds only
    what this script installed; otherwise nothing changes and one line says how."""
    have = venv_python_version(venv)
    runs = have and probe(str(venv / "bin" / "python"))
    if runs and have[:2] == version[:2]:
        return stamp
    was = f"Python {version_text(have[:2])}" if runs else "broken (its Python does not run)"
    ours = set(stamp["distributions"]) if stamp else set()
    extra = sorted(set(distributions(venv)) - ours)
    if not stamp or extra:
        what = (f"packages make install did not put there ({', '.join(extra[:4])}"
                f"{', ...' if len(extra) > 4 else ''})" if stamp else
                "no record of what make install put there")
        raise Refused(f"this venv is {was}, you asked for Python {version_text(version[:2])}, "
                      f"and it has {what}: nothing changed; move it aside (mv {venv} {venv}-old) "
                      "or remove it, then run make again")
    say(f"{venv} is {was}; rebuilding it with Python {version_text(version)} (it holds nothing "
        "but what make install put there)")
    shutil.rmtree(venv)
    return None


def run(args):
    venv = pathlib.Path(args.venv)
    want_line = args.numpy or None
    if want_line and want_line not in NUMPY_LINES:
        raise Refused(f"NUMPY={want_line!r} is not a NumPy line of this project; choose one of "
                      f"{', '.join(NUMPY_LINES)} (docs/install.md)")
    want_name, want_spec = parse_build(args.mxnet) if args.mxnet else (None, None)
    stamp = read_stamp(venv)

    # 1. the interpreter
    path, version = choose_interpreter(args, venv, want_line)
    if venv.exists():
        stamp = replace_other_python(venv, stamp, version)
    if version[:2] > NEWEST_TRIED:
        say(f"note: Python {version_text(version[:2])} is newer than any this project was tried "
            f"with (3.8 to {version_text(NEWEST_TRIED)}); it gets the NumPy 2 line")

    # 2. what is wanted: what was asked for, else what the venv has, else the defaults
    builds = mxnet_builds(venv) if venv.exists() else []
    line = want_line or (stamp or {}).get("numpy_line") or default_numpy(version)
    name = want_name or (builds[0][0] if builds else "mxnet")
    spec = want_spec or (None if builds else f"mxnet=={MXNET_VERSION}")
    digest = inputs_digest()
    if (stamp and (stamp["inputs"], stamp["numpy_line"], stamp["mxnet"]) == (digest, line, name)
            and build_matches(builds, name, spec)):
        say(f"{venv} is ready: {describe(stamp['versions'], name)}")
        return 0

    # 3. install what differs
    started = time.monotonic()
    ours = set(stamp["distributions"]) if stamp else set()
    if not stamp and any(venv.glob(".installed-*")):
        # made by the Makefile before this script (its stamp files): all of it is the project's
        ours = set(distributions(venv))
    if not venv.exists():
        say(f"creating {venv} with Python {version_text(version)} ({path})")
        check(subprocess.run([path, "-m", "venv", str(venv)], capture_output=True, text=True),
              f"creating {venv}")
        ours = set(distributions(venv))   # pip (and setuptools) of the new venv
    before = set(distributions(venv))
    numpy_req = NUMPY_LINES[line][0]
    installer = Installer(venv, prefer_uv=not args.pip)
    say(f"installing into {venv} with {installer.name}: {numpy_req}, {spec or name} without its "
        "own requirements, l10_params and the numpy shim")
    # only the build differs: once swapped, the rest stands if the new build needs the same
    complete = stamp and (stamp["inputs"], stamp["numpy_line"]) == (digest, line)
    old_needs = requirements_of(venv, builds[0][0]) if builds else None
    if not build_matches(builds, name, spec):
        if builds:
            swap_build(venv, installer, builds, spec)
        else:
            check(installer.install("--no-deps", "--only-binary", ":all:", spec),
                  f"installing {spec}")
    # From here on the venv changes: until the new stamp is written at the end, none says it
    # is ready (a failure below leaves no stamp, and the next run installs again).
    (venv / STAMP).unlink(missing_ok=True)
    needs = requirements_of(venv, name)
    if not (complete and needs == old_needs):
        extras = f"[{args.extras}]" if args.extras else ""
        check(installer.install("--only-binary", "numpy", "-e", f"{ROOT}{extras}", numpy_req,
                                *[r for r in needs if requirement_name(r) != "numpy"]),
              f"installing l10_params{extras} with {numpy_req}")
    finish_venv(venv)
    versions = import_mxnet(venv)
    pip_check(venv, line)
    after = set(distributions(venv))
    # ours: what this run installed, and what was ours before; never what a person added
    stamp = {"python": versions["python"], "numpy_line": line, "mxnet": name,
             "versions": versions, "inputs": digest, "installer": installer.name,
             "distributions": sorted((after - before) | (after & before & ours))}
    (venv / STAMP).write_text(json.dumps(stamp, indent=1) + "\n")
    for old in [*venv.glob(".installed-*"), venv / "requirements.txt"]:  # the Makefile before
        # this script left these
        old.unlink(missing_ok=True)
    say(f"{venv} is ready: {describe(versions, name)} ({time.monotonic() - started:.0f} s)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("venv", help="the folder of the venv, e.g. .venv")
    parser.add_argument("--python", default="",
                        help="interpreters to try, the first that fits wins; 3.12 stands for "
                             "python3.12 or pyenv's 3.12.x (default: the venv's, else "
                             f"{DEFAULT_PYTHONS})")
    parser.add_argument("--numpy", default="", help=f"NumPy line: {', '.join(NUMPY_LINES)} "
                        "(default: the venv's, else by Python version)")
    parser.add_argument("--mxnet", default="", help="MXNet build, e.g. mxnet or mxnet-cu117 "
                        "(default: the venv's, else mxnet, the CPU wheel)")
    parser.add_argument("--extras", default="dev", help="the project's extras (default: dev)")
    parser.add_argument("--pip", action="store_true", help="install with pip, not uv")
    parser.add_argument("--which", action="store_true", help="only say which Python --python "
                        "and --numpy pick (exit 1 with the reason if none), install nothing")
    args = parser.parse_args(argv)
    try:
        if args.which:
            path, version = choose_python(args.python or DEFAULT_PYTHONS, args.numpy or None)
            say(f"{path} (Python {version_text(version)})")
            return 0
        return run(args)
    except Refused as refused:
        print(f"{args.venv}: {refused}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
