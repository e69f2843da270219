"""The NumPy shim (_l10_params_numpy_shim + l10_params_numpy_shim.pth), checked against MXNet's
own sources and in fresh interpreters, on whichever NumPy line this venv has.

With NumPy < 1.24 the shim finds nothing to restore; with NumPy 1.26 it restores ``bool`` and
``int``; with NumPy 2 the names listed in ``RESTORES``. Each restored value behaves as the NumPy
that had it, no name NumPy has is ever replaced, and every name MXNet reads exists afterwards.
"""
from __future__ import annotations

import ast
import collections
import functools
import importlib
import importlib.util
import json
import pathlib
import re
import subprocess
import sys
import sysconfig
import types
import warnings

import numpy as np
import pytest
from reference import lecture_row

import _l10_params_numpy_shim as shim

ROOT = pathlib.Path(__file__).resolve().parent.parent
NUMPY_2 = int(np.__version__.split(".")[0]) >= 2
MXNET = pathlib.Path(importlib.util.find_spec("mxnet").submodule_search_locations[0])
# a fresh interpreter in which the .pth's hook is taken out before anything is imported:
# NumPy as it comes, the state of a kernel that was running before the package was installed
WITHOUT_HOOK = ("import sys; sys.meta_path[:] = [f for f in sys.meta_path "
                "if type(f).__name__ != 'MxnetHook']\n")


def run(code, cwd):
    """Run ``code`` in a new interpreter of this venv (outside the repo); return its JSON line."""
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@functools.lru_cache(maxsize=None)
def missing_in_plain_numpy():
    """The names of RESTORES that this venv's NumPy lacks before the shim touches it."""
    return tuple(run(WITHOUT_HOOK + "import json, numpy, _l10_params_numpy_shim as s\n"
                     "print(json.dumps(s.missing(numpy)))", ROOT / "tests"))


def expected_state():
    names = missing_in_plain_numpy()
    printing = "; printing scalars as NumPy 1.25" if NUMPY_2 else ""
    return "restored: " + (", ".join(names) if names else "nothing") + printing


# ── what MXNet reads, from its installed sources ─────────────────────────────────────────────

def _chain(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return [node.id, *reversed(parts)] if isinstance(node, ast.Name) else None


@functools.lru_cache(maxsize=None)
def names_mxnet_reads():
    """{'numpy.a.b': ['mxnet/file.py:line', ...]}: every attribute chain on a name bound to
    NumPy (``import numpy as np``), every ``from numpy import x``, and the names of
    numpy_dispatch_protocol.py's lists, which it looks up with ``getattr(numpy, name)``."""
    reads = collections.defaultdict(list)
    for path in sorted(MXNET.rglob("*.py")):
        source = path.read_text(errors="replace")
        if "numpy" not in source:
            continue
        where = path.relative_to(MXNET.parent).as_posix()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MXNet's own invalid escapes in docstrings
            tree = ast.parse(source)
        aliases = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "numpy" or a.name.startswith("numpy."):
                        aliases[a.asname or "numpy"] = a.name if a.asname else "numpy"
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (
                    node.module or "").split(".")[0] == "numpy":
                for a in node.names:
                    reads[f"{node.module}.{a.name}"].append(f"{where}:{node.lineno}")
        for node in ast.walk(tree):
            chain = _chain(node) if isinstance(node, ast.Attribute) else None
            if chain and chain[0] in aliases:
                reads[".".join([aliases[chain[0]], *chain[1:]])].append(f"{where}:{node.lineno}")
        if path.name == "numpy_dispatch_protocol.py":
            for node in tree.body:
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.List):
                    for item in node.value.elts:
                        if isinstance(item, ast.Constant) and isinstance(item.value, str):
                            reads[f"numpy.{item.value}"].append(f"{where}:{item.lineno}")
    return dict(reads)


def resolves(dotted):
    obj = importlib.import_module("numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy.core warns in NumPy 2 (it is numpy._core now)
        for i, part in enumerate(dotted.split(".")[1:], start=2):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                try:
                    obj = importlib.import_module(".".join(dotted.split(".")[:i]))
                except ImportError:
                    return False
    return True


def test_every_numpy_name_mxnet_reads_exists():
    """After `import mxnet` (done by conftest), each name MXNet reads resolves on this NumPy:
    the guard against a NumPy that removes one more."""
    reads = names_mxnet_reads()
    assert len(reads) > 200, f"the scan of {MXNET} found only {len(reads)} names"
    absent = {name: where[:3] for name, where in reads.items() if not resolves(name)}
    assert not absent, (f"MXNet reads names NumPy {np.__version__} lacks and the shim does not "
                        f"restore: {absent}; add them to _l10_params_numpy_shim.RESTORES")


def test_every_restored_name_is_read_by_mxnet_where_the_table_says():
    reads = names_mxnet_reads()
    for name, (_, files, _, _) in shim.RESTORES.items():
        found = {w.split(":")[0] for key, where in reads.items()
                 if key == f"numpy.{name}" or key.startswith(f"numpy.{name}.") for w in where}
        assert found, f"MXNet 1.9.1 does not read numpy.{name}: take it out of RESTORES"
        assert set(files) <= found, f"numpy.{name} is read in {sorted(found)}, not {files}"


def test_docs_list_every_restored_name_with_where_mxnet_reads_it():
    rows = [line for line in (ROOT / "docs" / "install.md").read_text().splitlines()
            if line.startswith("|")]
    for name, (removed, files, when, _) in shim.RESTORES.items():
        row = next((r for r in rows if f"`{name}`" in r.split("|")[1]), None)
        assert row, f"docs/install.md has no table row for numpy.{name}"
        for text in [removed, when, *files]:
            assert text in row, f"docs/install.md's row for numpy.{name} lacks {text!r}: {row}"


# ── the values restored ────────────────────────────────────────────────────────────────────

def restored(name):
    """What the shim would set for ``name`` on this NumPy (whether or not it lacks it)."""
    if name == "trapz" and not hasattr(np, "trapezoid"):
        pytest.skip("numpy.trapezoid arrived in NumPy 2.0; before it numpy.trapz is NumPy's own")
    return shim.RESTORES[name][3](np)


@pytest.mark.parametrize("name, call, expected", [
    ("alltrue", lambda f: f([True, False]), False),
    ("sometrue", lambda f: f([True, False]), True),
    ("product", lambda f: f([2, 3, 4]), 24),
    ("round_", lambda f: f(1.26, 1), 1.3),
    ("msort", lambda f: f([[3, 1], [1, 2]]).tolist(), [[1, 1], [3, 2]]),
    ("in1d", lambda f: f([[1, 2], [3, 4]], [2, 4]).tolist(), [False, True, False, True]),
    ("in1d", lambda f: f([1, 2], [2], invert=True).tolist(), [True, False]),
    ("trapz", lambda f: f([1.0, 2.0, 3.0]), 4.0),
    ("PZERO", lambda v: (v, str(v)), (0.0, "0.0")),
    ("NZERO", lambda v: (v, str(v)), (0.0, "-0.0")),
    ("PINF", lambda v: v, float("inf")),
    ("NINF", lambda v: v, float("-inf")),
    ("Inf", lambda v: v, float("inf")),
    ("NAN", lambda v: v != v, True),
    ("NaN", lambda v: v != v, True),
    ("bool", lambda v: v, bool),
    ("int", lambda v: v, int),
    ("compat", lambda m: m.basestring, str),
])
def test_restored_values_behave_as_numpy_had_them(name, call, expected):
    assert call(restored(name)) == expected


@pytest.mark.parametrize("name", ["mirr", "npv", "pmt", "ppmt", "pv", "rate"])
def test_financial_functions_say_where_they_went(name):
    """As NumPy 1.20-1.26 did: the name exists (MXNet binds it), a call says what to use."""
    with pytest.raises(RuntimeError, match=rf"numpy\.{name} was removed .* numpy_financial\.{name}"):
        restored(name)(0.1, [1, 2])


def test_restored_functions_work_on_mxnet_arrays():
    """MXNet binds them as mxnet.numpy functions: they must take its arrays."""
    from mxnet import np as mnp
    from mxnet import npx

    npx.set_np()
    try:
        a = mnp.array([[1.0, 2.0], [3.0, 4.0]])
        assert restored("in1d")(a, a).tolist() == [True] * 4
        assert restored("msort")(a).tolist() == [[1.0, 2.0], [3.0, 4.0]]
        assert float(restored("product")(a)) == 24.0
    finally:
        npx.reset_np()


def test_patch_never_replaces_a_name_numpy_has():
    fake = types.ModuleType("numpy")
    for name in ["__version__", "all", "any", "prod", "round", "sort", "isin", "int64"]:
        setattr(fake, name, getattr(np, name))
    fake.trapezoid = getattr(np, "trapezoid", np.trapz)
    fake.PZERO, fake.alltrue = "numpy's own", "numpy's own too"
    fake.get_printoptions = lambda: {"legacy": "1.13"}  # a person's choice: left alone
    state = shim.patch_numpy(fake)
    assert (fake.PZERO, fake.alltrue) == ("numpy's own", "numpy's own too")
    assert state == "restored: " + ", ".join(n for n in shim.RESTORES
                                             if n not in ("PZERO", "alltrue"))
    assert str(fake.NZERO) == "-0.0" and fake.bool is bool and fake.product is np.prod
    assert shim.patch_numpy(fake) == "restored: nothing"


def test_real_numpy_names_are_left_alone(tmp_path):
    """In a fresh interpreter: `import mxnet` sets only the names NumPy lacked; every other
    entry of NumPy's namespace is the same object as before (NumPy 1.x serves some old names
    from its module __getattr__, never stored: they stay unstored)."""
    got = run("import json, numpy, _l10_params_numpy_shim as s\n"
              "lacked = s.missing(numpy)\n"
              "before = dict(vars(numpy))\n"
              "import mxnet\n"
              "after = vars(numpy)\n"
              "print(json.dumps({'lacked': lacked, 'now': s.missing(numpy),\n"
              "    'added': sorted(set(after) - set(before)),\n"
              "    'changed': sorted(n for n in before if after.get(n) is not before[n])}))",
              tmp_path)
    lacked = list(missing_in_plain_numpy())
    assert got["lacked"] == lacked and got["now"] == [] and got["changed"] == []
    assert set(lacked) <= set(got["added"]), got["added"]


def test_mxnet_takes_numpy_scalars_in_its_arguments(tmp_path):
    """MXNet passes operator arguments as text: NumPy 2 writes (2, np.int64(3)) unless the shim
    sets NumPy 1.25 printing. Three ways a student meets it: a shape with a NumPy integer, the
    Orthogonal initializer, split_and_load in NumPy mode on two devices."""
    got = run("import json, numpy, mxnet as mx\n"
              "from mxnet import gluon, init, npx\n"
              "a = mx.nd.random.uniform(shape=(2, numpy.int64(3)))\n"
              "net = gluon.nn.Dense(4, in_units=5)\n"
              "net.initialize(init.Orthogonal())\n"
              "npx.set_np()\n"
              "parts = gluon.utils.split_and_load(mx.np.ones((4, 2)), [mx.cpu(0), mx.cpu(1)])\n"
              "print(json.dumps({'shape': a.shape, 'w': net.weight.shape,\n"
              "                  'parts': [p.shape for p in parts],\n"
              "                  'repr': repr(numpy.int64(3))}))", tmp_path)
    assert got == {"shape": [2, 3], "w": [4, 5], "parts": [[2, 2], [2, 2]], "repr": "3"}


def test_printing_is_left_alone_where_a_person_chose(tmp_path):
    got = run("import json, numpy\n"
              "numpy.set_printoptions(legacy='1.13')\n"
              "import mxnet, _l10_params_numpy_shim as s\n"
              "print(json.dumps({'legacy': numpy.get_printoptions()['legacy'], 'state': s.state}))",
              tmp_path)
    assert got["legacy"] in ("1.13", 113) and "printing" not in got["state"]


# ── the hook, in fresh interpreters ────────────────────────────────────────────────────────

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
    assert got["state"] == expected_state()
    assert got["numpy"] == np.__version__ and not got["l10"]
    np.testing.assert_allclose(np.array(got["row"], dtype=np.float32),
                               lecture_row("forward_row0"), atol=3e-7)


@pytest.mark.parametrize("first", ["import l10_params", "import mxnet"])
def test_install_in_a_running_interpreter(tmp_path, first):
    """A kernel started before the package was installed has no hook (the .pth runs only at
    start-up): install() called then, as the hosted-notebook cell does, is enough, whether
    l10_params or mxnet is imported first."""
    got = run(WITHOUT_HOOK + "import json, _l10_params_numpy_shim as s\n"
              "s.install()\n" + first + "\n"
              "print(json.dumps({'state': s.state}))", tmp_path)
    assert got == {"state": expected_state()}


@pytest.mark.skipif(sys.version_info < (3, 12), reason="distutils is in the standard library")
def test_install_in_a_running_interpreter_that_never_ran_setuptools_pth(tmp_path):
    """Python 3.12+: setuptools installed while the kernel ran, so its start-up .pth, which
    makes `import distutils` work, never ran; the shim imports setuptools instead."""
    got = run("import sys\n"
              "sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ not in\n"
              "                    ('MxnetHook', 'DistutilsMetaFinder')]\n"
              "import json, _l10_params_numpy_shim as s\n"
              "s.install()\n"
              "import l10_params\n"
              "print(json.dumps({'state': s.state}))", tmp_path)
    assert got == {"state": expected_state() + "; distutils from setuptools"}


def test_install_after_mxnet_is_too_late_and_says_nothing(tmp_path):
    got = run("import json, mxnet, _l10_params_numpy_shim as s\n"
              "before = s.state\n"
              "s.install()\n"
              "print(json.dumps({'same': s.state == before, 'hooks': sum(\n"
              "    type(f).__name__ == 'MxnetHook' for f in __import__('sys').meta_path)}))",
              tmp_path)
    assert got == {"same": True, "hooks": 0}


# ── a NumPy newer than any tested ──────────────────────────────────────────────────────────

def test_newer_numpy_warns_in_one_line(tmp_path):
    """What a person sees when NumPy is newer than the tested lines: one line on stderr, and
    MXNet works."""
    newer = f"{shim.NEWEST_TESTED[0]}.{shim.NEWEST_TESTED[1] + 1}.0"
    code = (f"import numpy\nnumpy.__version__ = {newer!r}\n"
            "import mxnet\nprint(mxnet.nd.ones(2).sum().asscalar())")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "2.0"
    lines = [line for line in out.stderr.splitlines() if "NumpyVersionWarning" in line]
    assert len(lines) == 1 and out.stderr.count("\n") == 1, out.stderr
    assert re.search(rf"NumPy {re.escape(newer)} is newer than any NumPy l10_params was "
                     rf"tested with \({re.escape(shim.TESTED_TEXT)}\)", lines[0]), lines[0]


@pytest.mark.parametrize("version", ["1.23.5", "1.26.4", "2.0.2", "2.5.5",
                                     f"{shim.NEWEST_TESTED[0]}.{shim.NEWEST_TESTED[1]}.9"])
def test_tested_numpy_does_not_warn(version):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shim._warn_if_untested(version)
