"""Executions of the notebooks, shared by test_notebooks.py and test_publish.py.

Each notebook is run twice in one kernel once per pytest session (``runs_twice``); the
first run is also what the publishing tests turn into decks and pages, so no notebook is
executed again just to publish it.
"""
from __future__ import annotations

import functools
import importlib.util
import pathlib

import nbformat
from jupyter_client.kernelspec import KernelSpecManager

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
KERNEL = "l10-params"


def _load_publish():
    spec = importlib.util.spec_from_file_location("l10_publish", NOTEBOOKS / "publish.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


publish = _load_publish()
PATHS = publish.notebook_paths()


def kernel_available() -> bool:
    return KERNEL in KernelSpecManager().find_kernel_specs()


def read(path):
    return nbformat.read(str(path), as_version=4)


def text(cell) -> str:
    """The text a code cell printed or returned (streams and text/plain)."""
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append(o["text"])
        elif "data" in o:
            out.append(o["data"].get("text/plain", ""))
    return "".join(out)


def code_texts(nb):
    return [text(c) for c in nb.cells if c.cell_type == "code"]


def inject(nb, source: str):
    """Insert a cell after the ``parameters`` cell, as papermill does; returns its index."""
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(i + 1, cell)
    return i + 1


@functools.lru_cache(maxsize=None)
def runs_twice(name: str):
    """The notebook ``name`` after a first and a second run in one kernel."""
    return tuple(publish.execute(read(NOTEBOOKS / name), runs=2))
