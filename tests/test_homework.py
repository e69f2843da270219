"""make homework: nbgrader generates the student version and autogrades four submissions.

The pipeline (``notebooks/homework/grade.py``) runs once per module, in a subprocess with this
venv's Python and a temporary build folder; every test below reads that one run. The
wrong-kind-of-object tests of the homework's assertions run in this process.
"""
import json
import pathlib
import re
import subprocess
import sys

import pytest
from mxnet import autograd, nd
from mxnet.gluon import nn

from l10_params import fresh_names, lecture_mlp, lecture_tied_mlp, snapshot, testing

ROOT = pathlib.Path(__file__).resolve().parent.parent
HOMEWORK = ROOT / "notebooks" / "homework"
GRADE = HOMEWORK / "grade.py"
PARTIAL = ROOT / "tests" / "homework" / "partial.ipynb"
EXPECTED_LINES = ["solution: 17 / 17", "untouched: 0 / 17", "partial: 7 / 17", "syntax: 15 / 17"]
# what the partial submission earns, cell by cell (see tests/homework/partial.ipynb)
PARTIAL_CELLS = {
    "ex1-test-select": 1, "ex1-test-freeze": 0,            # selected, not frozen
    "ex2-test-used": 1, "ex2-test-class": 1, "ex2-test-std": 0,   # fan-out for fan-in
    "ex3-test-equal": 1, "ex3-test-not-tied": 1, "ex3-test-independent": 1,
    "ex4-test-tied": 0, "ex4-test-grad": 0,                # equal values, separate objects
    "ex5-1-test": 1, "ex5-3-test-losses": 0, "ex5-3-test-norms": 0,   # 5.3 not done
}
pytestmark = pytest.mark.notebook


def run_grade(*args, timeout=600):
    return subprocess.run([sys.executable, str(GRADE), *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One run of the whole pipeline: (completed process, JSON result, build folder)."""
    tmp = tmp_path_factory.mktemp("homework")
    build, out = tmp / "build", tmp / "result.json"
    run = run_grade("--build", build, "--json", out)
    assert out.is_file(), f"grade.py wrote no result:\n{run.stdout}\n{run.stderr}"
    return run, json.loads(out.read_text()), build


def _nb(path):
    return json.loads(pathlib.Path(path).read_text(encoding="utf-8"))


def _cells(nb):
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
            if "nbgrader" in c["metadata"]}


# the pipeline

def test_prints_the_four_expected_scores(graded):
    run, _, _ = graded
    lines = [ln for ln in run.stdout.splitlines() if re.match(r"^\w+: \d+ / \d+", ln)]
    assert lines == EXPECTED_LINES, run.stdout + run.stderr
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr


def test_scores_cell_by_cell(graded):
    _, result, _ = graded
    scores = result["scores"]
    solution = _cells(_nb(HOMEWORK / "source" / "params" / "params.ipynb"))
    points = {k: c["metadata"]["nbgrader"]["points"] for k, c in solution.items()
              if c["metadata"]["nbgrader"]["grade"] and c["cell_type"] == "code"}
    assert sum(points.values()) == scores["solution"]["max"] == 17
    assert scores["solution"]["cells"] == points
    assert scores["untouched"]["cells"] == dict.fromkeys(points, 0)
    assert scores["partial"]["cells"] == PARTIAL_CELLS
    broken = {"ex1-test-select", "ex1-test-freeze"}  # they need the answer cell that fails
    assert scores["syntax"]["cells"] == {k: 0 if k in broken else v for k, v in points.items()}
    assert {s["manual_max"] for s in scores.values()} == {2}


def test_an_edited_test_cell_is_restored(graded):
    """The kept partial submission replaced test cell ex4-test-grad by ``pass``; nbgrader
    grades the original test from its gradebook, so that cell still earns 0 (README)."""
    edited = "".join(_cells(_nb(PARTIAL))["ex4-test-grad"]["source"])
    assert edited.startswith("pass") and "assert_grad_is_sum" not in edited
    _, result, _ = graded
    assert result["scores"]["partial"]["cells"]["ex4-test-grad"] == 0


def test_student_version_has_no_solutions(graded):
    _, _, build = graded
    text = (build / "release" / "params" / "params.ipynb").read_text(encoding="utf-8")
    release = _cells(json.loads(text))
    assert "BEGIN SOLUTION" not in text and "copy_params(pretrained[0]" not in text
    assert "params=shared.params" not in text and "DeferredInitializationError" not in text
    assert "raise NotImplementedError()" in "".join(release["ex4-solution"]["source"])
    assert "YOUR ANSWER HERE" in "".join(release["ex5-2-answer"]["source"])
    source = _cells(_nb(HOMEWORK / "source" / "params" / "params.ipynb"))
    for gid in ("ex4-test-grad", "ex5-1-test"):  # the graded cells reach the student as written
        assert release[gid]["source"] == source[gid]["source"]
    assert (build / "gradebook.db").is_file()


def test_feedback_shows_what_testing_says(graded):
    _, result, build = graded
    html = pathlib.Path(result["feedback"])
    assert html == build / "feedback" / "partial" / "params" / "params.html"
    text = html.read_text(encoding="utf-8").replace("&#39;", "'")
    for message in ["are not frozen (grad_req should be 'null')",
                    "freeze them: freeze(net, pattern)",
                    "do not look like Normal(",
                    "equal values but separate objects: build the second layer with "
                    "params=first.params"]:
        assert message in text, message


def test_syntax_error_and_out_of_order_runs_are_graded(graded):
    _, _, build = graded
    broken = _cells(_nb(build / "submitted" / "syntax" / "params" / "params.ipynb"))
    with pytest.raises(SyntaxError):
        compile("".join(broken["ex1-solution"]["source"]), "cell", "exec")
    counts = [c["execution_count"] for c in _nb(PARTIAL)["cells"] if c["cell_type"] == "code"]
    assert counts != sorted(counts)  # the kept submission was run out of order


def test_missing_submission_is_one_line(tmp_path):
    run = run_grade("--build", tmp_path / "build", "--samples", tmp_path, "--only", "partial",
                    timeout=120)
    assert run.returncode == 1
    assert run.stdout.startswith(f"partial: missing submission: {tmp_path / 'partial.ipynb'} "
                                 "does not exist")
    assert "Traceback" not in run.stdout + run.stderr


def test_kernel_is_the_venvs():
    sys.path.insert(0, str(HOMEWORK))
    try:
        import grade
    finally:
        sys.path.remove(str(HOMEWORK))
    assert grade.kernel_problem() == ""


# the assertions the test cells use: the wrong kind of object is a TypeError saying what they take

@pytest.mark.parametrize("call, message", [
    (lambda net, X: testing.assert_param_at(net, "0.bias", net[0].bias.data()),
     r"assert_param_at takes a gluon.Parameter as param, not NDArray \(that is its values"),
    (lambda net, X: testing.assert_param_at(net[0].bias, "0.bias", net[0].bias),
     r"assert_param_at: net must be a gluon.Block \(the network itself\), not Parameter"),
    (lambda net, X: testing.assert_param_at(net, 0, net[0].bias),
     r"path must be a structural path such as '0.1.bias', not 0"),
    (lambda net, X: testing.assert_grad_is_sum(X, X),
     r"assert_grad_is_sum: net must be a gluon.Block \(the network itself\), not NDArray"),
    (lambda net, X: testing.assert_grad_is_sum(net, X, [net[1].weight.grad()]),
     r"grads must be a dict \{structural path: gradient\}, e.g. \{'1.weight': g\}, not list"),
    (lambda net, X: testing.assert_grad_is_sum(net, X, {"1.weight": net[1].weight}),
     r"takes the gradient for '1.weight' as an array .*not Parameter: pass its gradient"),
    (lambda net, X: testing.assert_grad_norms(net, [1.0]),
     r"reported must be a dict \{structural path: norm\}, e.g. \{'0.weight': 0.12\}, not list"),
    (lambda net, X: testing.assert_grad_norms(net, dict.fromkeys(["0.weight", "1.weight",
                                                                   "2.weight", "3.weight"], "big")),
     r"the norm for '0.weight' must be a number, e.g. float\(np.linalg.norm\(p.grad\(\)\)\)"),
    (lambda net, X: testing.assert_params_equal(net[0].weight.data(), net[0].weight),
     r"assert_params_equal takes nets, layers, Parameters or Snapshots, not NDArray as a: "
     r"pass the Parameter"),
    (lambda net, X: testing.assert_tied(net[1].weight.data(), net[2].weight),
     r"assert_tied takes two Parameters or two layers, not NDArray and Parameter"),
    (lambda net, X: testing.assert_not_tied("dense0", net[1]),
     r"assert_not_tied takes two Parameters or two layers, not str and Dense"),
    (lambda net, X: testing.assert_frozen([net[0]]), r"must be a gluon.Block.*not list"),
    (lambda net, X: testing.assert_selects(net, ".*bias", "dense0_bias"),
     r"expected_names must be a list of parameter names such as \['dense0_weight'\]"),
    (lambda net, X: testing.assert_init_matches(None, "zeros"),
     r"must be a gluon.Block, a ParameterDict or a Parameter, not NoneType"),
])
def test_wrong_kind_of_object_is_a_type_error(call, message):
    net, X = lecture_tied_mlp(ctx="cpu", seed=0)
    before = snapshot(net)
    with pytest.raises(TypeError, match=message):
        call(net, X)
    testing.assert_params_equal(before, net)  # a refused call changes nothing


# the new assertions pass on a true claim and say the likely mistake on a false one

def test_assert_param_at_names_the_mistake():
    with fresh_names():
        inner = nn.Sequential()
        inner.add(nn.Dense(3, in_units=2), nn.Dense(2, in_units=3))
        net = nn.Sequential()
        net.add(inner, nn.Dense(1, in_units=2))
    testing.assert_param_at(net, "0.1.bias", inner[1].bias)
    with pytest.raises(AssertionError, match=r"expected the Parameter at path '0.1.bias' "
                       r"\(dense1_bias, shape \(2,\)\), found dense1_weight, which is at path "
                       r"'0.1.weight': the right layer but the wrong parameter: take .bias"):
        testing.assert_param_at(net, "0.1.bias", inner[1].weight)
    with pytest.raises(AssertionError, match=r"found dense0_bias, which is at path '0.0.bias': "
                       r"the right kind of parameter in the wrong layer; .*net\[0\]\[1\].bias"):
        testing.assert_param_at(net, "0.1.bias", inner[0].bias)
    with pytest.raises(ValueError, match=r"net has no parameter at path '1.1.bias'; its paths "
                       r"are 0.0.weight, 0.0.bias"):
        testing.assert_param_at(net, "1.1.bias", inner[0].bias)


def test_assert_grad_is_sum_and_its_mistakes():
    net, X = lecture_tied_mlp(ctx="cpu", seed=0)
    with autograd.record():
        out = net(X).sum()
    out.backward()
    testing.assert_grad_is_sum(net, X, {"1.weight": net[1].weight.grad(),
                                        "dense0_bias": net[2].bias.grad().asnumpy()})
    with pytest.raises(AssertionError, match=r"likely mistake: it is 2 times the sum: "
                       r"gradients added up over several backward passes"):
        testing.assert_grad_is_sum(net, X, {"1.weight": 2 * net[1].weight.grad()})
    with pytest.raises(AssertionError, match=r"likely mistake: it is all zeros"):
        testing.assert_grad_is_sum(net, X, {"1.weight": 0 * net[1].weight.grad()})
    with pytest.raises(AssertionError, match=r"'0.weight' is not a tied parameter of this net; "
                       r"the tied ones are 1.weight = 2.weight"):
        testing.assert_grad_is_sum(net, X, {"0.weight": net[0].weight.grad()})
    plain, Xp = lecture_mlp(ctx="cpu", seed=0)
    with pytest.raises(AssertionError, match=r"expected tied parameters, found none.*"
                       r"params=first.params"):
        testing.assert_grad_is_sum(plain, Xp)


def test_assert_grad_norms_and_its_mistakes():
    net, X = lecture_tied_mlp(ctx="cpu", seed=0)
    with autograd.record():
        out = net(X).sum()
    out.backward()
    norms = {f"{i}.weight": float(nd.norm(net[i].weight.grad()).asscalar()) for i in range(4)}
    testing.assert_grad_norms(net, norms)
    assert norms["1.weight"] == norms["2.weight"]  # one Parameter, one gradient
    values = dict(norms, **{"0.weight": float(nd.norm(net[0].weight.data()).asscalar())})
    with pytest.raises(AssertionError, match=r"1 of 4 gradient norms differ:\n  0.weight "
                       r"\(dense1_weight\): expected .*that is the norm of the weight's values"):
        testing.assert_grad_norms(net, values)
    with pytest.raises(AssertionError, match=r"missing: '0.weight'; unknown keys: "
                       r"'dense1_weight' \(a Gluon name: its path is '0.weight'\)"):
        testing.assert_grad_norms(net, {"dense1_weight": 1.0, "1.weight": 1.0, "2.weight": 1.0,
                                        "3.weight": 1.0})
