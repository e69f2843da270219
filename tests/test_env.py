"""The venv is what tools/venv.py built and wrote in its stamp; the script's choices and its
one-line refusals, without building anything (the builds are in test_venvs.py, marker env).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import pathlib
import re
import shutil
import subprocess
import sys

import mxnet as mx
import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
STAMP = pathlib.Path(sys.prefix, "l10_params-venv.json")


def load_tool():
    spec = importlib.util.spec_from_file_location("l10_venv", ROOT / "tools" / "venv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


venv = load_tool()


@pytest.fixture
def stamp():
    if not STAMP.is_file():
        pytest.skip(f"{sys.prefix} was not built by tools/venv.py (no {STAMP.name})")
    return json.loads(STAMP.read_text())


# ── this venv against its stamp ─────────────────────────────────────────────────────────────

def test_numpy_is_the_venvs_line(stamp):
    line = stamp["numpy_line"]
    assert venv.numpy_line_of(np.__version__) == line, (
        f"{sys.prefix} was built for the NumPy {line} line ({venv.NUMPY_LINES[line][0]}) but "
        f"has NumPy {np.__version__}: run make install again")
    assert np.__version__ == stamp["versions"]["numpy"]


def test_mxnet_is_the_venvs_build(stamp):
    assert mx.__version__ == "1.9.1"
    assert importlib.metadata.version(stamp["mxnet"]).split("+")[0] == "1.9.1"
    builds = [name for name, _ in venv.mxnet_builds(pathlib.Path(sys.prefix))]
    assert builds == [stamp["mxnet"]], f"installed MXNet builds: {builds}"


def test_python_is_the_venvs_and_supported(stamp):
    assert ".".join(map(str, sys.version_info[:3])) == stamp["python"]
    assert venv.supported(sys.version_info)
    assert venv.line_fits(stamp["numpy_line"], sys.version_info)


def test_stamp_lists_only_what_is_installed(stamp):
    """The packages tools/venv.py put there (a Python change rebuilds only a venv without any
    other): all still installed, this project and the MXNet build among them."""
    installed = set(venv.distributions(pathlib.Path(sys.prefix)))
    assert set(stamp["distributions"]) <= installed
    assert {"l10-params", stamp["mxnet"]} <= set(stamp["distributions"])


# ── the choices, as a table ─────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("version, line", [
    ((3, 8, 18), "1.23"), ((3, 11, 7), "1.23"), ((3, 12, 1), "1.26"), ((3, 13, 0), "2"),
    ((3, 14, 0), "2"),
])
def test_default_numpy_line_by_python(version, line):
    assert venv.default_numpy(version) == line
    assert venv.line_fits(line, version)


@pytest.mark.parametrize("numpy_version, line", [
    ("1.23.5", "1.23"), ("1.21.6", "1.23"), ("1.26.4", "1.26"), ("2.0.2", "2"), ("2.5.5", "2"),
])
def test_numpy_line_of_an_installed_numpy(numpy_version, line):
    assert venv.numpy_line_of(numpy_version) == line


@pytest.mark.parametrize("text, parsed", [
    ("mxnet", ("mxnet", "mxnet==1.9.1")),
    ("mxnet-cu117", ("mxnet-cu117", "mxnet-cu117==1.9.1")),
    ("MXNet_CU112==1.9.1", ("mxnet-cu112", "mxnet-cu112==1.9.1")),
    ("mxnet==1.9.1", ("mxnet", "mxnet==1.9.1")),
])
def test_mxnet_build_names(text, parsed):
    assert venv.parse_build(text) == parsed


@pytest.mark.parametrize("text", ["numpy", "tensorflow==2.0", "-e ."])
def test_a_build_that_is_not_mxnet_is_refused(text):
    with pytest.raises(venv.Refused, match=r"is not an MXNet build: give a PyPI name such as "
                                           r"mxnet \(the CPU wheel\) or mxnet-cu117"):
        venv.parse_build(text)


@pytest.mark.parametrize("builds, name, spec, matches", [
    ([("mxnet", "1.9.1")], "mxnet", None, True),
    ([("mxnet", "1.9.1")], "mxnet", "mxnet==1.9.1", True),
    ([("mxnet", "1.9.1")], "mxnet-cu117", "mxnet-cu117==1.9.1", False),
    ([("mxnet-cu117", "1.9.1+fixture")], "mxnet-cu117", "mxnet-cu117==1.9.1", True),
    ([("mxnet-cu117", "1.9.1")], "mxnet-cu117", "mxnet-cu117==1.9.1+fixture", False),
    ([("mxnet", "1.8.0")], "mxnet", "mxnet==1.9.1", False),
    ([("mxnet", "1.9.1"), ("mxnet-cu117", "1.9.1")], "mxnet", None, False),
    ([], "mxnet", "mxnet==1.9.1", False),
])
def test_build_matches(builds, name, spec, matches):
    assert venv.build_matches(builds, name, spec) is matches


@pytest.mark.parametrize("version, message", [
    ((3, 7, 16), r"^python3.7 is Python 3.7.16: l10_params needs Python 3.8 or newer; install "
                 r"Python 3.11 \(or 3.13\) and run make again with PYTHON=/path/to/it$"),
    ((3, 15, 0), r"^python3.15 is Python 3.15.0: MXNet 1.9.1 \(2022\) was tried on Python 3.8 "
                 r"to 3.13 and is allowed up to 3.14; install Python 3.13 and run make again "
                 r"with PYTHON=/path/to/it$"),
])
def test_python_outside_what_works_gets_one_line(monkeypatch, version, message):
    monkeypatch.setattr(venv, "probe", lambda command: ("/usr/bin/" + command, version))
    with pytest.raises(venv.Refused, match=message):
        venv.choose_python(f"python{version[0]}.{version[1]}", None)


def test_a_line_without_wheels_for_that_python_is_refused(monkeypatch):
    monkeypatch.setattr(venv, "probe", lambda command: ("/usr/bin/python3.13", (3, 13, 0)))
    with pytest.raises(venv.Refused, match=r"python3.13 is Python 3.13, which has no NumPy 1.23 "
                                           r"wheels \(Python 3.8 to 3.11\); choose another NUMPY "
                                           r"\(2\) or another PYTHON"):
        venv.choose_python("python3.13", "1.23")


def test_no_python_at_all(monkeypatch):
    monkeypatch.setattr(venv, "probe", lambda command: None)
    with pytest.raises(venv.Refused, match=r"^no Python found \(tried 3.11 3.13\); install one of "
                                           r"them and run make again, or name one: make install "
                                           r"PYTHON=/path/to/python3$"):
        venv.choose_python("3.11 3.13", None)
    with pytest.raises(venv.Refused, match=r"^no Python found \(tried python9\); install it and "):
        venv.choose_python("python9", None)


def test_only_python_3_13_is_a_sensible_default(monkeypatch):
    """`make install` with only 3.13 on the machine: it is picked, and gets the NumPy 2 line."""
    monkeypatch.setattr(venv, "probe", lambda command: (
        ("/opt/python3.13", (3, 13, 0)) if command in ("python3.13", "python3") else None))
    path, version = venv.choose_python(venv.DEFAULT_PYTHONS, None)
    assert (path, venv.default_numpy(version)) == ("/opt/python3.13", "2")


def test_unknown_numpy_line_is_refused(tmp_path, capsys):
    assert venv.main([str(tmp_path / "v"), "--numpy", "1.24"]) == 1
    assert capsys.readouterr().err == (
        f"{tmp_path / 'v'}: NUMPY='1.24' is not a NumPy line of this project; choose one of "
        "1.23, 1.26, 2 (docs/install.md)\n")
    assert not (tmp_path / "v").exists()


def test_pip_check_explains_the_one_expected_line(monkeypatch, capsys, tmp_path):
    line = "mxnet 1.9.1 has requirement numpy<2.0.0,>1.16.0, but you have numpy 2.5.5."

    class Done:
        stdout = line + "\n"

    monkeypatch.setattr(venv.subprocess, "run", lambda *a, **k: Done())
    assert venv.pip_check(tmp_path, "2") == [line]
    assert capsys.readouterr().out == (
        f"pip check: {line} (expected: MXNet runs on NumPy 2 through the shim)\n")
    venv.pip_check(tmp_path, "1.26")  # on another line it is a real problem: said plainly
    assert capsys.readouterr().out == f"pip check: {line}\n"


# ── the hosted-notebook install cell ─────────────────────────────────────────────────────────

def hosted_cell():
    """The cell as the README documents it (the block after its hosted-install marker)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- hosted-install[^\n]*-->\n```python\n(.*?)```\n", readme, re.S)
    assert found, "README.md lost its hosted-install block"
    return found.group(1).rstrip("\n")


NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_starts_with_the_hosted_cell(path):
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    assert first["cell_type"] == "code" and "".join(first["source"]) == hosted_cell(), (
        f"{path.name}: the first cell must be README.md's hosted-install block, as written")
    assert first["metadata"]["slideshow"]["slide_type"] == "skip"
    assert first["metadata"]["tags"] == ["hosted-install"]


def test_hosted_cell_does_nothing_where_the_project_is_installed(tmp_path):
    """In a venv of make install: no pip, no error, and mxnet imports after it (twice, as
    `make test` runs each notebook twice in one kernel)."""
    code = ("import json, subprocess\n"
            "run = subprocess.run\n"
            "def refuse(args, *more, **kwargs):\n"
            "    assert 'pip' not in args, f'the cell ran {args}'\n"
            "    return run(args, *more, **kwargs)  # NumPy 1.26 runs lscpu at import\n"
            "subprocess.run = refuse\n"
            f"cell = {hosted_cell()!r}\n"
            "exec(cell)\n"
            "import mxnet, l10_params\n"
            "exec(cell)\n"
            "print(json.dumps(mxnet.__version__))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == "1.9.1" and out.stderr == ""


# ── the Makefile hands the choices to tools/venv.py ─────────────────────────────────────────

@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
@pytest.mark.parametrize("argv, expected", [
    (["install"], "tools/venv.py .venv --python '' --numpy '' --mxnet ''"),
    (["install", "MXNET=mxnet-cu117"], "tools/venv.py .venv --python '' --numpy '' --mxnet 'mxnet-cu117'"),
    (["install", "PYTHON=python3.12", "NUMPY=2"], "tools/venv.py .venv --python 'python3.12' --numpy '2' --mxnet ''"),
    (["test-numpy126"], "tools/venv.py .venv-np126 --python '3.12 3.11' --numpy '1.26' --mxnet ''"),
    (["test-numpy2"], "tools/venv.py .venv-np2 --python '3.13' --numpy '2' --mxnet ''"),
])
def test_makefile_passes_the_choices_to_the_venv_script(argv, expected):
    """A dry run (make -n) executes nothing; an empty choice means the venv's own."""
    out = subprocess.run(["make", "-n", *argv], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert expected in out, out


def test_make_test_fast_leaves_out_the_slow_groups():
    out = subprocess.run(["make", "-n", "test-fast"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    assert ("-m 'not (notebook or homework or publish or dist or browser or env)'" in out), out


@pytest.mark.parametrize("script", ["benchmarks/run.py", "benchmarks/grading.py"])
def test_bench_scripts_answer_help_without_measuring(script):
    """--help shows the usage and measures nothing (grading.py alone takes minutes)."""
    run = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.startswith("usage:"), run.stdout + run.stderr
    assert "graded" not in run.stdout
