"""The tour reproduces the 2019 lecture's printed rows (tests/data/lecture_2019_rows.json),
shows one step, a range or all of them, and pauses between steps when asked."""
import io
import subprocess
import sys

import numpy as np
import pytest
from reference import first_printed_row, lecture_row

from l10_params.tour import Tour, all_steps, main, step_number
from l10_params.tour.step import Step

KEYS = [s.key for s in all_steps()]
N = len(KEYS)


def access_steps():
    return KEYS.index("empty-selection") + 1


def shown(text):
    """The step numbers whose heading ``text`` shows."""
    return [int(line.split()[1].split("/")[0]) for line in text.splitlines()
            if line.startswith("── ") and "/" in line.split()[1]]


def test_access_rows_match_lecture():
    t = Tour(ctx="cpu")
    t.run(stop=access_steps())
    net, x = t.ns["net"], t.ns["x"]
    np.testing.assert_allclose(net(x)[0].asnumpy(), lecture_row("forward_row0"), atol=3e-7)
    np.testing.assert_allclose(net[0].params["dense0_weight"].data()[0, :3].asnumpy(),
                               lecture_row("dense0_weight_row0_head"), atol=3e-7)
    assert list(net.collect_params()) == ["dense0_weight", "dense0_bias",
                                          "dense1_weight", "dense1_bias"]


def test_fresh_process_prints_lecture_numbers():
    """Run as a student does, in a new process: the printed text carries the lecture's rows."""
    out = subprocess.run([sys.executable, "-m", "l10_params", "tour", "--ctx", "cpu",
                          "--width", "250"], capture_output=True, text=True, check=True).stdout
    np.testing.assert_allclose(first_printed_row(out), lecture_row("forward_row0"), atol=1e-6)
    np.testing.assert_allclose(first_printed_row(out[out.index("Out[3]"):])[:3],
                               lecture_row("dense0_weight_row0_head"), atol=1e-6)
    assert "ValueError: pattern 'weight' matches no parameter" in out
    assert "use '.*weight'" in out
    assert shown(out) == list(range(1, N + 1))


def test_every_step_prints_explanation_code_and_output():
    buf = io.StringIO()
    t = Tour(ctx="cpu")
    t.run(stop=access_steps(), out=buf, width=200)
    text = buf.getvalue()
    for i, step in enumerate(all_steps()[:access_steps()], 1):
        assert f"── {i}/{N} {step.title[0]} ──" in text
        assert " ".join(t.explain(step.key).split()) in " ".join(text.split())
        assert step.code.splitlines()[0] in text
    assert text.count("Out[") == access_steps()


def test_chinese_text():
    buf = io.StringIO()
    main(ctx="cpu", lang="zh", stop=2, out=buf, width=200)
    text = buf.getvalue()
    assert "管理参数" in text and "".join(all_steps()[0].zh.split()) in "".join(text.split())
    assert all_steps()[0].en[:30] not in text
    assert f"── 1/{N} {all_steps()[0].title[1]} ──" in text


def test_same_output_twice_in_one_process():
    a = Tour(ctx="cpu").run(stop=access_steps())
    b = Tour(ctx="cpu").run(stop=access_steps())
    assert a == b


def test_two_devices_same_numbers():
    one = Tour(ctx="cpu").run(stop=1)[0]
    t = Tour(ctx="cpu:0,cpu:1")
    two = t.run(stop=1)[0]
    assert one.replace("@cpu(0)", "") == two.replace("@cpu(0)", "")
    assert t.ns["net"][0].weight.list_ctx() == t.ctx


def test_step_alone_runs_the_steps_before_it_silently():
    """--step N: only step N is shown, and it sees what steps 1..N-1 made (the same output as
    in a whole run)."""
    k = KEYS.index("edit-diff") + 1
    whole = Tour(ctx="cpu").run()
    buf = io.StringIO()
    main(ctx="cpu", step=k, out=buf, width=100)
    text = buf.getvalue()
    assert shown(text) == [k]
    assert f"(steps 1 to {k - 1} ran first, without output: step {k} uses what they made)" \
        in text
    assert whole[k - 1] in text and text.count("Out[") == 1
    buf = io.StringIO()
    main(ctx="cpu", step="edit-diff", out=buf, width=100)  # by name
    assert shown(buf.getvalue()) == [k]


def test_from_and_stop():
    buf = io.StringIO()
    main(ctx="cpu", start=N - 2, out=buf, width=100)
    assert shown(buf.getvalue()) == [N - 2, N - 1, N]
    buf = io.StringIO()
    main(ctx="cpu", start="lookup", stop="summary", out=buf, width=100)
    assert shown(buf.getvalue()) == [7, 8, 9]


def test_pause_waits_for_enter_and_q_stops():
    buf = io.StringIO()
    main(ctx="cpu", start=3, pause=True, out=buf, width=100, answers=io.StringIO("\n\nq\n"))
    text = buf.getvalue()
    assert shown(text) == [3, 4, 5]
    assert text.count("── Enter: step ") == 3 and f"── Enter: step 4/{N} · q, Enter: quit ──" \
        in text
    assert text.rstrip().endswith(f"(stopped after step 5 of {N}; to go on: --from 6)")


def test_pause_before_the_output_of_a_step_taller_than_the_screen():
    """A teacher's terminal of 30 lines: step explain-init's table would push its explanation
    off the screen, so the tour waits before Out[11] too."""
    k = KEYS.index("init-no-force") + 1
    buf = io.StringIO()
    main(ctx="cpu", start=k - 1, stop=k, pause=True, out=buf, width=80, height=30,
         answers=io.StringIO("\n\n"))
    text = buf.getvalue()
    assert f"── Enter: Out[{k}] · q, Enter: quit ──" in text
    assert f"── Enter: Out[{k - 1}]" not in text  # a short step: no pause before its output
    assert text.index(f"In [{k}]") < text.index(f"Enter: Out[{k}]") < text.index(f"Out[{k}]:")
    buf = io.StringIO()
    main(ctx="cpu", step=k, pause=True, out=buf, width=80, height=30,
         answers=io.StringIO("q\n"))
    assert f"Out[{k}]:" not in buf.getvalue()
    assert buf.getvalue().rstrip().endswith(f"(stopped before the output of step {k} of {N}; "
                                            f"to go on: --from {k})")


def test_pause_stops_at_the_end_of_input_and_speaks_chinese():
    buf = io.StringIO()
    main(ctx="cpu", lang="zh", start=N - 1, pause=True, out=buf, width=100,
         answers=io.StringIO(""))
    text = buf.getvalue()
    assert shown(text) == [N - 1]
    assert f"── 回车：第 {N}/{N} 步 · 输入 q 再回车：退出 ──" in text
    assert f"（在第 {N - 1} 步后停止，共 {N} 步；接着看：--from {N}）" in text
    buf = io.StringIO()  # no pause after the last step
    main(ctx="cpu", step=N, pause=True, out=buf, width=100, answers=io.StringIO(""))
    assert "回车" not in buf.getvalue() and "Enter" not in buf.getvalue()


def test_bad_arguments():
    with pytest.raises(ValueError, match="lang must be 'en' or 'zh', not 'fr'"):
        Tour(ctx="cpu", lang="fr")
    with pytest.raises(ValueError, match=r"step must be a whole number from 1 to \d+ or a "
                                         r"step's name such as 'build', not 0"):
        Tour(ctx="cpu").run(stop=0)
    with pytest.raises(ValueError, match=r"start must be a whole number from 1 to \d+ or a "
                                         r"step's name such as 'build', not 'tie'"):
        main(ctx="cpu", start="tie", out=io.StringIO())
    with pytest.raises(ValueError, match=r"give step \(one step\) or start and stop"):
        main(ctx="cpu", step=2, start=1, out=io.StringIO())
    with pytest.raises(ValueError, match="start=5 comes after stop=3; show steps in order"):
        Tour(ctx="cpu").run(stop=3, start=5, out=io.StringIO())
    with pytest.raises(ValueError, match=r"step must be .* not True"):
        step_number(True, all_steps())


def test_unexpected_error_is_not_swallowed():
    from l10_params.tour import run_code

    with pytest.raises(ZeroDivisionError):
        run_code("1 / 0", {}, expect_error="ValueError")
    assert run_code("1 / 0", {}, expect_error="ZeroDivisionError").startswith(
        "ZeroDivisionError: division by zero")


def test_explanations_that_quote_the_run_need_it():
    step = all_steps()[KEYS.index("edit-diff")]
    with pytest.raises(ValueError, match="step 'edit-diff' quotes values of the run: pass "
                                         "what its facts returned"):
        step.explain("en")


def test_numpy_mode_tour_runs_legacy_code_and_restores_the_mode(mode):
    """With npx.set_np() on, the tour switches it off for its run (the steps are the lecture's
    nd code), prints the lecture's numbers, and switches it back on, also after an error."""
    from mxnet import nd, npx

    t = Tour(ctx="cpu")
    out = t.run(stop=1)
    np.testing.assert_allclose(first_printed_row(out[0]), lecture_row("forward_row0"), atol=1e-6)
    assert type(t.ns["x"]) is nd.NDArray
    assert npx.is_np_array() == (mode == "np")
    broken = Tour(ctx="cpu")
    broken.steps = [Step("boom", ("", ""), "", "", "1 / 0")]
    with pytest.raises(ZeroDivisionError):
        broken.run()
    assert npx.is_np_array() == (mode == "np")
    buf = io.StringIO()
    main(ctx="cpu", lang="zh", stop=1, out=buf)
    assert ("导览运行期间会暂时关闭它" in buf.getvalue()) == (mode == "np")
