"""The house rules of docs/design.md, checked on the source itself.

- Layers: the table "Layers" in docs/design.md gives every module a rank; a module imports
  (at the top or inside a function) only modules of a lower rank, or of its own package.
  No import circle.
- The boundary with MXNet: the table "Private attributes read" in docs/design.md is the
  complete list of MXNet's private attributes the package reads. Only ``_gluon/`` reads them,
  it reads exactly those, and nothing anywhere writes them (assignment, ``setattr``,
  ``delattr``) or calls a private method of MXNet.
- The tour's step code compiles and is lint-clean.
- No code, test, notebook or doc cites a tracker's number ("issue N"): it says what it means.
"""
import ast
import pathlib
import re
import subprocess
import sys

import pytest

from l10_params.tour import all_steps

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "l10_params"
DESIGN = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
MODULES = sorted(PACKAGE.rglob("*.py"))
# Jupyter's display protocol, asked of our own results: not MXNet's
NOT_MXNET = {"_repr_html_", "_repr_pretty_"}


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _section(title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", DESIGN, re.S | re.M)
    assert m, f"docs/design.md has no section '## {title}'"
    return m.group(1)


def _table_rows(text: str):
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and not set(cells[0]) <= set("-: "):
            yield cells


def layer_ranks():
    """``{module or package: rank}`` from docs/design.md's Layers table (first column the
    rank, second the modules in backticks; a package is written ``name/``)."""
    ranks = {}
    for cells in _table_rows(_section("Layers")):
        if not cells[0].isdigit():
            continue
        for name in re.findall(r"`([^`]+)`", cells[1]):
            ranks["l10_params." + re.sub(r"\.py$", "", name.rstrip("/")).replace("/", ".")] = \
                int(cells[0])
    return ranks


def documented_private():
    """``{attribute: owner}`` from docs/design.md's table of private attributes read."""
    out = {}
    for cells in _table_rows(_section("The boundary with MXNet")):
        names = re.findall(r"`(_\w+)`", cells[0])
        out.update({n: cells[1] for n in names})
    return out


def _imports(path: pathlib.Path):
    """Every package module ``path`` imports, at the top or inside a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield sub if (ROOT / (sub.replace(".", "/") + ".py")).exists() \
                    or (ROOT / sub.replace(".", "/")).is_dir() else target
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("l10_params"):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("l10_params"))


def _rank_of(module: str, ranks) -> "int | None":
    while module:
        if module in ranks:
            return ranks[module]
        module = module.rpartition(".")[0]
    return None


def test_every_module_has_a_layer():
    ranks = layer_ranks()
    missing = [_module_name(p) for p in MODULES
               if _rank_of(_module_name(p), ranks) is None and _module_name(p) != "l10_params"]
    assert not missing, f"docs/design.md's Layers table does not place {missing}"
    listed_but_gone = [m for m in ranks
                       if not (ROOT / (m.replace(".", "/") + ".py")).exists()
                       and not (ROOT / m.replace(".", "/")).is_dir()]
    assert not listed_but_gone, f"docs/design.md's Layers table names {listed_but_gone}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_calls_go_downhill(path):
    ranks, me = layer_ranks(), _module_name(path)
    if me == "l10_params":  # the package's face imports everything it re-exports
        return
    mine = _rank_of(me, ranks)
    own_package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    for dep in set(_imports(path)):
        if dep == "l10_params" or dep.startswith(own_package + ".") or dep == own_package \
                and own_package != "l10_params":
            continue
        theirs = _rank_of(dep, ranks)
        assert theirs is not None and theirs < mine, (
            f"{me} (layer {mine}) imports {dep} (layer {theirs}): calls go downhill only; "
            "see docs/design.md, Layers")


def test_no_import_circle():
    graph = {_module_name(p): set(_imports(p)) for p in MODULES}
    graph = {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}
    state, stack = {}, []

    def visit(m):
        state[m] = "active"
        stack.append(m)
        for d in sorted(graph[m]):
            if m == "l10_params" or (d == m.rsplit(".", 1)[0] and d != "l10_params"):
                continue  # a package's __init__ importing its own submodules
            if state.get(d) == "active":
                pytest.fail("import circle: " + " -> ".join(stack[stack.index(d):] + [d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m)


def _own_names():
    """Names the package defines itself (functions, classes, attributes, variables)."""
    own = set()
    for path in MODULES:
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
                own.add(n.name)
            elif isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Store):
                own.add(n.attr)
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                own.add(n.id)
            elif isinstance(n, ast.alias):
                own.add(n.asname or n.name.split(".")[0])
    return own


def _written(tree):
    """The Attribute nodes that are assigned to or deleted (``a._x = 1``, ``a._x[0] = 1``)."""
    out = set()
    for n in ast.walk(tree):
        targets = []
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
        elif isinstance(n, ast.Delete):
            targets = n.targets
        for t in targets:
            while isinstance(t, ast.Subscript):
                t = t.value
            if isinstance(t, ast.Attribute):
                out.add(id(t))
    return out


def private_uses(tree, own, strings=frozenset()):
    """``(line, name, how)`` for every private name of someone else the code touches:
    ``obj._x`` (not of self), ``setattr``/``getattr(obj, '_x')``, and a string ``'_x'``
    that names one (any such string where ``strings`` is None, else those in ``strings``:
    a ``getattr`` in a loop over names reads through strings)."""
    written = _written(tree)
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__"):
            if isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"):
                continue
            if n.attr in own or n.attr in NOT_MXNET:
                continue
            how = "write" if isinstance(n.ctx, (ast.Store, ast.Del)) or id(n) in written \
                else "read"
            yield n.lineno, n.attr, how
        elif isinstance(n, ast.Call) and ast.unparse(n.func) in (
                "setattr", "delattr", "object.__setattr__") and len(n.args) >= 2 \
                and isinstance(n.args[1], ast.Constant) and str(n.args[1].value).startswith("_"):
            yield n.lineno, n.args[1].value, "write"
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) \
                and re.fullmatch(r"_[A-Za-z]\w*", n.value) and not n.value.endswith("__") \
                and n.value not in own and n.value not in NOT_MXNET \
                and (strings is None or n.value in strings):
            yield n.lineno, n.value, "named in a string"


@pytest.fixture(scope="module")
def own():
    return _own_names()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_gluon_reads_mxnet_internals_and_nobody_writes_them(path, own):
    inside = path.relative_to(PACKAGE).parts[0] == "_gluon"
    # outside _gluon a string is flagged when it names a documented attribute (message text
    # may quote MXNet's method names, such as '_init_weight', without touching them)
    uses = list(private_uses(ast.parse(path.read_text(encoding="utf-8")), own,
                             None if inside else frozenset(documented_private())))
    writes = [u for u in uses if u[2] == "write"]
    assert not writes, f"{path.name} writes MXNet's private attributes: {writes}"
    if not inside:
        assert not uses, (f"{path.relative_to(PACKAGE)} touches MXNet's private parts {uses}; "
                          "ask _gluon for them (the one package that reads them)")


def test_gluon_reads_exactly_the_documented_list(own):
    read = set()
    for path in (PACKAGE / "_gluon").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        read |= {u[1] for u in private_uses(tree, own, None)}
    documented = set(documented_private())
    assert read - documented == set(), f"read but not in docs/design.md: {read - documented}"
    assert documented - read == set(), f"in docs/design.md but not read: {documented - read}"


def test_the_boundary_check_can_fail(own):
    bad = ast.parse("b._children['x'] = c\nobject.__setattr__(b, '_active', False)\n"
                    "v = getattr(p, '_data')\nw = p._grad\ntrainer._init_kvstore()\n")
    found = list(private_uses(bad, own, None))
    assert {u[1] for u in found} == {"_children", "_active", "_data", "_grad", "_init_kvstore"}
    assert {(u[1], u[2]) for u in found} >= {("_children", "write"), ("_active", "write"),
                                             ("_data", "named in a string"), ("_grad", "read")}


def test_the_layer_check_can_fail():
    ranks = layer_ranks()
    assert _rank_of("l10_params._gluon.params", ranks) < _rank_of("l10_params.access", ranks)
    assert _rank_of("l10_params.access", ranks) < _rank_of("l10_params.testing.values", ranks)


@pytest.mark.parametrize("step", all_steps(), ids=lambda s: s.key)
def test_step_code_compiles(step):
    compile(step.code, f"<step {step.key}>", "exec")


@pytest.mark.parametrize("step", all_steps(), ids=lambda s: s.key)
def test_step_code_fits_80_columns_with_the_tours_indent(step):
    """Code is printed as it runs, never wrapped: 76 characters and the tour's indent of 4."""
    long = [line for line in step.code.splitlines() if len(line) > 76]
    assert not long, long


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


# -- words for a reader of the repository --------------------------------------------------

TRACKER_REF = re.compile(r"\b(issue|ticket|task)s? ?#?\d+\b", re.I)
READ = ["l10_params", "tests", "tools", "benchmarks", "notebooks", "docs", ".ci"]
READ_FILES = ["README.md", "Makefile", "pyproject.toml", "setup.py", "_l10_params_cli.py",
              "_l10_params_numpy_shim.py"]


def _repository_texts():
    for top in READ:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".md", ".ipynb", ".json", ".tpl", ""} \
                    and "__pycache__" not in path.parts:
                yield path
    yield from (ROOT / name for name in READ_FILES)


def test_no_text_cites_a_tracker_number():
    """Code, tests, notebooks and docs say what they mean, not "as in issue N" with N a number."""
    found = []
    for path in _repository_texts():
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}: {m.group(0)!r}" for m in TRACKER_REF.finditer(text)]
    assert not found, "\n".join(found)


def test_the_tracker_check_can_fail():
    number = "9"  # written apart, so that this file passes its own check
    assert TRACKER_REF.search("fixed as in issue " + number)
    assert TRACKER_REF.search("see Issue #" + number + "2")
    assert not TRACKER_REF.search("an issue with 2 devices") and not TRACKER_REF.search("tissue 3")
