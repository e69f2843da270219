"""`make bench`: autograding the homework, one submission at a time against two at a time.

40 submissions are generated from the catalogue of ``tests/homework/`` (correct ones and
ones with mistakes, cycled; the endless loop and the empty notebook left out: one waits for
the time limit, the other runs nothing) into two fresh course directories, and each is
graded by ``grade.py course`` as an instructor runs it (``make grade``): once with
``--jobs 1``, once with ``--jobs 2``. The figures are the grading phase that ``grade.py``
reports ("graded N in S s": every kernel, every gradebook write), and the whole command
(with its start: importing nbgrader, creating the gradebook). A projection for a class of
300 follows from the seconds per submission. Run alone (about 5 minutes):
``.venv/bin/python benchmarks/grading.py``.
"""
from __future__ import annotations

import json
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from typing import List, Tuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
GRADE = ROOT / "notebooks" / "homework" / "grade.py"
CATALOGUE = ROOT / "tests" / "homework"
LEFT_OUT = {"endless-loop", "empty"}
N, CLASS = 40, 300
TARGET = 1.7  # at least this much faster with 2 jobs


def make_course(root: pathlib.Path, n: int = N) -> None:
    kinds = sorted(p for p in CATALOGUE.glob("*.ipynb") if p.stem not in LEFT_OUT)
    for i in range(n):
        src = kinds[i % len(kinds)]
        dest = root / "submitted" / f"s{i:03d}-{src.stem}" / "params" / "params.ipynb"
        dest.parent.mkdir(parents=True)
        shutil.copy(src, dest)


def _cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process waited for: the
    return use.ru_utime + use.ru_stime                   # command, its workers, their kernels


def grade(root: pathlib.Path, jobs: int) -> Tuple[float, float, float]:
    """(seconds of the grading phase, seconds of the whole command, CPU seconds of all its
    processes)."""
    start, cpu = time.perf_counter(), _cpu()
    run = subprocess.run([sys.executable, str(GRADE), "course", "--course", str(root),
                          "--jobs", str(jobs), "--json", str(root / "result.json")],
                         capture_output=True, text=True)
    whole, cpu = time.perf_counter() - start, _cpu() - cpu
    if run.returncode != 0:
        raise RuntimeError(f"grade.py course --jobs {jobs} failed:\n{run.stdout}\n{run.stderr}")
    result = json.loads((root / "result.json").read_text())
    graded = [k for k, v in result["graded"].items() if "error" not in v]
    if len(graded) != N:
        raise RuntimeError(f"graded {len(graded)} of {N}: {run.stdout}")
    return result["seconds"], whole, cpu


def grading() -> Tuple[List[tuple], str]:
    """The row for benchmarks/run.py's table and the lines of the projection."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="l10-grading-") as tmp:
        times = {}
        for jobs in (1, 2):
            course = pathlib.Path(tmp) / f"jobs{jobs}"
            make_course(course)
            times[jobs] = grade(course, jobs)
    (s1, w1, c1), (s2, w2, c2) = times[1], times[2]
    ratio = s2 / s1
    row = (f"homework grading, {N} submissions: 2 jobs vs 1 (>= {TARGET:g}x faster)",
           f"jobs 2 {s2 / N:.1f} s / jobs 1 {s1 / N:.1f} s per submission", ratio,
           f"<= {1 / TARGET:.2f}x", ratio <= 1 / TARGET)
    text = (f"Homework grading ({N} submissions cycled from tests/homework, {os.cpu_count()} "
            f"cores): one at a time {s1 / N:.1f} s per submission ({s1:.0f} s, {w1:.0f} s with "
            f"the command's start); two at a time {s2 / N:.1f} s ({s2:.0f} s, {w2:.0f} s): "
            f"{s1 / s2:.2f}x faster. CPU time of all the processes per submission: "
            f"{c1 / N:.1f} s and {c2 / N:.1f} s (load average {load:.1f} at the start: other "
            f"work on the machine takes cores from both runs, more from the one that needs "
            f"two).\nA class of {CLASS}: about {CLASS * s1 / N / 60:.0f} min "
            f"one at a time, {CLASS * s2 / N / 60:.0f} min with `make grade JOBS=2` on this "
            f"machine (a machine with c cores: about {CLASS * s1 / N / 60:.0f}/c min).")
    return [row], text


def main() -> int:
    rows, text = grading()
    for case, what, ratio, target, met in rows:
        print(f"{case}: {what}: {ratio:.2f} (target {target}){'' if met else '  MISS'}")
    print(text)
    return 0


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help only
    sys.exit(main())
