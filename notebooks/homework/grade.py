"""Grade the homework with nbgrader: sample submissions (``make homework``) or a course
(``make grade``).

``python notebooks/homework/grade.py [samples]`` (``make homework``) works in its own folder,
``build/homework-samples/``, never in the course directory:

1. ``nbgrader generate_assignment params``: the student version, solutions removed, in
   ``release/params/``, and the assignment in the folder's SQLite gradebook.
2. The samples, as ``submitted/<name>/params/params.ipynb``: ``solution`` (the source
   notebook), ``untouched`` (the student version as released), ``partial`` (a partly solved
   one, kept in ``tests/homework/partial.ipynb``) and ``syntax`` (the solution with a syntax
   error in exercise 1's answer cell).
3. Autograde them (in parallel, see ``course``) and write each one's feedback HTML.

It prints ``NAME: SCORE / MAX`` (autograded points) per sample and checks each against
``EXPECTED``. The folder is emptied first, but only of what an earlier sample run wrote
(``.l10-samples.json`` lists every file with its checksum): a file it did not write, or one
changed since, stops the run with its name, and nothing is deleted.

``python notebooks/homework/grade.py course [--jobs N]`` (``make grade``) autogrades every
collected submission of the course directory ``build/homework/``
(``submitted/<student>/params/params.ipynb``) into its gradebook, ``N`` at a time, each in its
own kernel (``autograde.py``). Submissions already graded are skipped, so a run that was
stopped is finished by running it again; ``--regrade NAME`` grades one again (its hand grades
stay), ``--feedback`` writes the feedback HTML of the students graded in this run where none
exists yet. Nothing is deleted or overwritten.

Exit status: 0 when every sample scores as expected / every submission was graded; 1 on a
mismatch, a missing sample or no submission; 2 when nbgrader itself fails, the kernel is not
the venv's, or a folder holds files the run will not touch.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from autograde import (  # noqa: E402
    ASSIGNMENT,
    NOTEBOOK,
    Course,
    GradingError,
    autograde_all,
    changed_since_graded,
    graded,
    kernel_problem,
    misplaced,
    submissions,
)

SOURCE = HERE / "source" / ASSIGNMENT / NOTEBOOK
SAMPLES_BUILD = REPO / "build" / "homework-samples"
COURSE = REPO / "build" / "homework"
MANIFEST = ".l10-samples.json"
# Autograded points each sample must earn (of 17; the written answer, 2 points, is graded by
# hand). untouched: 1 (ex. 3's nets are not tied: true of a student who did nothing there, and
# the one test that cannot tell; every other test needs the student's code).
# partial: 1 (ex. 1, selected but not frozen) + 2 (ex. 2, fan-out instead of fan-in: its
# initializer was used, its spread is wrong) + 3 (ex. 3) + 2 (ex. 4: equal values, not tied;
# its gradient is right) + 1 (ex. 5.1) + 0 (ex. 5.3 not done).
# syntax: everything but the 2 points of exercise 1, whose answer cell does not parse.
EXPECTED = {"solution": 17, "untouched": 1, "partial": 9, "syntax": 15}
GENERATED = ("solution", "untouched", "syntax")  # made here; the others are kept in --samples


def _jobs(n: int) -> str:
    return f"{n} job" + ("s" if n != 1 else "")


def default_jobs() -> int:
    return max(1, min(4, os.cpu_count() or 1))


# -- the samples' own folder ----------------------------------------------------------------

def _sha(path: pathlib.Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: pathlib.Path):
    return sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def clear_samples(build: pathlib.Path) -> None:
    """Delete what the previous sample run wrote in ``build``, and nothing else.

    Every file must be listed in ``build/.l10-samples.json`` with the checksum it had when
    that run ended; otherwise (a file someone put there or changed, a folder no sample run
    made) nothing is deleted and a :class:`GradingError` names the files.
    """
    if not build.exists():
        return
    files = _files(build)
    if not files:
        return
    manifest = build / MANIFEST
    known = {}
    if manifest.is_file():
        known = json.loads(manifest.read_text(encoding="utf-8")).get("files", {})
    foreign = [p for p in files if p != manifest
               and known.get(p.relative_to(build).as_posix()) != _sha(p)]
    if foreign or not manifest.is_file():
        shown = ", ".join(str(p.relative_to(build)) for p in (foreign or files)[:5])
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        one = len(foreign or files) == 1
        why = (f"{'was' if one else 'were'} not written by a sample run, or changed since"
               if manifest.is_file() else
               f"{'is' if one else 'are'} there, and no sample run recorded "
               f"{'it' if one else 'them'} ({MANIFEST} is missing)")
        raise GradingError(f"{build} is not only sample output: {shown}{more} {why}; nothing "
                           "was graded. Sample runs never delete what they did not write: move "
                           f"{'it' if one else 'those files'} away, or grade the samples "
                           "elsewhere: python notebooks/homework/grade.py --build DIR")
    for p in files:
        p.unlink()
    for d in sorted((p for p in build.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        d.rmdir()


def write_manifest(build: pathlib.Path) -> None:
    """List every file this run left in ``build`` with its checksum (see clear_samples)."""
    if not build.is_dir():
        return
    files = {p.relative_to(build).as_posix(): _sha(p) for p in _files(build)
             if p.name != MANIFEST}
    (build / MANIFEST).write_text(json.dumps({"written_by": "notebooks/homework/grade.py",
                                              "files": files}, indent=1) + "\n",
                                  encoding="utf-8")


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


def _line(name: str, s: dict) -> str:
    notes = []
    if s.get("timed_out"):
        notes.append(f"stopped by the {s['limit']} s limit: {', '.join(s['timed_out'])}")
    if s.get("missing_tests"):
        notes.append(f"its notebook lacks {len(s['missing_tests'])} of the {len(s['cells'])} "
                     "test cells")
    return f"{name}: {s['score']:g} / {s['max']:g}" + "".join(f"  ({n})" for n in notes)


def grade_samples(build: pathlib.Path, samples: pathlib.Path, names, jobs: int) -> dict:
    """Generate, autograde and write feedback; the result as ``main`` prints it."""
    clear_samples(build)
    build.mkdir(parents=True, exist_ok=True)
    try:
        missing = find_missing(samples, names)
        present = [n for n in names if not any(m.startswith(f"{n}:") for m in missing)]
        scores = {}
        if present:
            problem = kernel_problem()
            if problem:
                raise GradingError(problem)
            course = Course(build)
            course.log("generate_assignment", (ASSIGNMENT,),
                       course.run("generate_assignment", ASSIGNMENT))
            make_submissions(build, samples, present)
            results = autograde_all(course, present, jobs, feedback=True)
            failed = {k: v["error"] for k, v in results.items() if "error" in v}
            if failed:
                raise GradingError("; ".join(f"{k}: {v}" for k, v in failed.items()))
            scores = {n: dict(results[n], limit=course.timeout) for n in present}
        return {"scores": scores, "missing": missing}
    finally:
        write_manifest(build)


def samples_main(args) -> int:
    start = time.perf_counter()
    try:
        result = grade_samples(args.build.resolve(), args.samples.resolve(), args.only,
                               args.jobs)
    except GradingError as e:
        print(f"homework: grading failed: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"homework: stopped; what this run wrote in {args.build} is listed in "
              f"{MANIFEST}, so the next run replaces it", file=sys.stderr)
        return 130
    status = 1 if result["missing"] else 0
    for line in result["missing"]:
        print(line)
    for name, s in result["scores"].items():
        s["expected"] = EXPECTED[name]
        ok = abs(s["score"] - EXPECTED[name]) < 1e-9
        print(_line(name, s) + ("" if ok else f"  MISMATCH: expected {EXPECTED[name]:g}"))
        if not ok:
            status = 1
            earned = [f"{k} {v:g}" for k, v in s["cells"].items() if v]
            print(f"  cells that earned points: {', '.join(earned) or 'none'}")
    if result["scores"]:
        any_s = next(iter(result["scores"].values()))
        print(f"(autograded points; {any_s['manual_max']:g} more for the written answer are "
              f"graded by hand; {time.perf_counter() - start:.0f} s, {args.jobs} at a time)")
        feedback = [s["feedback"] for s in result["scores"].values() if s.get("feedback")]
        if feedback:
            print(f"feedback: {pathlib.Path(feedback[0]).parent.parent.parent}/<name>/"
                  f"{ASSIGNMENT}/params.html")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return status


# -- a course -------------------------------------------------------------------------------

def grade_course(root: pathlib.Path, jobs: int, regrade=(), feedback: bool = False,
                 out=print) -> dict:
    """Autograde every submission of ``root`` not graded yet (and ``regrade``)."""
    students = submissions(root)
    for line in misplaced(root):
        out(line)
    if not students:
        where = root / "submitted"
        head = (f"no submissions in {where}:" if where.is_dir()
                else f"no submissions: {where} does not exist;")
        raise FileNotFoundError(
            f"{head} put each student's notebook at {root}/submitted/<student>/{ASSIGNMENT}/"
            f"{NOTEBOOK} (or use nbgrader collect)")
    unknown = [s for s in regrade if s not in students]
    if unknown:
        raise FileNotFoundError(f"--regrade {' '.join(unknown)}: no such submission in "
                                f"{root / 'submitted'} (there are: {', '.join(students[:10])})")
    problem = kernel_problem()
    if problem:
        raise GradingError(problem)
    course = Course(root)
    if not course.has_assignment():
        if (root / "release" / ASSIGNMENT).exists():
            raise GradingError(f"the gradebook {root / 'gradebook.db'} does not know the "
                               f"assignment {ASSIGNMENT!r}, but {root / 'release'} exists: "
                               "run `nbgrader generate_assignment params` from "
                               "notebooks/homework/ (it does not touch submissions)")
        out(f"creating the assignment in {root / 'gradebook.db'} "
            f"(nbgrader generate_assignment {ASSIGNMENT})")
        course.log("generate_assignment", (ASSIGNMENT,),
                   course.run("generate_assignment", ASSIGNMENT, force=False))
    done = graded(course, students)
    changed = [s for s in done if changed_since_graded(root, s) and s not in regrade]
    todo = [s for s in students if s not in done or s in regrade]
    out(f"{len(students)} submissions in {root / 'submitted'}: {len(done)} already graded, "
        f"{len(todo)} to grade with {_jobs(min(jobs, max(1, len(todo))))} "
        f"(each cell stops after {course.timeout} s)")
    for s in changed:
        out(f"{s}: handed in again after it was graded; `--regrade {s}` grades it again")

    def report(student, error, details):
        if error:
            out(f"{student}: grading failed: {error}")
        else:
            out(_line(student, dict(details, limit=course.timeout))
                + f"  ({details['seconds']:.0f} s)")

    if feedback and done and not regrade:
        out(f"feedback is written for the submissions graded in this run; for those graded "
            f"before: --regrade NAME --feedback, or nbgrader generate_feedback {ASSIGNMENT}")
    start = time.perf_counter()
    results = autograde_all(course, todo, jobs, feedback=feedback, on_result=report)
    took = time.perf_counter() - start
    if todo:
        out(f"graded {len(todo)} in {took:.0f} s ({took / len(todo):.1f} s per submission, "
            f"{_jobs(min(jobs, len(todo)))}); gradebook {root / 'gradebook.db'}")
    return {"graded": results, "skipped": sorted(done), "changed": changed, "seconds": took,
            "jobs": jobs}


def course_main(args) -> int:
    try:
        result = grade_course(args.course.resolve(), args.jobs, args.regrade, args.feedback)
    except FileNotFoundError as e:
        print(f"homework: {e}", file=sys.stderr)
        return 1
    except GradingError as e:
        print(f"homework: grading failed: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("homework: stopped; what was graded is in the gradebook, and running the same "
              "command again grades the rest", file=sys.stderr)
        return 130
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 2 if any("error" in v for v in result["graded"].values()) else 0


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("samples", "course", "-h", "--help"):
        argv.insert(0, "samples")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sp = sub.add_parser("samples", help="make homework: grade the sample submissions")
    sp.add_argument("--build", type=pathlib.Path, default=SAMPLES_BUILD,
                    help="the samples' own folder; default build/homework-samples")
    sp.add_argument("--samples", type=pathlib.Path, default=REPO / "tests" / "homework",
                    help="where the kept submissions are (partial.ipynb)")
    sp.add_argument("--only", nargs="+", choices=sorted(EXPECTED), default=list(EXPECTED),
                    help="grade only these samples")
    sp.add_argument("--jobs", type=int, default=default_jobs(),
                    help="submissions graded at once (default: the cores, at most 4)")
    sp.add_argument("--json", type=pathlib.Path, help="also write the result as JSON here")
    cp = sub.add_parser("course", help="make grade: autograde every collected submission")
    cp.add_argument("--course", type=pathlib.Path, default=COURSE,
                    help="the course directory; default build/homework")
    cp.add_argument("--jobs", type=int, default=default_jobs(),
                    help="submissions graded at once (default: the cores, at most 4)")
    cp.add_argument("--regrade", nargs="+", default=[], metavar="STUDENT",
                    help="grade these again even if graded (their hand grades stay)")
    cp.add_argument("--feedback", action="store_true",
                    help="write the feedback HTML of the students graded in this run")
    cp.add_argument("--json", type=pathlib.Path, help="also write the result as JSON here")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error(f"--jobs must be at least 1, not {args.jobs}")
    return samples_main(args) if args.command == "samples" else course_main(args)


if __name__ == "__main__":
    sys.exit(main())
