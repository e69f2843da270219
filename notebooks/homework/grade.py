"""Build the homework and grade four sample submissions with nbgrader (``make homework``).

1. ``nbgrader generate_assignment params``: the student version, solutions removed, in
   ``<build>/release/params/``; the assignment and its graded cells in the SQLite gradebook
   ``<build>/gradebook.db``.
2. The samples, as ``<build>/submitted/<name>/params/params.ipynb``: ``solution`` (the source
   notebook), ``untouched`` (the student version as released), ``partial`` (a partly solved
   one, kept in ``tests/homework/partial.ipynb``, saved with cells run out of order) and
   ``syntax`` (the solution with a syntax error in exercise 1's answer cell).
3. ``nbgrader autograde params``: each submission runs in a fresh ``l10-params`` kernel.
4. ``nbgrader generate_feedback params --student partial``: the HTML that student reads.

Prints ``NAME: SCORE / MAX`` (autograded points) per submission and checks each against
``EXPECTED``. Exit status: 0 when every score is as expected, 1 on a mismatch or a missing
submission, 2 when nbgrader itself fails or the kernel is not the venv's.

    python notebooks/homework/grade.py [--build DIR] [--samples DIR] [--only NAME ...] [--json FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import shutil
import sys
import time
import warnings

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
ASSIGNMENT, NOTEBOOK, KERNEL = "params", "params.ipynb", "l10-params"
SOURCE = HERE / "source" / ASSIGNMENT / NOTEBOOK
# Autograded points each sample must earn (of 17; the written answer, 2 points, is graded by
# hand). partial: 1 (ex. 1, selected but not frozen) + 2 (ex. 2, fan-out instead of fan-in)
# + 3 (ex. 3) + 0 (ex. 4, layers not tied) + 1 (ex. 5.1) + 0 (ex. 5.3 not done).
# syntax: everything but the 2 points of exercise 1, whose answer cell does not parse.
EXPECTED = {"solution": 17, "untouched": 0, "partial": 7, "syntax": 15}
GENERATED = ("solution", "untouched", "syntax")  # made here; the others are kept in --samples


class GradingError(Exception):
    """nbgrader failed, or cannot run with the project's kernel: exit status 2."""


def kernel_problem() -> str:
    """Why the ``l10-params`` kernel cannot grade (not registered, another Python), or ''."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        return (f"kernel {KERNEL!r} is not registered; run `make install`, which runs "
                f"{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL}")
    exe = pathlib.Path(spec.argv[0])
    if exe.parent != pathlib.Path(sys.executable).parent:
        return (f"kernel {KERNEL!r} runs {exe}, not this environment's Python "
                f"({sys.executable}); re-register it with `make install`")
    return ""


def _alembic_head_in_process() -> None:
    """Let a new gradebook learn its schema version here, not from an ``alembic`` process.

    nbgrader stamps a new SQLite gradebook with ``alembic heads``, run as a subprocess that
    imports nbgrader again (6 to 10 seconds). The head is the same one read from nbgrader's own
    migration scripts in this process; if that fails, nbgrader's subprocess runs as before.
    """
    import nbgrader.api
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(pathlib.Path(nbgrader.api.__file__).parent
                                               / "alembic"))
    try:
        head = ScriptDirectory.from_config(cfg).get_current_head()
    except Exception:  # noqa: BLE001 (any failure: keep nbgrader's own way)
        return
    if head:
        nbgrader.api.get_alembic_version = lambda: head


class Course:
    """nbgrader's own API in this process, configured by ``nbgrader_config.py`` for ``build``.

    The same converters as the ``nbgrader`` commands, with one import of nbgrader (about 6
    seconds) instead of one per command. Each step's log goes to ``<build>/nbgrader.log``.
    """

    def __init__(self, build: pathlib.Path):
        from nbgrader.apps import NbGraderAPI
        from sqlalchemy.exc import SAWarning
        from traitlets.config.loader import PyFileConfigLoader

        # nbgrader's own gradebook code warns "Object ... not in session" on every autograde
        warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.")
        self.build = build
        os.environ["L10_HOMEWORK_BUILD"] = str(build)  # read by nbgrader_config.py
        # nbgrader runs `alembic` (the gradebook's migrations) from PATH: the venv's bin first
        os.environ["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent),
                                              os.environ.get("PATH", "")])
        _alembic_head_in_process()
        config = PyFileConfigLoader("nbgrader_config.py", path=str(HERE)).load_config()
        self.api = NbGraderAPI(config=config)

    def __call__(self, step: str, *args) -> None:
        """Run ``api.<step>(*args)``, e.g. ``("autograde", "params", "partial")``."""
        result = getattr(self.api, step)(*args)
        text = (result.get("log") or "") + (result.get("error") or "")
        with open(self.build / "nbgrader.log", "a", encoding="utf-8") as log:
            log.write(f"$ nbgrader {step} {' '.join(args)}\n{text}\n")
        if not result["success"]:
            tail = "\n".join(text.strip().splitlines()[-15:])
            raise GradingError(f"nbgrader {step} {' '.join(args)} failed; its last lines (all "
                               f"in {self.build / 'nbgrader.log'}):\n{tail}")


def break_syntax(nb: dict, grade_id: str = "ex1-solution") -> dict:
    """``nb`` with the answer cell ``grade_id`` made unparsable (an unclosed parenthesis)."""
    cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id")
                == grade_id)
    cell["source"] = "BIAS_PATTERN = '.*bias'\nfreeze(net, BIAS_PATTERN\n"
    return nb


def find_missing(samples: pathlib.Path, names) -> list:
    """One line for each kept sample (not generated here) whose file does not exist."""
    paths = {name: samples / f"{name}.ipynb" for name in names if name not in GENERATED}
    return [f"{name}: missing submission: {path} does not exist, so it cannot earn its "
            f"{EXPECTED.get(name, '?')} points" for name, path in paths.items()
            if not path.is_file()]


def make_submissions(build: pathlib.Path, samples: pathlib.Path, names) -> None:
    """Write each sample to ``<build>/submitted/<name>/params/params.ipynb``."""
    release = build / "release" / ASSIGNMENT / NOTEBOOK
    for name in names:
        if name == "solution":
            nb = json.loads(SOURCE.read_text(encoding="utf-8"))
        elif name == "untouched":
            nb = json.loads(release.read_text(encoding="utf-8"))
        elif name == "syntax":
            nb = break_syntax(json.loads(SOURCE.read_text(encoding="utf-8")))
        else:
            nb = json.loads((samples / f"{name}.ipynb").read_text(encoding="utf-8"))
        dest = build / "submitted" / name / ASSIGNMENT / NOTEBOOK
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_scores(build: pathlib.Path, names) -> dict:
    """``{name: {"score", "max", "cells": {grade_id: points}}}`` from the gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook(f"sqlite:///{build / 'gradebook.db'}", "l10-params") as gb:
        for name in names:
            sub = gb.find_submission(ASSIGNMENT, name)
            cells = {g.name: g.score for nb in sub.notebooks for g in nb.grades
                     if g.cell_type == "code"}
            out[name] = {"score": sub.code_score, "max": sub.max_code_score, "cells": cells,
                         "manual_max": sub.max_written_score}
    return out


def grade(build: pathlib.Path, samples: pathlib.Path, names) -> dict:
    """Generate, autograde and write feedback; the result as ``main`` prints it."""
    if build.exists():
        shutil.rmtree(build)
    build.mkdir(parents=True)
    missing = find_missing(samples, names)
    present = [n for n in names if not any(m.startswith(f"{n}:") for m in missing)]
    scores, feedback = {}, None
    if present:
        problem = kernel_problem()
        if problem:
            raise GradingError(problem)
        nbgrader = Course(build)
        nbgrader("generate_assignment", ASSIGNMENT)
        make_submissions(build, samples, present)
        for name in present:  # each in a fresh kernel; a failing cell does not stop it
            nbgrader("autograde", ASSIGNMENT, name)
        scores = read_scores(build, present)
        if "partial" in present:
            nbgrader("generate_feedback", ASSIGNMENT, "partial")
            feedback = build / "feedback" / "partial" / ASSIGNMENT / "params.html"
    return {"scores": scores, "missing": missing,
            "feedback": str(feedback) if feedback and feedback.is_file() else None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=pathlib.Path, default=REPO / "build" / "homework",
                    help="the build folder (deleted and rebuilt); default build/homework")
    ap.add_argument("--samples", type=pathlib.Path, default=REPO / "tests" / "homework",
                    help="where the kept submissions are (partial.ipynb)")
    ap.add_argument("--only", nargs="+", choices=sorted(EXPECTED), default=list(EXPECTED),
                    help="grade only these samples")
    ap.add_argument("--json", type=pathlib.Path, help="also write the result as JSON here")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    try:
        result = grade(args.build.resolve(), args.samples.resolve(), args.only)
    except GradingError as e:
        print(f"homework: grading failed: {e}", file=sys.stderr)
        return 2
    status = 1 if result["missing"] else 0
    for line in result["missing"]:
        print(line)
    for name, s in result["scores"].items():
        s["expected"] = EXPECTED[name]
        ok = abs(s["score"] - EXPECTED[name]) < 1e-9
        print(f"{name}: {s['score']:g} / {s['max']:g}"
              + ("" if ok else f"  MISMATCH: expected {EXPECTED[name]:g}"))
        if not ok:
            status = 1
            lost = [f"{k} {v:g}" for k, v in s["cells"].items() if v]
            print(f"  cells that earned points: {', '.join(lost) or 'none'}")
    if result["scores"]:
        any_s = next(iter(result["scores"].values()))
        print(f"(autograded points; {any_s['manual_max']:g} more for the written answer are "
              f"graded by hand; {time.perf_counter() - start:.0f} s)")
    if result["feedback"]:
        print(f"feedback for partial: {result['feedback']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
