"""nbgrader configuration of the l10_params course (homework of lecture 10, 管理参数).

Run nbgrader from this directory (``cd notebooks/homework``) and it reads this file. The
source assignment is ``source/params/params.ipynb`` here; everything nbgrader writes (the
student version in ``release/``, ``submitted/``, ``autograded/``, ``feedback/`` and the
SQLite gradebook ``gradebook.db``) goes to the course directory ``build/homework/`` at the
top of the repository, or to ``$L10_HOMEWORK_BUILD`` when it is set (``grade.py`` sets it:
the sample submissions of ``make homework`` are graded in ``build/homework-samples/``).
"""
import os
import pathlib
import tempfile

c = get_config()  # noqa: F821 (traitlets provides get_config to config files)

HERE = pathlib.Path(__file__).resolve().parent
BUILD = pathlib.Path(os.environ.get("L10_HOMEWORK_BUILD")
                     or HERE.parent.parent / "build" / "homework").resolve()

# nbgrader needs its course directory to exist (generate_assignment stops on a fresh clone
# otherwise); an empty folder changes nothing that is there.
BUILD.mkdir(parents=True, exist_ok=True)

c.CourseDirectory.course_id = "l10-params"
c.CourseDirectory.root = str(BUILD)
# `nbgrader export` writes the grades into the course directory, not into this source folder.
c.ExportPlugin.to = str(BUILD / "grades.csv")
c.CourseDirectory.source_directory = str(HERE / "source")  # absolute: kept out of the build
c.CourseDirectory.db_url = f"sqlite:///{BUILD / 'gradebook.db'}"

# Grade with the project's kernel (the venv's Python, registered by `make install`), whatever
# kernel a student's notebook names in its metadata.
c.Execute.kernel_name = "l10-params"
# The kernel talks to nbgrader over local socket files, not TCP ports: nothing to eavesdrop
# on, and ipykernel has no reason to warn "Kernel is running over TCP without encryption".
# The files are /tmp/l10-kernel-<pid>-<n> (absolute: the kernel runs in the notebook's folder;
# one prefix per grading process, so parallel graders never pick the same name); the kernel
# manager deletes them when the kernel stops.
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(tempfile.gettempdir(), f"l10-kernel-{os.getpid()}")

# Seconds one cell may run; the assignment's introduction states the same figure (a test
# checks both). The heaviest cell takes about 4 s (the imports). A cell over the limit is
# interrupted (its KeyboardInterrupt shows the line it was running), the message below is
# added under it, and the notebook goes on with the next cell.
# L10_HOMEWORK_TIMEOUT overrides it (tests/test_homework.py uses a short one).
TIMEOUT = int(os.environ.get("L10_HOMEWORK_TIMEOUT") or 120)
c.Execute.timeout = TIMEOUT
_STOPPED = (f"this cell ran over the grader's limit of {TIMEOUT} s and was stopped\n"
            f"Each cell may run for {TIMEOUT} seconds; this one was still running (a loop "
            "that never ends?) and was interrupted: a KeyboardInterrupt above, if shown, points "
            "at the line it was on. The cells below ran as usual. Fix it, then run every cell "
            "from the top (Kernel → Restart & Run All) and check that it finishes.")
# jupyter_client interrupts every kernel before it shuts it down, and a kernel still busy with a
# message then logs "ERROR | KeyboardInterrupt caught in kernel", which means nothing here: the
# grading kernels log only what is critical (a failing cell is in the notebook, not the log).
c.Execute.extra_arguments = ["--IPKernelApp.log_level=CRITICAL"]
c.Execute.error_on_timeout = {"ename": "CellTimeoutError", "evalue": _STOPPED,
                              "traceback": [f"\x1b[0;31mCellTimeoutError\x1b[0m: {_STOPPED}"]}
