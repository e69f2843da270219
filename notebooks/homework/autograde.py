"""Autograde a course directory's submissions in parallel, each in its own kernel.

nbgrader 0.9 grades one submission at a time (``nbgrader autograde``), and most of that time
is a fresh kernel importing MXNet and running the notebook, which a second core could do for
another student. Here ``jobs`` worker processes each run nbgrader's own autograde, one
student after another, into the one gradebook of the course:

- **No lost or duplicated grade, no "database is locked".** nbgrader opens the SQLite
  gradebook through ``nbgrader.api.Gradebook`` and closes it after each short step (create
  the submission, read the source cells, save the scores). While grading, every process here
  holds an exclusive ``flock`` on the course directory from the moment it opens a
  ``Gradebook`` until it closes it (:func:`serialize_gradebook`), so at most one process
  touches the database at a time; kernels run in parallel, outside the lock. Each student is
  graded by exactly one worker (one queue).
- **Resumable.** A submission counts as graded when the gradebook holds a score for every
  autograded cell and its autograded notebook exists (:func:`graded`). A run grades only the
  others, so a run stopped half-way (Ctrl-C, a closed laptop) is finished by running it
  again, and nothing is graded twice. A submission changed after it was graded is reported,
  not regraded, unless asked (``regrade``).
- **Nothing a person made is overwritten.** Submissions are only read; scores are added to
  the gradebook, never removed (nbgrader keeps a hand grade when it autogrades again, and
  marks the cell for review); feedback is written only where none exists yet.

The nbgrader configuration is ``nbgrader_config.py`` beside this file, for the course
directory in ``$L10_HOMEWORK_BUILD``.
"""
from __future__ import annotations

import contextlib
import glob
import json
import logging
import multiprocessing
import os
import pathlib
import queue
import signal
import stat
import sys
import time
import warnings
from typing import Dict, Iterable, List, Optional

HERE = pathlib.Path(__file__).resolve().parent
ASSIGNMENT, NOTEBOOK, KERNEL = "params", "params.ipynb", "l10-params"


class GradingError(Exception):
    """nbgrader failed, or cannot run with the project's kernel: exit status 2."""


# -- the gradebook, one process at a time ---------------------------------------------------

class CourseLock:
    """An exclusive ``flock`` on the course directory, re-entrant within one process.

    Every grading process of one course takes it around each use of the gradebook; the
    directory itself is locked, so no lock file is left behind.
    """

    def __init__(self, course: pathlib.Path):
        self.course, self.depth, self.fd = pathlib.Path(course), 0, None

    def acquire(self) -> None:
        import fcntl

        if self.depth == 0:
            fd = os.open(self.course, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX)
            self.fd = fd
        self.depth += 1

    def release(self) -> None:
        import fcntl

        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


_LOCK: Optional[CourseLock] = None


def serialize_gradebook(lock: CourseLock) -> None:
    """Make every ``nbgrader.api.Gradebook`` of this process hold ``lock`` while it is open.

    nbgrader opens the gradebook as ``with Gradebook(url) as gb:`` (or ``Gradebook(url)``
    followed by ``with gb:``) and closes it at the end of each step, so the lock is held for
    the few milliseconds of a step, never while a kernel runs. The two methods are wrapped
    once per process; ``lock`` replaces the previous one.
    """
    global _LOCK
    from nbgrader import api

    _LOCK = lock
    gradebook = api.Gradebook
    if getattr(gradebook, "_l10_serialized", False):
        return
    init, close = gradebook.__init__, gradebook.close

    def locked_init(self, *args, **kwargs):
        held = _LOCK
        if held is not None:
            held.acquire()
        try:
            init(self, *args, **kwargs)
        except BaseException:
            if held is not None:
                held.release()
            raise
        self._l10_lock = held

    def unlocking_close(self):
        try:
            close(self)
        finally:
            held = self.__dict__.pop("_l10_lock", None)
            if held is not None:
                held.release()

    gradebook.__init__, gradebook.close = locked_init, unlocking_close
    gradebook._l10_serialized = True


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


def kernel_problem() -> str:
    """Why the ``l10-params`` kernel cannot grade (not registered, another Python), or ''."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        return (f"kernel {KERNEL!r} is not registered; run `make install`, which runs "
                f"{sys.executable} -m ipykernel install --sys-prefix --name {KERNEL}")
    exe = pathlib.Path(spec.argv[0])
    if exe.parent.resolve() != pathlib.Path(sys.executable).parent.resolve():
        return (f"kernel {KERNEL!r} runs {exe}, not this environment's Python "
                f"({sys.executable}); re-register it with `make install`")
    return ""


class Course:
    """nbgrader's own API in this process, configured by ``nbgrader_config.py`` for ``root``.

    The same converters as the ``nbgrader`` commands, with one import of nbgrader (about 6
    seconds) instead of one per command. Each step's log goes to ``<root>/nbgrader.log``.
    """

    def __init__(self, root: pathlib.Path):
        from nbgrader.apps import NbGraderAPI
        from sqlalchemy.exc import SAWarning
        from traitlets.config.loader import PyFileConfigLoader

        # nbgrader's own gradebook code warns "Object ... not in session" on every autograde
        warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.")
        self.root = pathlib.Path(root)
        os.environ["L10_HOMEWORK_BUILD"] = str(self.root)  # read by nbgrader_config.py
        # nbgrader runs `alembic` (the gradebook's migrations) from PATH: the venv's bin first
        os.environ["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent),
                                              os.environ.get("PATH", "")])
        _alembic_head_in_process()
        config = PyFileConfigLoader("nbgrader_config.py", path=str(HERE)).load_config()
        self.api = NbGraderAPI(config=config)
        self.db_url = config.CourseDirectory.db_url
        self.course_id = config.CourseDirectory.course_id
        self.timeout = config.Execute.timeout
        self.ipc = config.KernelManager.get("ip") if config.KernelManager.get(
            "transport") == "ipc" else None

    def remove_socket_files(self) -> None:
        """Delete this process's kernel socket files (``<ip>-<n>``) that a stopped kernel
        left behind (an interrupted shutdown skips jupyter_client's own clean-up); called when
        no kernel of this process runs any more."""
        if not self.ipc:
            return
        for path in glob.glob(glob.escape(self.ipc) + "-*"):
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(os.lstat(path).st_mode):
                    os.unlink(path)

    def run(self, step: str, *args, **kwargs) -> str:
        """Run ``api.<step>(*args)``; its log (also appended to ``nbgrader.log`` by
        :meth:`log`) is returned; a failure is a :class:`GradingError`."""
        result = getattr(self.api, step)(*args, **kwargs)
        text = (result.get("log") or "") + (result.get("error") or "")
        if not result["success"]:
            self.log(step, args, text)
            tail = "\n".join(text.strip().splitlines()[-15:])
            raise GradingError(f"nbgrader {step} {' '.join(args)} failed; its last lines (all "
                               f"in {self.root / 'nbgrader.log'}):\n{tail}")
        return text

    def log(self, step: str, args, text: str) -> None:
        with open(self.root / "nbgrader.log", "a", encoding="utf-8") as log:
            log.write(f"$ nbgrader {step} {' '.join(args)}\n{text}\n")

    def gradebook(self):
        from nbgrader.api import Gradebook

        return Gradebook(self.db_url, self.course_id)

    def has_assignment(self) -> bool:
        from nbgrader.api import MissingEntry

        if not (self.root / "gradebook.db").is_file():
            return False
        with self.gradebook() as gb:
            try:
                gb.find_assignment(ASSIGNMENT)
            except MissingEntry:
                return False
        return True


# -- what is there to grade -----------------------------------------------------------------

def submissions(root: pathlib.Path) -> List[str]:
    """The students with a ``submitted/<student>/params/params.ipynb``, sorted."""
    folder = root / "submitted"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / ASSIGNMENT / NOTEBOOK).is_file())


def misplaced(root: pathlib.Path) -> List[str]:
    """One line for each folder of ``submitted/`` that holds no ``params/params.ipynb``: what
    it holds instead and where the notebook must go (it is not graded)."""
    folder = root / "submitted"
    if not folder.is_dir():
        return []
    lines = []
    for p in sorted(folder.iterdir()):
        if (p / ASSIGNMENT / NOTEBOOK).is_file():
            continue
        if not p.is_dir():
            lines.append(f"{p.name}: a file, not a student's folder; not graded (each "
                         f"student's notebook goes to submitted/<student>/{ASSIGNMENT}/{NOTEBOOK})")
            continue
        found = sorted(q.relative_to(p).as_posix() for q in p.rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in q.parts)
        if found:
            holds = f"it holds {', '.join(found[:3])}"
        elif any(p.iterdir()):
            holds = "no notebook in it"
        else:
            holds = "it is empty"
        lines.append(f"{p.name}: no {ASSIGNMENT}/{NOTEBOOK} in submitted/{p.name} ({holds}); "
                     f"not graded: move the notebook to submitted/{p.name}/{ASSIGNMENT}/{NOTEBOOK}")
    return lines


def graded(course: Course, students: Iterable[str]) -> Dict[str, dict]:
    """``{student: score}`` for those fully autograded: the autograded notebook on disk, and
    in the gradebook a score for every test cell that notebook holds (nbgrader scores a test
    cell only after the notebook ran; a cell the student deleted keeps no score). See
    :func:`score`."""
    from nbgrader.api import MissingEntry

    out = {}
    with course.gradebook() as gb:
        for student in students:
            path = course.root / "autograded" / student / ASSIGNMENT / NOTEBOOK
            try:
                sub = gb.find_submission(ASSIGNMENT, student)
            except MissingEntry:
                continue
            if not path.is_file():
                continue
            present = _grade_ids(_read(path))
            done = all(g.auto_score is not None for nb in sub.notebooks for g in nb.grades
                       if g.cell_type == "code" and g.name in present)
            if done:
                out[student] = _score(sub)
    return out


def _grade_ids(nb: dict) -> set:
    return {c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            for c in nb.get("cells", [])} - {None}


def _score(sub) -> dict:
    cells = {g.name: g.score for nb in sub.notebooks for g in nb.grades if g.cell_type == "code"}
    return {"score": sub.code_score, "max": sub.max_code_score, "cells": cells,
            "manual_max": sub.max_written_score}


def score(course: Course, student: str) -> dict:
    """The student's autograded points from the gradebook, cell by cell; the cells the time
    limit stopped and the test cells missing from the notebook (from the autograded one)."""
    with course.gradebook() as gb:
        out = _score(gb.find_submission(ASSIGNMENT, student))
    nb = _read(course.root / "autograded" / student / ASSIGNMENT / NOTEBOOK)
    out["timed_out"] = timed_out(nb)
    present = _grade_ids(nb)
    out["missing_tests"] = [k for k in out["cells"] if k not in present]
    return out


def _read(notebook: pathlib.Path) -> dict:
    try:
        return json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def timed_out(nb: dict) -> List[str]:
    """The cells (grade id, or ``cell N``) that the time limit stopped in a graded notebook."""
    out = []
    for i, cell in enumerate(nb.get("cells", [])):
        if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
            out.append(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                       or f"cell {i + 1}")
    return out


def changed_since_graded(root: pathlib.Path, student: str) -> bool:
    """The submitted notebook is newer than its autograded copy (handed in again)."""
    sub = root / "submitted" / student / ASSIGNMENT / NOTEBOOK
    done = root / "autograded" / student / ASSIGNMENT / NOTEBOOK
    try:
        return sub.stat().st_mtime > done.stat().st_mtime
    except OSError:
        return False


# -- the workers ----------------------------------------------------------------------------

def quiet_asyncio() -> None:
    """Once a stop is asked for: the cell's task left behind may end with nbclient's
    DeadKernelError while the kernel shuts down, which asyncio logs as "Task exception was
    never retrieved" (a traceback) when the task is freed. It means nothing then."""
    logging.getLogger("asyncio").disabled = True


def _worker(root: str, todo, results, feedback: bool, env: Dict[str, str]) -> None:
    """One process: autograde (and write feedback for) students from ``todo`` until None.

    Ctrl-C (SIGINT, which a terminal sends to every process of the command) or the parent's
    SIGTERM stops it quietly: the running kernel is shut down (nbclient does it on the
    KeyboardInterrupt), the student it was grading is not reported, and a second signal does
    not interrupt that shutdown.
    """
    stopping: List[int] = []

    def stop(signum, frame):
        if stopping:
            return
        stopping.append(signum)
        quiet_asyncio()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    course = None
    try:
        os.environ.update(env)
        course = Course(pathlib.Path(root))
        serialize_gradebook(CourseLock(course.root))
        while not stopping:
            student = todo.get()
            if student is None:
                return
            result = grade_one(course, student, feedback)
            if stopping:  # nbgrader reports the KeyboardInterrupt as a failed step
                return
            results.put(("graded", *result))
    except KeyboardInterrupt:
        return
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which stops
        if not stopping:
            results.put(("failed", None, f"{type(e).__name__}: {e}", None))
    finally:
        if course is not None:
            course.remove_socket_files()


def grade_one(course: Course, student: str, feedback: bool) -> tuple:
    """``(student, error or None, details)``: nbgrader autograde, then feedback if asked and
    none exists yet."""
    t0 = time.perf_counter()
    try:
        course.log("autograde", (ASSIGNMENT, student),
                   course.run("autograde", ASSIGNMENT, student, force=True))
        details = score(course, student)
        details["feedback"] = None
        html = course.root / "feedback" / student / ASSIGNMENT / "params.html"
        if feedback and not html.exists():
            course.log("generate_feedback", (ASSIGNMENT, student),
                       course.run("generate_feedback", ASSIGNMENT, student, force=False))
            details["feedback"] = str(html) if html.is_file() else None
        elif feedback:
            details["feedback_kept"] = str(html)
    except GradingError as e:
        return student, str(e), None
    details["seconds"] = time.perf_counter() - t0
    return student, None, details


def autograde_all(course: Course, students: List[str], jobs: int, feedback: bool = False,
                  on_result=None) -> Dict[str, dict]:
    """Grade ``students`` with ``jobs`` worker processes (1: in this process).

    Returns ``{student: {"error": str} or score details}``; ``on_result(student, error,
    details)`` is called as each one finishes. Ctrl-C stops the workers (each shuts its kernel
    down) and re-raises KeyboardInterrupt; what finished is in the gradebook.
    """
    out: Dict[str, dict] = {}

    def done(student, error, details):
        out[student] = {"error": error} if error else details
        if on_result:
            on_result(student, error, details)

    serialize_gradebook(CourseLock(course.root))
    # One MXNet engine thread and one OpenMP thread per kernel, however many run: the notebook's
    # nets are tiny, and kernels running side by side share the cores instead of each spreading
    # (and spinning) over all of them. A value set by the caller is kept.
    threads = {k: os.environ.get(k, "1") for k in ("OMP_NUM_THREADS", "MXNET_CPU_WORKER_NTHREADS")}
    os.environ.update(threads)
    if jobs <= 1 or len(students) <= 1:
        stopped = []  # nbgrader reports a KeyboardInterrupt as a failed step: remember it

        def interrupt(signum, frame):
            stopped.append(signum)
            quiet_asyncio()
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGINT, interrupt)
        try:
            for student in students:
                result = grade_one(course, student, feedback)
                if stopped:
                    raise KeyboardInterrupt
                done(*result)
        finally:
            signal.signal(signal.SIGINT, previous)
            course.remove_socket_files()
        return out
    ctx = multiprocessing.get_context("spawn")
    todo, results = ctx.Queue(), ctx.Queue()
    for student in students:
        todo.put(student)
    jobs = min(jobs, len(students))
    for _ in range(jobs):
        todo.put(None)
    env = dict(threads, L10_HOMEWORK_BUILD=str(course.root))
    workers = [ctx.Process(target=_worker, args=(str(course.root), todo, results, feedback, env),
                           daemon=True) for _ in range(jobs)]
    for w in workers:
        w.start()
    try:
        remaining = set(students)
        while remaining:
            try:
                kind, student, error, details = results.get(timeout=1.0)
            except queue.Empty:
                if not any(w.is_alive() for w in workers):
                    raise GradingError("every grading process stopped; see "
                                       f"{course.root / 'nbgrader.log'}") from None
                continue
            if kind == "failed":
                raise GradingError(f"a grading process could not start: {error}")
            remaining.discard(student)
            done(student, error, details)
        for w in workers:  # each has taken its None and is leaving
            w.join(10)
    finally:
        _stop(workers)
    return out


def _stop(workers) -> None:
    """Stop the workers: SIGTERM (each shuts its kernel down), then wait; kill a stuck one."""
    for w in workers:
        if w.is_alive():
            with contextlib.suppress(OSError):
                os.kill(w.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for w in workers:
        w.join(max(0.1, deadline - time.monotonic()))
        if w.is_alive():
            w.kill()
            w.join()
