"""The tour reproduces the 2019 lecture's printed rows (tests/data/lecture_2019_rows.json)."""
import io
import subprocess
import sys

import numpy as np
import pytest
from reference import first_printed_row, lecture_row

from l10_params.tour import Tour, all_steps, main


def access_steps():
    return [s.key for s in all_steps()].index("empty-selection") + 1


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
                          "--step", str(access_steps())],
                         capture_output=True, text=True, check=True).stdout
    np.testing.assert_allclose(first_printed_row(out), lecture_row("forward_row0"), atol=1e-6)
    np.testing.assert_allclose(first_printed_row(out[out.index("Out[3]"):])[:3],
                               lecture_row("dense0_weight_row0_head"), atol=1e-6)
    assert "ValueError: pattern 'weight' matches no parameter" in out
    assert "use '.*weight'" in out


def test_every_step_prints_explanation_code_and_output():
    buf = io.StringIO()
    main(ctx="cpu", stop=access_steps(), out=buf)
    text = buf.getvalue()
    for i, step in enumerate(all_steps()[:access_steps()], 1):
        assert f"── {i}/" in text and step.en in text
        assert step.code.splitlines()[0] in text
    assert text.count("Out[") == access_steps()


def test_chinese_text():
    buf = io.StringIO()
    main(ctx="cpu", lang="zh", stop=2, out=buf)
    text = buf.getvalue()
    assert "管理参数" in text and all_steps()[0].zh in text and all_steps()[0].en not in text


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


def test_bad_arguments():
    with pytest.raises(ValueError, match="lang must be 'en' or 'zh', not 'fr'"):
        Tour(ctx="cpu", lang="fr")
    with pytest.raises(ValueError, match=r"step must be a whole number from 1 to \d+, not 0"):
        Tour(ctx="cpu").run(stop=0)


def test_unexpected_error_is_not_swallowed():
    from l10_params.tour import run_code

    with pytest.raises(ZeroDivisionError):
        run_code("1 / 0", {}, expect_error="ValueError")
    assert run_code("1 / 0", {}, expect_error="ZeroDivisionError").startswith(
        "ZeroDivisionError: division by zero")


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
    broken.steps = [type(broken.steps[0])("boom", "", "", "1 / 0")]
    with pytest.raises(ZeroDivisionError):
        broken.run()
    assert npx.is_np_array() == (mode == "np")
    buf = io.StringIO()
    main(ctx="cpu", lang="zh", stop=1, out=buf)
    assert ("导览运行期间会暂时关闭它" in buf.getvalue()) == (mode == "np")
