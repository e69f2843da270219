"""Execute every notebook in notebooks/ with the venv's kernel ('l10-params').

Each notebook runs twice in one kernel (a re-run must show the same names and numbers),
and also runs with a context injected after its `parameters` cell, as
papermill does, and with $L10_PARAMS_CTX set.
"""
import json
import pathlib
import re

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

NOTEBOOKS = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
KERNEL = "l10-params"

pytestmark = pytest.mark.notebook


def _kernel_available():
    return KERNEL in KernelSpecManager().find_kernel_specs()


def _text(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o["text"])
        elif "data" in o:
            out.append(o["data"].get("text/plain", ""))
    return "".join(out)


def execute(path, *, runs=1, inject=None):
    """Run the notebook ``runs`` times in one kernel; return the code cells' text per run."""
    nb = nbformat.read(str(path), as_version=4)
    if inject is not None:
        i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
        cell = nbformat.v4.new_code_cell(inject)
        cell.metadata["tags"] = ["injected-parameters"]
        nb.cells.insert(i + 1, cell)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=600,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    runs_text = []
    with client.setup_kernel():
        for _ in range(runs):
            for i, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, i)
            runs_text.append([_text(c) for c in nb.cells if c.cell_type == "code"])
    return nb, runs_text


def test_notebooks_exist():
    assert [p.name for p in PATHS][:1] == ["01-access.ipynb"]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_committed_clean(path):
    """Committed without outputs, bilingual markdown, and a tagged parameters cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1 and "ctx = None" in "".join(params[0]["source"])
    for c in nb["cells"]:
        if c["cell_type"] == "markdown":
            text = "".join(c["source"])
            assert re.search(r"[\u4e00-\u9fff]", text), f"markdown without 中文: {text[:60]!r}"


needs_kernel = pytest.mark.skipif(not _kernel_available(),
                                  reason="kernel 'l10-params' is not installed; run `make install`")


@needs_kernel
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_runs_twice_in_one_kernel(path):
    """Top to bottom, then again in the same kernel: the second run prints the same text."""
    _, texts = execute(path, runs=2)
    assert texts[0] == texts[1], "a second run in the same kernel printed something else"
    assert "dense0_weight" in "".join(texts[1])


@needs_kernel
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_runs_on_two_devices_injected(path):
    _, texts = execute(path, inject='ctx = "cpu:0,cpu:1"')
    assert "cpu(0), cpu(1)" in "".join(texts[0])


@needs_kernel
def test_env_ctx_reaches_notebook(monkeypatch):
    monkeypatch.setenv("L10_PARAMS_CTX", "cpu:1")
    _, texts = execute(NOTEBOOKS / "01-access.ipynb")
    assert "cpu(1) ($L10_PARAMS_CTX)" in "".join(texts[0])
