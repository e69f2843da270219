"""The numpy.bool shim (_l10_params_numpy_shim + l10_params_numpy_shim.pth), in fresh interpreters.

These run in both venvs: with NumPy < 1.24 the shim must leave NumPy alone, with NumPy 1.26
(`make test-numpy126`, Python 3.12) it must make the lecture's first line work.
"""
import json
import pathlib
import subprocess
import sys
import sysconfig
import warnings

import numpy as np
import pytest
from reference import lecture_row
from test_env import NUMPY_126

import _l10_params_numpy_shim as shim

ROOT = pathlib.Path(__file__).resolve().parent.parent
NUMPY_HAS_NO_BOOL = tuple(int(x) for x in np.__version__.split(".")[:2]) >= (1, 24)


def run(code, cwd):
    """Run ``code`` in a new interpreter of this venv (outside the repo); return its JSON line."""
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_pth_is_installed():
    pth = pathlib.Path(sysconfig.get_path("purelib"), "l10_params_numpy_shim.pth")
    assert pth.is_file(), f"{pth} is missing: run `make install`"
    assert pth.read_text() == (ROOT / "l10_params_numpy_shim.pth").read_text()


def test_startup_installs_the_hook_and_imports_no_numpy(tmp_path):
    got = run("import sys, json, _l10_params_numpy_shim as s; print(json.dumps("
              "{'numpy': 'numpy' in sys.modules, 'mxnet': 'mxnet' in sys.modules, "
              "'state': s.state, 'first': type(sys.meta_path[0]).__name__}))", tmp_path)
    assert got == {"numpy": False, "mxnet": False, "state": "waiting for mxnet",
                   "first": "MxnetHook"}


def test_lecture_first_line_in_a_fresh_interpreter(tmp_path):
    """`from mxnet import init, nd` first, no l10_params: the lecture's forward row."""
    got = run("from mxnet import init, nd\n"
              "from mxnet.gluon import nn\n"
              "import json, sys, numpy, _l10_params_numpy_shim as s\n"
              "net = nn.Sequential()\n"
              "net.add(nn.Dense(256, activation='relu'))\n"
              "net.add(nn.Dense(10))\n"
              "net.initialize()\n"
              "x = nd.random.uniform(shape=(2, 20))\n"
              "print(json.dumps({'row': net(x)[0].asnumpy().tolist(), 'state': s.state,\n"
              "                  'numpy': numpy.__version__, 'l10': 'l10_params' in sys.modules}))",
              tmp_path)
    assert got["state"] == ("patched numpy.bool = bool" if NUMPY_126 else "numpy.bool exists")
    assert got["numpy"] == np.__version__ and not got["l10"]
    np.testing.assert_allclose(np.array(got["row"], dtype=np.float32),
                               lecture_row("forward_row0"), atol=3e-7)


def test_never_overrides_a_numpy_bool_that_exists(tmp_path):
    """As in NumPy 2, where numpy.bool is numpy.bool_ again: the shim must leave it."""
    got = run("import json, numpy\n"
              "numpy.bool = numpy.bool_\n"
              "import mxnet, _l10_params_numpy_shim as s\n"
              "print(json.dumps({'kept': numpy.bool is numpy.bool_, 'state': s.state}))",
              tmp_path)
    assert got == {"kept": True, "state": "numpy.bool exists"}


def test_numpy_itself_has_no_bool_from_1_24(tmp_path):
    """Why the shim exists: NumPy 1.24-1.26 raise AttributeError for np.bool (and warn first)."""
    got = run("import json, warnings, numpy\n"
              "warnings.simplefilter('ignore')\n"
              "print(json.dumps({'has_bool': hasattr(numpy, 'bool')}))", tmp_path)
    assert got == {"has_bool": not NUMPY_126}


@pytest.mark.skipif(not NUMPY_HAS_NO_BOOL, reason="this NumPy has its own np.bool (< 1.24)")
def test_patch_numpy_sets_bool_only_where_missing(monkeypatch):
    monkeypatch.delattr(np, "bool")  # the shim's own, set when mxnet was imported
    with warnings.catch_warnings(), pytest.raises(AttributeError, match="bool"):
        warnings.simplefilter("ignore")  # NumPy 1.26 warns before it raises
        np.bool  # noqa: B018
    assert shim.patch_numpy() == "patched numpy.bool = bool"
    assert np.bool is bool
    assert shim.patch_numpy() == "numpy.bool exists"

