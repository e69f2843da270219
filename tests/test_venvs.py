"""tools/venv.py building real venvs: MXNet build swaps that fail and that succeed, a build the
venv remembers, another Python, and the hosted-notebook cell in a fresh NumPy 2 environment.

All marked ``env`` (they install packages; about four minutes with a warm uv cache). No CUDA build
can be installed here (509 MB, no GPU): the CUDA-named builds are the CPU wheel of MXNet 1.9.1
relabelled as ``mxnet-cu117 1.9.1+l10fixture`` (and a ``mxnet-cu116 1.9.1+l10broken`` whose
``import mxnet`` fails as a CUDA build fails without its driver), built in a temporary folder
and offered to pip with ``PIP_NO_INDEX``, so that the real ``mxnet-cu117`` is never fetched.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
from test_env import ROOT, hosted_cell, venv

pytestmark = pytest.mark.env
TOOL = ROOT / "tools" / "venv.py"


def tool(*args, env=None):
    """Run tools/venv.py as make does; (exit status, stdout, stderr)."""
    done = subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=900)
    return done.returncode, done.stdout, done.stderr


def python_of(prefix, code):
    done = subprocess.run([str(prefix / "bin" / "python"), "-c", code], capture_output=True,
                          text=True, cwd=prefix)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def relabel(wheel, name, version, into):
    """The CPU wheel of MXNet under another distribution name and version: a test fixture."""
    source = zipfile.ZipFile(wheel)
    old_info = next(n.split("/")[0] for n in source.namelist() if n.endswith(".dist-info/METADATA"))
    new_info = f"{name.replace('-', '_')}-{version}.dist-info"
    files = {}
    for item in source.infolist():
        path = item.filename.replace(old_info + "/", new_info + "/", 1)
        if path != f"{new_info}/RECORD":
            files[path] = source.read(item)
    metadata = files[f"{new_info}/METADATA"]
    metadata = re.sub(rb"(?m)^Name: .*$", f"Name: {name}".encode(), metadata, count=1)
    files[f"{new_info}/METADATA"] = re.sub(rb"(?m)^Version: .*$", f"Version: {version}".encode(),
                                           metadata, count=1)
    return write_wheel(into / f"{name.replace('-', '_')}-{version}-{wheel.name.split('-', 2)[2]}",
                       new_info, files)


def write_wheel(target, info, files):
    """A wheel of ``files`` ({path: bytes}) with its RECORD; stored, not compressed (fast)."""
    record = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
        for path, data in files.items():
            out.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path},sha256={digest.decode()},{len(data)}")
        out.writestr(f"{info}/RECORD", "\n".join([*record, f"{info}/RECORD,,"]) + "\n")
    return target


def broken_build(into):
    """A build named like a CUDA one whose import fails as a CUDA build fails without its
    driver: only mxnet/__init__.py, which raises."""
    info = "mxnet_cu116-1.9.1+l10broken.dist-info"
    return write_wheel(into / "mxnet_cu116-1.9.1+l10broken-py3-none-any.whl", info, {
        "mxnet/__init__.py": b"raise ImportError('libcuda.so.1: cannot open shared object file')\n",
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: mxnet-cu116\nVersion: 1.9.1+l10broken\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n"})


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """A folder with the real CPU wheel and the two relabelled ones."""
    folder = tmp_path_factory.mktemp("wheels")
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                           "--only-binary", ":all:", "--dest", str(folder), "mxnet==1.9.1"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    cpu = next(folder.glob("mxnet-1.9.1-*.whl"))
    relabel(cpu, "mxnet-cu117", "1.9.1+l10fixture", folder)
    broken_build(folder)
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A venv of the project without extras (MXNet, NumPy and their needs), Python 3.11 or
    whatever default the machine has."""
    prefix = tmp_path_factory.mktemp("venvs") / "small"
    status, out, err = tool(prefix, "--extras", "")
    assert status == 0, out + err
    return prefix


def stamp_of(prefix):
    return json.loads((prefix / venv.STAMP).read_text())


def builds(prefix):
    return venv.mxnet_builds(prefix)


IMPORTS = "import mxnet, numpy; print(mxnet.__version__, mxnet.nd.ones(3).sum().asscalar())"


@pytest.mark.parametrize("why, env", [
    ("no such build", {}),
    ("network error", {"PIP_CONFIG_FILE": os.devnull, "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
                       "PIP_RETRIES": "0", "PIP_TIMEOUT": "2"}),
])
def test_a_failed_swap_changes_nothing(small, why, env):
    before = (small / venv.STAMP).read_bytes()
    status, out, err = tool(small, "--mxnet", "mxnet-cu118", env=env)
    assert status == 1
    assert re.fullmatch(rf"{re.escape(str(small))}: cannot download mxnet-cu118==1\.9\.1 \(.+\); "
                        rf"{re.escape(str(small))} keeps mxnet 1\.9\.1, unchanged\n", err), err
    assert builds(small) == [("mxnet", "1.9.1")]
    assert (small / venv.STAMP).read_bytes() == before
    assert python_of(small, IMPORTS) == "1.9.1 3.0"
    status, out, err = tool(small)            # the stamp is true: nothing to do
    assert (status, err) == (0, "") and out.startswith(f"{small} is ready: ") and "mxnet 1.9.1" in out


def test_a_build_that_does_not_import_is_put_back(small, wheels):
    status, out, err = tool(small, "--mxnet", "mxnet-cu116==1.9.1+l10broken",
                            env={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)})
    assert status == 1
    assert "`import mxnet` fails" in err and "libcuda.so.1" in err, err
    assert err.rstrip().endswith(f"{small} keeps mxnet 1.9.1, put back as it was"), err
    assert builds(small) == [("mxnet", "1.9.1")] and stamp_of(small)["mxnet"] == "mxnet"
    assert python_of(small, IMPORTS) == "1.9.1 3.0"
    assert not (small / ".l10-swap").exists()


def test_a_swapped_build_is_remembered(small, wheels):
    offline = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}
    status, out, err = tool(small, "--mxnet", "mxnet-cu117==1.9.1+l10fixture", env=offline)
    assert status == 0, out + err
    assert builds(small) == [("mxnet-cu117", "1.9.1+l10fixture")]
    assert stamp_of(small)["mxnet"] == "mxnet-cu117"
    assert python_of(small, IMPORTS) == "1.9.1 3.0"
    check = subprocess.run([str(small / "bin" / "python"), "-m", "pip", "check"],
                           capture_output=True, text=True)
    assert check.stdout.startswith("No broken requirements"), check.stdout

    status, out, err = tool(small)             # a plain make test / tour / lab afterwards
    assert status == 0 and out == (f"{small} is ready: Python {stamp_of(small)['python']}, "
                                   f"NumPy {stamp_of(small)['versions']['numpy']}, mxnet-cu117 "
                                   "1.9.1 (a CUDA build)\n"), out + err
    assert builds(small) == [("mxnet-cu117", "1.9.1+l10fixture")]

    status, out, err = tool(small, "--mxnet", "mxnet", env=offline)   # and back
    assert status == 0, out + err
    assert builds(small) == [("mxnet", "1.9.1")] and stamp_of(small)["mxnet"] == "mxnet"


def tiny_wheel(folder):
    """A package a person might add: one module, built here."""
    info = "l10_person_made-0.1.dist-info"
    return write_wheel(folder / "l10_person_made-0.1-py3-none-any.whl", info, {
        "l10_person_made.py": b"X = 1\n",
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: l10-person-made\nVersion: 0.1\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                         b"Tag: py3-none-any\n"})


def test_another_python_rebuilds_only_a_venv_with_nothing_a_person_added(small, tmp_path):
    have = tuple(int(x) for x in stamp_of(small)["python"].split(".")[:2])
    other = next((v for v in ("3.12", "3.13", "3.11") if (int(v[2:]),) != have[1:]
                  and venv.probe_first(v)), None)
    if other is None:
        pytest.skip("needs a second Python 3.11 to 3.13 on this machine")
    pip = [str(small / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--no-index", str(tiny_wheel(tmp_path))],
                   check=True)
    status, out, err = tool(small, "--python", other, "--extras", "")
    assert status == 1 and out == ""
    assert re.fullmatch(rf"{re.escape(str(small))}: this venv is Python "
                        rf"{have[0]}\.{have[1]}, you asked for Python {re.escape(other)}, and it "
                        r"has packages make install did not put there \(l10-person-made\): "
                        rf"nothing changed; move it aside \(mv {re.escape(str(small))} "
                        rf"{re.escape(str(small))}-old\) or remove it, then run make again\n",
                        err), err
    assert python_of(small, "import l10_person_made; print(l10_person_made.X)") == "1"

    subprocess.run([*pip, "uninstall", "--quiet", "--yes", "l10-person-made"], check=True)
    status, out, err = tool(small, "--python", other, "--extras", "")
    assert status == 0, out + err
    assert out.startswith(f"{small} is Python {have[0]}.{have[1]}; rebuilding it with Python "
                          f"{other}."), out
    assert stamp_of(small)["python"].startswith(other + ".")
    assert stamp_of(small)["numpy_line"] == venv.default_numpy((3, int(other[2:])))
    assert python_of(small, IMPORTS) == "1.9.1 3.0"


def test_hosted_notebook_cell_installs_without_changing_numpy(tmp_path, monkeypatch):
    """A notebook service as a student finds it: NumPy 2 and Jupyter installed first, a kernel
    running; notebook 01 runs top to bottom with its first cell, in that one kernel."""
    import nbclient
    import nbformat

    found = venv.probe_first("3.13 3.12 3.11")
    assert found, "no Python 3.11 to 3.13 found"
    prefix = tmp_path / "hosted"
    subprocess.run([found[0], "-m", "venv", str(prefix)], check=True)
    uv = shutil.which("uv") or shutil.which("uv", path=os.path.dirname(sys.executable))
    setup = ([uv, "pip", "install", "--python", str(prefix / "bin" / "python")] if uv else
             [str(prefix / "bin" / "python"), "-m", "pip", "install"])  # the service's packages
    subprocess.run([*setup, "--quiet", "--only-binary", "numpy", "numpy>=2", "ipykernel"],
                   check=True, capture_output=True)
    numpy_before = python_of(prefix, "import numpy; print(numpy.__version__)")
    jupyter = tmp_path / "jupyter"
    subprocess.run([str(prefix / "bin" / "python"), "-m", "ipykernel", "install", "--prefix",
                    str(jupyter), "--name", "hosted"], check=True, capture_output=True)
    source = tmp_path / "source"   # the repository as git would give it: tracked files only
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    for name in tracked:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)

    nb = nbformat.read(str(ROOT / "notebooks" / "01-access.ipynb"), as_version=4)
    cell = hosted_cell()
    url = re.search(r'"(git\+https://[^"]+)"', cell).group(1)
    assert nb.cells[0].source == cell
    nb.cells[0].source = cell.replace(url, str(source))
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json, sys, numpy, mxnet, l10_params\n"
        "print(json.dumps({'numpy': numpy.__version__, 'mxnet': mxnet.__version__,\n"
        "                  'from': l10_params.__file__, 'prefix': sys.prefix}))"))
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter / "share" / "jupyter"))
    monkeypatch.delenv("L10_PARAMS_CTX", raising=False)
    nbclient.NotebookClient(nb, kernel_name="hosted", timeout=900,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    last = json.loads(nb.cells[-1].outputs[-1]["text"].strip().splitlines()[-1])
    assert last["numpy"] == numpy_before and last["mxnet"] == "1.9.1"
    assert last["prefix"] == str(prefix) and str(prefix) in last["from"]
    assert python_of(prefix, "import numpy; print(numpy.__version__)") == numpy_before
