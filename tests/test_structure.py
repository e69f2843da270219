"""The house rules a maintainer relies on, checked on the source itself.

No import circle inside the package; no module over 250 lines; no writes to MXNet's private
attributes anywhere (``_gluon.py`` reads them, nobody writes them); only ``_gluon.py`` and
``_initplan.py`` (the boundary) read them; the tour's step code compiles and is lint-clean.
"""
import ast
import pathlib
import subprocess
import sys

import pytest

from l10_params.tour import all_steps

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "l10_params"
MODULES = sorted(PACKAGE.rglob("*.py"))
BOUNDARY = {"_gluon", "_initplan.py"}  # read Gluon internals (see docs/design.md)
GLUON_PRIVATE = {"_children", "_reg_params", "_params", "_data", "_grad", "_deferred_init",
                 "_cached_op", "_cached_graph", "_active", "_collect_params_with_prefix",
                 "_kwargs", "_forward_hooks", "_forward_pre_hooks", "_grad_req", "_shape",
                 "_init_impl", "_init_grad", "_ctx_list", "_ctx_map", "_prefix", "_scope"}


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _top_level_imports(path: pathlib.Path):
    """Package modules imported at import time (module level, not inside functions)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")
            base = base[: len(base) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists() \
                    or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else target
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("l10_params"):
                    yield alias.name


def test_no_import_circle():
    graph = {_module_name(p): set(_top_level_imports(p)) for p in MODULES}
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    state, stack = {}, []

    def visit(m):
        state[m] = "active"
        stack.append(m)
        for d in sorted(graph[m]):
            # a package's __init__ importing its own submodules is not a circle
            if m == "l10_params" or (d == m.rsplit(".", 1)[0] and d != "l10_params"):
                continue
            if state.get(d) == "active":
                circle = stack[stack.index(d):] + [d]
                pytest.fail("import circle: " + " -> ".join(circle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_fits_in_one_sitting(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= 250, f"{path.name} has {n} lines; split it by concept (limit 250)"


def _private_writes(tree):
    """(line, text) of every assignment to, or setattr of, a Gluon-private attribute."""
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for t in targets:
            while isinstance(t, ast.Subscript):
                t = t.value
            if isinstance(t, ast.Attribute) and t.attr in GLUON_PRIVATE:
                yield node.lineno, ast.unparse(node)[:80]
        if isinstance(node, ast.Call):
            fn = ast.unparse(node.func)
            if fn in ("setattr", "object.__setattr__", "delattr") and len(node.args) >= 2 \
                    and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value in GLUON_PRIVATE:
                yield node.lineno, ast.unparse(node)[:80]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_writes_to_gluon_private_attributes(path):
    found = list(_private_writes(ast.parse(path.read_text(encoding="utf-8"))))
    assert not found, f"{path.name} writes MXNet's private attributes: {found}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_boundary_reads_gluon_internals(path):
    if path.relative_to(PACKAGE).parts[0] in BOUNDARY:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reads = sorted({(n.lineno, n.attr) for n in ast.walk(tree)
                    if isinstance(n, ast.Attribute) and n.attr in GLUON_PRIVATE
                    and not (isinstance(n.value, ast.Name) and n.value.id == "self")})
    assert not reads, (f"{path.name} reads Gluon internals {reads}; ask _gluon.py for them "
                       "(the one module that reads MXNet's private parts)")


def test_the_writes_check_can_fail():
    bad = ast.parse("b._children['x'] = c\nobject.__setattr__(b, '_active', False)\n"
                    "p._data[0][:] = 1\n")
    assert len(list(_private_writes(bad))) == 3


@pytest.mark.parametrize("step", all_steps(), ids=lambda s: s.key)
def test_step_code_compiles(step):
    compile(step.code, f"<step {step.key}>", "exec")


def test_step_code_is_lint_clean(tmp_path):
    """The steps as one script, in order, after the names the tour's namespace provides."""
    head = ("# ruff: noqa: E402\nimport mxnet as mx  # noqa: F401\nimport numpy as np  # noqa: F401\n"
            "from mxnet import autograd, gluon, init, nd  # noqa: F401\n"
            "from mxnet.gluon import nn  # noqa: F401\n"
            "import l10_params  # noqa: F401\nfrom l10_params import *  # noqa: F403\nctx = None\n")
    body = "\n".join(f"# step {s.key}\n{s.code}\n" for s in all_steps())
    script = tmp_path / "tour_steps.py"
    script.write_text(head + body, encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--isolated",
                          "--select", "E,F,W,B", "--ignore", "E501,F405,B018",
                          str(script)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
