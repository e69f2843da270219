"""The graded assignment, as its instructor and its students meet it (nbgrader).

- ``make homework`` (``grade.py samples``) grades the sample submissions in its own folder:
  a real submission and a hand grade in the course directory stay as they were, it runs
  twice in a row, and it refuses a folder holding files it did not write.
- ``make grade`` (``grade.py course``) grades the catalogue of ``tests/homework/``
  (submissions written as students write them, ``catalogue.json`` says what each must earn)
  two at a time into one gradebook; each failing test's first line names the mistake and
  fits in ``nbgrader validate``; a second run grades nothing again; an interrupted run is
  finished by the next one.
- The solution notebook's model answers state what the notebook really prints.
"""
import doctest
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
HOMEWORK = ROOT / "notebooks" / "homework"
GRADE = HOMEWORK / "grade.py"
SOURCE = HOMEWORK / "source" / "params" / "params.ipynb"
CATALOGUE = ROOT / "tests" / "homework"
EXPECTED = json.loads((CATALOGUE / "catalogue.json").read_text(encoding="utf-8"))["submissions"]
TIMEOUT = 40  # seconds per cell while testing (the course's limit is 120): the endless loop
ANSI = re.compile(r"\x1b\[[0-9;]*m")
VALIDATE_WIDTH = 87  # nbgrader validate cuts a traceback line longer than this (with its indent)
pytestmark = pytest.mark.homework


def run_grade(*args, timeout=1200, cwd=ROOT, env=None):
    return subprocess.run([sys.executable, str(GRADE), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)


def _nb(path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def _cells(nb):
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
            if "nbgrader" in c["metadata"]}


def _points():
    return {k: c["metadata"]["nbgrader"]["points"] for k, c in _cells(_nb(SOURCE)).items()
            if c["metadata"]["nbgrader"]["grade"] and c["cell_type"] == "code"}


def _errors(notebook):
    """grade_id -> the text of the last error output of that cell (ANSI colours removed)."""
    out = {}
    for i, cell in enumerate(_nb(notebook)["cells"]):
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id", f"cell {i + 1}")
        errs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errs:
            out[gid] = ANSI.sub("", errs[-1]["traceback"][-1])
    return out


def _tree(folder):
    """path -> sha256 of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _put(course, student, notebook):
    dest = course / "submitted" / student / "params" / "params.ipynb"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, dest)


# -- the catalogue, graded as a course ------------------------------------------------------

@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The catalogue graded by ``grade.py course --jobs 2 --feedback``: (process, result
    JSON, course folder)."""
    root = tmp_path_factory.mktemp("course")
    for name in EXPECTED:
        _put(root, name, CATALOGUE / f"{name}.ipynb")
    env = dict(os.environ, L10_HOMEWORK_TIMEOUT=str(TIMEOUT))
    out = root.parent / "course.json"
    run = run_grade("course", "--course", root, "--jobs", 2, "--feedback", "--json", out,
                    env=env)
    assert out.is_file(), run.stdout + run.stderr
    return run, json.loads(out.read_text()), root


def test_catalogue_covers_what_students_do():
    names = sorted(p.stem for p in CATALOGUE.glob("*.ipynb"))
    assert names == sorted(EXPECTED)
    assert len(names) >= 14
    for required in ("plain-gluon", "legacy-nd", "out-of-order", "endless-loop",
                     "syntax-error", "empty"):
        assert required in names
    tested = {gid.split("-")[0] for v in EXPECTED.values() if isinstance(v["fails"], dict)
              if v.get("one_mistake") for gid in v["fails"]}
    assert tested >= {"ex1", "ex2", "ex3", "ex4", "ex5"}  # a mistake of every exercise
    plain = "".join("".join(c["source"]) for c in _nb(CATALOGUE / "plain-gluon.ipynb")["cells"]
                    if c["metadata"].get("nbgrader", {}).get("solution"))
    assert not re.search(r"\b(freeze|select|copy_params|tied_dense|reinitialize)\(", plain)
    legacy = "".join("".join(c["source"]) for c in _nb(CATALOGUE / "legacy-nd.ipynb")["cells"])
    assert "npx.reset_np()" in legacy and "nd.random.normal" in legacy
    assert _nb(CATALOGUE / "empty.ipynb")["cells"] == []
    counts = [c["execution_count"] for c in _nb(CATALOGUE / "out-of-order.ipynb")["cells"]
              if c["cell_type"] == "code"]
    assert counts != sorted(counts)


def test_grading_says_nothing_misleading(course):
    run, result, _ = course
    assert run.returncode == 0, run.stdout + run.stderr
    text = run.stdout + run.stderr
    for noise in ("db_assignments", "without encryption", "Traceback", "database is locked",
                  "WARNING", "ERROR"):
        assert noise not in text, text
    assert f"{len(EXPECTED)} submissions" in run.stdout
    assert not result["skipped"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_submission_earns_what_it_should(course, name):
    _, result, _ = course
    got = result["graded"][name]
    fails = EXPECTED[name]["fails"]
    points = _points()
    want = (dict.fromkeys(points, 0) if fails == "all" else
            {k: 0 if k in fails else v for k, v in points.items()})
    assert got["cells"] == want
    assert got["score"] == sum(want.values()) and got["max"] == sum(points.values()) == 17
    assert got.get("timed_out", []) == EXPECTED[name].get("timed_out", [])


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items()
                                        if isinstance(v["fails"], dict) and v["fails"]))
def test_each_failing_test_names_the_mistake_in_its_first_line(course, name):
    _, _, root = course
    errors = _errors(root / "autograded" / name / "params" / "params.ipynb")
    for gid, fragment in EXPECTED[name]["fails"].items():
        assert gid in errors, f"{gid} of {name} failed without an error output"
        first = errors[gid].splitlines()[0]
        assert fragment in first, (gid, first)
        # nbgrader validate indents by 4 and cuts longer lines: the first line shows whole
        assert len("    " + first) <= VALIDATE_WIDTH, (gid, first, len(first))
        assert len(errors[gid]) < 1500, (gid, len(errors[gid]))  # long values shortened


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if v.get("then")))
def test_a_failing_test_cites_the_error_of_the_answer_cell_above(course, name):
    """When the student's own cell raised, the tests below it say so (its number and error)
    after their first line: nbgrader validate shows test cells only."""
    _, _, root = course
    errors = _errors(root / "autograded" / name / "params" / "params.ipynb")
    for gid, fragments in EXPECTED[name]["then"].items():
        later = "\n".join(errors[gid].splitlines()[1:])
        for fragment in fragments:
            assert fragment in later, (gid, fragment, later)


def test_a_guess_is_kept_where_no_answer_cell_failed(course):
    """Without a failed answer cell above, a test keeps its own diagnosis ("likely: …")."""
    _, _, root = course
    errors = _errors(root / "autograded" / "ex3-no-force-reinit" / "params" / "params.ipynb")
    assert "likely: initialize(...) on an initialized parameter changes nothing without " \
           "force_reinit=True" in errors["ex3-test-equal"]
    assert "above stopped with an error" not in errors["ex3-test-equal"]


def test_one_mistake_costs_one_test():
    for name, v in EXPECTED.items():
        if v.get("one_mistake"):
            assert len(v["fails"]) == 1, name


def test_a_timed_out_cell_says_the_limit_and_which_cell(course):
    run, _, root = course
    assert (f"endless-loop: 14 / 17  (stopped by the {TIMEOUT} s limit: ex5-3-solution)"
            in run.stdout)
    errors = _errors(root / "autograded" / "endless-loop" / "params" / "params.ipynb")
    said = errors["ex5-3-solution"]
    assert said.startswith(f"CellTimeoutError: this cell ran over the grader's limit of "
                           f"{TIMEOUT} s and was stopped")
    assert "a loop that never ends?" in said and "Kernel → Restart & Run All" in said
    assert len("    " + said.splitlines()[0]) <= VALIDATE_WIDTH
    cell = _cells(_nb(root / "autograded" / "endless-loop" / "params" / "params.ipynb"))[
        "ex5-3-solution"]
    for out in cell["outputs"]:  # when the kernel's KeyboardInterrupt arrived in time, it
        if out.get("ename") == "KeyboardInterrupt":  # points at a line of the loop
            shown = ANSI.sub("", "\n".join(out["traceback"]))
            assert re.search(r"-+> +([5-9]|10) ", shown), shown


def test_an_empty_notebook_is_reported(course):
    run, _, _ = course
    assert "empty: 0 / 17  (its notebook lacks 12 of the 12 test cells)" in run.stdout


def test_feedback_pages_show_the_messages_and_stay_small(course):
    _, result, root = course
    for name, v in EXPECTED.items():
        html = root / "feedback" / name / "params" / "params.html"
        assert html.is_file(), name
        assert html.stat().st_size < 400_000, (name, html.stat().st_size)
        if isinstance(v["fails"], dict):
            text = html.read_text(encoding="utf-8").replace("&#39;", "'").replace(
                "&quot;", '"').replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")
            for fragment in v["fails"].values():
                assert fragment in text, (name, fragment)
    assert result["graded"]["plain-gluon"]["feedback"]


def test_the_message_names_objects_as_the_student_did(course):
    _, _, root = course
    said = _errors(root / "autograded" / "ex3-weights-only" / "params" / "params.ipynb")
    text = said["ex3-test-equal"]
    assert "expected: every value of pretrained[0] in student[0]" in text
    assert "(pretrained[0] 1." in text or "(pretrained[0] -" in text  # the values, by name
    said = _errors(root / "autograded" / "ex5-float32" / "params" / "params.ipynb")
    assert "found: list of 5 numpy.float32: [" in said["ex5-3-test-losses"]
    said = _errors(root / "autograded" / "endless-loop" / "params" / "params.ipynb")
    assert len(said["ex5-3-test-losses"]) < 600  # a list of a thousand losses, shortened
    assert ", ..., " in said["ex5-3-test-losses"]


def test_failed_claims_show_the_cell_not_the_library(course):
    _, _, root = course
    nb = _nb(root / "autograded" / "ex3-tied" / "params" / "params.ipynb")
    cell = _cells(nb)["ex3-test-not-tied"]
    shown = ANSI.sub("", "\n".join(cell["outputs"][-1]["traceback"]))
    assert "testing.assert_not_tied(pretrained[i], student[i]" in shown
    assert "l10_params" not in shown and "raise fail" not in shown


def test_a_second_run_grades_nothing_twice(course):
    _, result, root = course
    before = _tree(root)
    run = run_grade("course", "--course", root, "--jobs", 2)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (f"{len(EXPECTED)} submissions in {root / 'submitted'}: {len(EXPECTED)} already "
            f"graded, 0 to grade") in run.stdout
    assert _tree(root) == before  # not a byte changed: gradebook, autograded, feedback
    run = run_grade("course", "--course", root, "--jobs", 2, "--feedback")
    assert run.returncode == 0, run.stdout + run.stderr
    assert ("feedback is written for the submissions graded in this run; for those graded "
            "before: --regrade NAME --feedback, or nbgrader generate_feedback params"
            in run.stdout), run.stdout
    assert _tree(root) == before
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "l10-params") as gb:
        subs = gb.find_assignment("params").submissions
        assert sorted(s.student.id for s in subs) == sorted(EXPECTED)
        for s in subs:
            grades = [g.name for nb in s.notebooks for g in nb.grades]
            assert len(grades) == len(set(grades))


def test_nbgrader_validate_shows_each_first_line_whole(tmp_path):
    """A student runs ``nbgrader validate`` on the notebook, outside the course."""
    shutil.copy(CATALOGUE / "ex3-weights-only.ipynb", tmp_path / "params.ipynb")
    run = subprocess.run([str(pathlib.Path(sys.executable).parent / "nbgrader"), "validate",
                          "params.ipynb"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=600)
    out = run.stdout
    assert "VALIDATION FAILED ON 1 CELL(S)" in out, out + run.stderr
    line = next(ln for ln in out.splitlines() if "AssertionError:" in ln)
    assert line.strip() == ("AssertionError: student[0]: weights copied, biases not: copy "
                            "the biases too"), line
    assert "l10_params/testing" not in out


# -- an interrupted run ---------------------------------------------------------------------

def _kernels_of(course):
    """pids of running processes started for grading ``course`` (they carry its path)."""
    found = []
    for proc in pathlib.Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"L10_HOMEWORK_BUILD={course}".encode() in env:
            found.append(int(proc.name))
    return found


def test_an_interrupted_run_is_finished_by_the_next(tmp_path):
    course = tmp_path / "course"
    for student in ("ann", "bob", "cem"):
        _put(course, student, CATALOGUE / "plain-gluon.ipynb")
    proc = subprocess.Popen([sys.executable, str(GRADE), "course", "--course", str(course),
                             "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    first = ""
    for line in proc.stdout:  # stop it as soon as one submission is graded
        if re.match(r"^\w+: 17 / 17", line):
            first = line.split(":")[0]
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=120)
    assert first == "ann" and proc.returncode == 130, out + err
    assert "running the same command again grades the rest" in err
    deadline = time.monotonic() + 20
    while _kernels_of(course) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _kernels_of(course), "a kernel outlived the interrupted run"
    ann = course / "autograded" / "ann" / "params" / "params.ipynb"
    stamp = ann.stat().st_mtime_ns
    run = run_grade("course", "--course", course, "--jobs", 2)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 submissions" in run.stdout and "1 already graded, 2 to grade" in run.stdout
    assert "bob: 17 / 17" in run.stdout and "cem: 17 / 17" in run.stdout
    assert "2 to grade with 2 jobs" in run.stdout
    assert re.search(r"graded 2 in \d+ s \([\d.]+ s per submission, 2 jobs\)", run.stdout)
    assert "ann:" not in run.stdout
    assert ann.stat().st_mtime_ns == stamp  # not graded twice


def test_no_submissions_is_one_line(tmp_path):
    run = run_grade("course", "--course", tmp_path / "nowhere", timeout=60)
    assert run.returncode == 1
    assert run.stderr.startswith("homework: no submissions: ")
    assert "Traceback" not in run.stderr


def test_misplaced_or_no_notebooks_are_named_and_nothing_is_created(tmp_path):
    """An empty submitted/, or notebooks in the wrong place: each folder is named with where
    its notebook must go, nothing is graded, and no gradebook or release is created."""
    (tmp_path / "submitted").mkdir()
    run = run_grade("course", "--course", tmp_path, timeout=60)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr == (f"homework: no submissions in {tmp_path / 'submitted'}: put each "
                          f"student's notebook at {tmp_path}/submitted/<student>/params/"
                          "params.ipynb (or use nbgrader collect)\n")
    (tmp_path / "submitted" / "alice").mkdir()
    shutil.copy(CATALOGUE / "plain-gluon.ipynb", tmp_path / "submitted" / "alice" / "params.ipynb")
    (tmp_path / "submitted" / "bob" / "params").mkdir(parents=True)
    run = run_grade("course", "--course", tmp_path, timeout=60)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [
        "alice: no params/params.ipynb in submitted/alice (it holds params.ipynb); not graded: "
        "move the notebook to submitted/alice/params/params.ipynb",
        "bob: no params/params.ipynb in submitted/bob (no notebook in it); not graded: move "
        "the notebook to submitted/bob/params/params.ipynb"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["submitted"]


# -- make homework: the samples, in their own folder ----------------------------------------

@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The project's files in a new folder (as a fresh clone has them), with this venv, and a
    course directory that an instructor has graded: one real submission and a hand grade."""
    root = tmp_path_factory.mktemp("clone")
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file():
            (root / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, root / f)
    os.symlink(pathlib.Path(sys.executable).parent.parent, root / ".venv")
    course = root / "build" / "homework"
    _put(course, "alice", CATALOGUE / "ex3-weights-only.ipynb")
    run = run_grade("course", "--course", course, "--jobs", 1, "--feedback", cwd=root)
    assert run.returncode == 0, run.stdout + run.stderr
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "l10-params") as gb:
        grade = gb.find_grade("ex5-2-answer", "params", "params", "alice")
        grade.manual_score = 1.5
        gb.find_comment("ex5-2-answer", "params", "params", "alice").manual_comment = "Good."
        gb.db.commit()
    return root


def _make_homework_recipe():
    lines = (ROOT / "Makefile").read_text().splitlines()
    i = lines.index(next(ln for ln in lines if ln.startswith("homework:")))
    return lines[i + 1].strip()


def _hand_grade(course):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "l10-params") as gb:
        g = gb.find_grade("ex5-2-answer", "params", "params", "alice")
        c = gb.find_comment("ex5-2-answer", "params", "params", "alice")
        return g.manual_score, c.manual_comment, gb.find_submission("params", "alice").score


def test_make_homework_leaves_the_course_directory_alone(clone):
    recipe = _make_homework_recipe()
    assert recipe == "$(BIN)/python notebooks/homework/grade.py"
    course = clone / "build" / "homework"
    before, grade = _tree(course), _hand_grade(course)
    assert grade[:2] == (1.5, "Good.")
    run = subprocess.run([str(clone / ".venv" / "bin" / "python"),
                          "notebooks/homework/grade.py"], cwd=clone, capture_output=True,
                         text=True, timeout=1200)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = [ln for ln in run.stdout.splitlines() if re.match(r"^\w+: \d+ / \d+", ln)]
    assert lines == ["solution: 17 / 17", "untouched: 1 / 17", "partial: 9 / 17",
                     "syntax: 15 / 17"], run.stdout
    assert "without encryption" not in run.stdout + run.stderr
    assert _tree(course) == before  # the submission, the gradebook, the feedback
    assert _hand_grade(course) == grade
    samples = clone / "build" / "homework-samples"
    assert (samples / "gradebook.db").is_file() and (samples / ".l10-samples.json").is_file()


def test_make_homework_runs_again_and_refuses_what_it_did_not_write(clone):
    samples = clone / "build" / "homework-samples"
    args = [str(clone / ".venv" / "bin" / "python"), "notebooks/homework/grade.py", "--only",
            "untouched", "--jobs", "1"]
    run = subprocess.run(args, cwd=clone, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and "untouched: 1 / 17" in run.stdout, run.stdout + run.stderr
    assert not (samples / "submitted" / "partial").exists()  # the last run's files went
    mine = samples / "submitted" / "zoe" / "params" / "params.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_text("{}")
    run = subprocess.run(args, cwd=clone, capture_output=True, text=True, timeout=600)
    assert run.returncode == 2
    assert "is not only sample output: submitted/zoe/params/params.ipynb was not written by " \
           "a sample run, or changed since; nothing was graded" in run.stderr, run.stderr
    assert "grade.py --build DIR" in run.stderr
    assert mine.read_text() == "{}" and (samples / "gradebook.db").is_file()


def test_student_version_has_no_solutions(clone):
    release = clone / "build" / "homework-samples" / "release" / "params" / "params.ipynb"
    text = release.read_text(encoding="utf-8")
    cells = _cells(json.loads(text))
    assert "BEGIN SOLUTION" not in text and "copy_params(pretrained[0]" not in text
    assert "params=shared.params" not in text and "(256, -1)" not in text
    assert "raise NotImplementedError()" in "".join(cells["ex4-solution"]["source"])
    assert "YOUR ANSWER HERE" in "".join(cells["ex5-2-answer"]["source"])
    source = _cells(_nb(SOURCE))
    for gid in ("ex4-test-grad", "ex5-1-test", "setup"):  # graded cells reach students as written
        assert cells[gid]["source"] == source[gid]["source"]


def test_an_edited_test_cell_is_restored(course):
    """The kept partial submission replaced test cell ex4-test-grad by ``pass``; nbgrader
    grades the original test from its gradebook (its gradient is right: it earns 2)."""
    edited = "".join(_cells(_nb(CATALOGUE / "partial.ipynb"))["ex4-test-grad"]["source"])
    assert edited.startswith("pass") and "assert_grad_is_sum" not in edited
    _, result, root = course
    graded = "".join(_cells(_nb(root / "autograded" / "partial" / "params" / "params.ipynb"))
                     ["ex4-test-grad"]["source"])
    assert "assert_grad_is_sum" in graded
    assert result["graded"]["partial"]["cells"]["ex4-test-grad"] == 2


def test_kernel_is_the_venvs():
    sys.path.insert(0, str(HOMEWORK))
    try:
        import autograde
    finally:
        sys.path.remove(str(HOMEWORK))
    assert autograde.kernel_problem() == ""


# -- what the assignment says is true -------------------------------------------------------

def test_the_time_limit_is_stated_where_people_read():
    config = (HOMEWORK / "nbgrader_config.py").read_text()
    limit = int(re.search(r'L10_HOMEWORK_TIMEOUT"\) or (\d+)\)', config).group(1))
    intro = "".join(_cells(_nb(SOURCE))["intro"]["source"])
    assert f"**{limit} seconds**" in intro and f"**{limit} 秒**" in intro
    assert f"{limit} seconds" in (ROOT / "docs" / "homework.md").read_text()


def test_model_answers_state_what_the_notebook_prints():
    """Each model answer's examples (``>>>`` lines) run in the solution notebook's kernel,
    right after the cells above the answer, in the notebook's mode (npx.set_np()); what each
    prints must be what the answer says. Every tuple the answer quotes is one of them."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(SOURCE), as_version=4)
    answers = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
               and c.metadata.get("nbgrader", {}).get("solution")]
    assert answers
    checks = []
    for i, cell in reversed(answers):
        text = "\n".join(ln for ln in cell.source.splitlines() if not ln.startswith("```"))
        examples = doctest.DocTestParser().get_examples(text)
        assert examples, f"the model answer {cell.metadata.nbgrader.grade_id} shows no example"
        quoted = set(re.findall(r"`(\([\d, -]+\))`", cell.source))
        printed = {ex.want.strip() for ex in examples}
        assert quoted <= printed, (quoted, printed)
        code = ("import doctest\n"
                f"_t = doctest.DocTestParser().get_doctest({text!r}, dict(globals()), "
                "'answer', None, 0)\n"
                "_r = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | "
                "doctest.IGNORE_EXCEPTION_DETAIL)\n"
                "_r.run(_t)\nprint('ANSWER', _r.summarize(verbose=False))")
        nb.cells.insert(i + 1, nbformat.v4.new_code_cell(code))
        checks.append(cell.metadata.nbgrader.grade_id)
    NotebookClient(nb, kernel_name="l10-params", timeout=300).execute()
    said = [o.text for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("output_type") == "stream" and "ANSWER" in o.text]
    assert len(said) == len(checks)
    for text in said:
        assert "ANSWER TestResults(failed=0, attempted=" in text, text
        assert int(re.search(r"attempted=(\d+)", text).group(1)) >= 5


def test_the_terms_nbgrader_commands_work_in_a_new_course(tmp_path):
    """docs/homework.md's term, as printed: from notebooks/homework, a course folder that does
    not exist yet; the grades land in the course folder, never in the source tree."""
    course = tmp_path / "new-course"
    venv_bin = str(pathlib.Path(sys.executable).parent)  # as the docs say: nbgrader calls alembic
    env = dict(os.environ, L10_HOMEWORK_BUILD=str(course),
               PATH=venv_bin + os.pathsep + os.environ.get("PATH", ""))
    before = sorted(p.name for p in HOMEWORK.iterdir())
    for command in (["generate_assignment", "params"], ["export"]):
        run = subprocess.run([sys.executable, "-m", "nbgrader", *command], cwd=HOMEWORK,
                             env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
    assert (course / "release" / "params" / "params.ipynb").is_file()
    assert (course / "grades.csv").read_text().startswith("assignment,")
    assert sorted(p.name for p in HOMEWORK.iterdir()) == before
