"""The command line: output, exit status, one-line errors; usage errors answered before MXNet
is imported; Ctrl-C at any moment ends it with one line and status 130."""
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import mxnet as mx
import numpy as np
import pytest
from reference import first_printed_row, lecture_row

import _l10_params_cli
from l10_params import lecture_mlp, run_dist
from l10_params.cli import main
from l10_params.tour import all_steps

N = len(all_steps())


def test_the_console_script_is_the_module_outside_the_package():
    (ep,) = [e for e in importlib.metadata.entry_points(group="console_scripts")
             if e.name == "l10-params"]
    assert ep.value == "_l10_params_cli:console"
    assert main is _l10_params_cli.main  # python -m l10_params runs the same main


def test_tour_step_alone(capsys):
    assert main(["tour", "--ctx", "cpu", "--step", "1"]) == 0
    out = capsys.readouterr().out
    assert f"── 1/{N}" in out and f"── 2/{N}" not in out
    np.testing.assert_allclose(first_printed_row(out), lecture_row("forward_row0"), atol=1e-6)


def test_tour_env_ctx(capsys, monkeypatch):
    monkeypatch.setenv("L10_PARAMS_CTX", "cpu:0,cpu:1")
    assert main(["tour", "--step", "1"]) == 0
    assert "context: cpu(0), cpu(1) ($L10_PARAMS_CTX)" in capsys.readouterr().out


def test_tour_in_chinese_says_where_it_runs_in_chinese(capsys, monkeypatch):
    monkeypatch.setenv("L10_PARAMS_CTX", "cpu:0,cpu:1")
    assert main(["tour", "--lang", "zh", "--step", "tie-grad", "--width", "80"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("管理参数：逐步重现课程内容\n设备：cpu(0), cpu(1)（来自环境变量 "
                          "$L10_PARAMS_CTX）\n")
    head = out.split("In [")[0]
    assert "context:" not in head and "layer names" not in head and "ran first" not in head
    assert "（第 1 到 27 步已经先运行过，不显示输出：第 28 步要用到它们的结果）" in head


def test_tour_from_and_width(capsys):
    assert main(["tour", "--ctx", "cpu", "--from", str(N - 1), "--width", "60"]) == 0
    out = capsys.readouterr().out
    assert f"── {N - 1}/{N}" in out and f"── {N}/{N}" in out and f"── {N - 2}/" not in out
    assert max(len(ln) for ln in out.splitlines() if not ln.startswith("    ")) <= 60


def test_summary_model_zoo(capsys):
    assert main(["summary", "squeezenet1.1", "--select", ".*conv0.*"]) == 0
    out = capsys.readouterr().out
    assert "squeezenet0_conv0_weight" in out and "(64, 3, 3, 3)" in out


def test_summary_params_file(tmp_path, capsys):
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    path = tmp_path / "mlp.params"
    net.save_parameters(str(path))
    assert main(["summary", str(path), "--stats", "--width", "200"]) == 0
    out = capsys.readouterr().out
    assert "0.weight" in out and "(256, 20)" in out and "Total: 7,946 values" in out
    assert [ln for ln in out.splitlines() if ln.startswith("path ")] != [] and \
        len([ln for ln in out.splitlines() if ln.startswith("path ")]) == 1  # one block


@pytest.mark.parametrize("argv, message", [
    (["tour", "--ctx", "tpu"], "l10-params: error: context 'tpu' is not understood"),
    (["tour", "--ctx", "gpu"], "the installed MXNet build has no CUDA"),
    (["tour", "--step", "0"], "step must be a whole number from 1 to"),
    (["tour", "--step", "tie"], "or a step's name such as 'build', not 'tie'"),
    (["tour", "--from", "99"], "--from must be a whole number from 1 to"),
    (["tour", "--step", "2", "--from", "3"], "argument --from: not allowed with argument --step"),
    (["tour", "--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
    (["tour", "--width", "20"], "--width 20 is too narrow: give at least 40 columns"),
    (["summary", "resnet18"], "'resnet18' is neither a file nor a model-zoo name; close names: "),
    (["summary", "x", "--select", "["], "--select '[' is not a regular expression"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["tour", "--step", "edit-dif"], "not 'edit-dif'; did you mean 'edit-diff'? (the steps: "),
    (["tour", "--stp", "3"], "l10-params tour: unrecognized arguments: --stp 3; did you mean "
                             "--step? (see l10-params tour --help)"),
    (["dist", "--wrkers", "2"], "l10-params dist: unrecognized arguments: --wrkers 2; did you "
                                "mean --workers? (see l10-params dist --help)"),
    (["tour", "extra"], "l10-params tour: unrecognized arguments: extra (see l10-params tour "
                        "--help)"),
])
def test_wrong_arguments_exit_2_with_one_line(capsys, argv, message):
    if "gpu" in argv and mx.context.num_gpus() > 0:
        pytest.skip("this machine has a GPU")
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    assert captured.out == ""


def test_not_a_params_file(tmp_path, capsys):
    bad = tmp_path / "notes.params"
    bad.write_text("hello")
    assert main(["summary", str(bad)]) == 2
    assert "is not a file written by save_parameters" in capsys.readouterr().err


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "tour" in capsys.readouterr().out


# ---- answered before MXNet is imported ---------------------------------------------------

USAGE_ERRORS = [
    ["tour", "--step", "0"], ["tour", "--from", "x"], ["tour", "--lang", "fr"],
    ["tour", "--ctx", "tpu"], ["tour", "--ctx", "cpu:1,cpu(1)"], ["tour", "--ctx", "cpu:x"],
    ["tour", "--ctx", "cpu:64"], ["tour", "--ctx", "auto,cpu"], ["tour", "--ctx", "cpu,"],
    ["tour", "--width", "3"], ["tour", "--step", "1", "--from", "2"], ["frobnicate"],
    ["summary"], ["summary", "DIR"], ["summary", "MISSING.params"], ["summary", "x", "--select",
                                                                      "(a"],
    ["dist", "--workers", "0"], ["dist", "--servers", "9"], ["dist", "--steps", "-1"],
    ["dist", "--port", "80"], ["dist", "--timeout", "0"], ["dist", "--workers", "two"],
]


def _without_mxnet(argvs, env=None):
    """Run _l10_params_cli.main on each argv in one fresh process; per argv: (status, stderr,
    whether mxnet or l10_params got imported)."""
    code = textwrap.dedent("""
        import contextlib, io, json, sys
        import _l10_params_cli
        out = []
        for argv in json.loads(sys.argv[1]):
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                status = _l10_params_cli.main(argv)
            out.append([status, err.getvalue(),
                        sorted(m for m in ("mxnet", "l10_params") if m in sys.modules)])
        print(json.dumps(out))
    """)
    res = subprocess.run([sys.executable, "-c", code, json.dumps(argvs)], capture_output=True,
                         text=True, check=True, env={**os.environ, **(env or {})})
    return json.loads(res.stdout)


def test_usage_errors_are_answered_without_importing_mxnet(tmp_path):
    argvs = [[str(tmp_path) if a == "DIR" else str(tmp_path / a) if a.endswith(".params")
              else a for a in argv] for argv in USAGE_ERRORS]
    for argv, (status, err, imported) in zip(argvs, _without_mxnet(argvs)):
        assert status == 2 and len(err.strip().splitlines()) == 1, (argv, err)
        assert imported == [], f"{argv} imported {imported} before answering: {err}"


def test_help_and_a_bad_environment_variable_too():
    (tour_help, zh_help, top, env_bad) = _without_mxnet(
        [["tour", "--help"], ["tour", "--lang", "zh", "--help"], ["--help"],
         ["tour", "--step", "1"]], env={"L10_PARAMS_CTX": "tpu"})
    assert tour_help[0] == zh_help[0] == top[0] == 0
    assert tour_help[2] == zh_help[2] == top[2] == env_bad[2] == []
    assert env_bad[0] == 2 and "$L10_PARAMS_CTX='tpu' is not usable: context 'tpu' is not " \
        "understood" in env_bad[1]


def test_help_lists_every_step_with_its_range(capsys):
    assert main(["tour", "--help"]) == 0
    out = capsys.readouterr().out
    assert f"a number from 1 to {N}, or a step's name" in out
    for i, s in enumerate(all_steps(), 1):
        assert f"  {i:>2}  {s.key:<16}  {s.title[0]}" in out
    assert main(["tour", "--lang", "zh", "--help"]) == 0
    zh = capsys.readouterr().out
    assert f"步骤（--step 和 --from 接受 1 到 {N} 的编号" in zh
    assert all(s.title[1] in zh for s in all_steps())
    assert all(len(ln) <= 80 for ln in out.splitlines())


def test_the_step_list_without_mxnet_is_the_tours():
    steps = _l10_params_cli._tour_steps()
    assert [(s.key, s.title) for s in steps] == [(s.key, s.title) for s in all_steps()]


@pytest.mark.parametrize("spec", ["tpu", "cpu:x", "cpu(1),cpu:1", "cpu:64", "auto,cpu", "cpu,",
                                  " ", "gpu:-1", "cpu(2", "CPU:1,cpu:0", "cpu:0, cpu:1", "auto",
                                  "cpu(3)", "cpu:63"])
def test_the_context_check_agrees_with_resolve_ctx(spec):
    from l10_params import resolve_ctx

    try:
        resolve_ctx(spec)
        expected = None
    except ValueError as e:
        expected = str(e)
    assert _l10_params_cli.ctx_problem(spec) == expected


@pytest.mark.parametrize("name, value", [("workers", 0), ("workers", 17), ("servers", 0),
                                         ("servers", 9), ("steps", -1), ("steps", 1001),
                                         ("port", 1023), ("port", 65536)])
def test_the_dist_limits_agree_with_run_dist(capsys, name, value):
    with pytest.raises(ValueError) as e:
        run_dist(**{"workers": 1, name: value})
    assert main(["dist", f"--{name}", str(value)]) == 2
    assert capsys.readouterr().err.strip() == f"l10-params: error: {e.value}"
    with pytest.raises(ValueError) as e:
        run_dist(1, timeout=0.0)
    assert main(["dist", "--timeout", "0"]) == 2
    assert capsys.readouterr().err.strip() == f"l10-params: error: {e.value}"


def test_the_select_check_agrees_with_summary(capsys):
    from l10_params import summary

    net, _ = lecture_mlp(ctx="cpu", seed=0)
    with pytest.raises(ValueError, match="not a valid regular expression|not a regular exp"):
        summary(net, "(a")
    assert main(["summary", "x", "--select", "(a"]) == 2
    assert "--select '(a' is not a regular expression" in capsys.readouterr().err


# ---- Ctrl-C at any moment, and a closed pipe -------------------------------------------


def _interrupt(argv, when, timeout=120):
    """Start the console script's ``console()`` with SIGINT at its default (whatever this
    suite inherited: nohup, &, a CI runner), interrupt it when ``when(proc)`` says so."""
    code = "import _l10_params_cli; _l10_params_cli.console()"
    proc = subprocess.Popen([sys.executable, "-c", code, *argv], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + timeout
    while not when(proc):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the moment to interrupt never came"
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out.decode(), err.decode()


def _loading_mxnet(proc):
    """True once the process maps libmxnet.so: MXNet's import is under way."""
    try:
        with open(f"/proc/{proc.pid}/maps") as f:
            return "libmxnet" in f.read()
    except OSError:
        return False


def _printed(text):
    def ready(proc):
        os.set_blocking(proc.stdout.fileno(), False)
        chunk = proc.stdout.read1(1 << 16) if hasattr(proc.stdout, "read1") else None
        ready.seen += chunk or b""
        return text.encode() in ready.seen
    ready.seen = b""
    return ready


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/maps")
@pytest.mark.parametrize("moment", ["importing mxnet", "running a step", "at a pause"])
def test_ctrl_c_at_any_moment_is_one_line_and_130(moment):
    argv = ["tour", "--ctx", "cpu"] + (["--pause"] if moment == "at a pause" else [])
    when = {"importing mxnet": _loading_mxnet, "running a step": _printed("── 2/"),
            "at a pause": _printed("── Enter: step 2/")}[moment]
    status, out, err = _interrupt(argv, when)
    assert status == 130, (out[-300:], err)
    assert err.strip().splitlines() == ["l10-params: interrupted (Ctrl-C)"], err


def test_ctrl_c_in_chinese():
    status, _, err = _interrupt(["tour", "--lang", "zh", "--pause"], _printed("回车"))
    assert status == 130 and err.strip() == "l10-params：已中断（Ctrl-C）"


@pytest.mark.parametrize("argv", [["tour"], ["tour", "--lang", "zh", "--ctx", "cpu:0,cpu:1"]])
def test_a_closed_pipe_ends_quietly(argv):
    """`l10-params tour | head -1`: a real pipe whose reader goes away after one line."""
    cmd = [sys.executable, "-m", "l10_params", *argv]
    writer = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = writer.stdout.readline()
    writer.stdout.close()  # the reader goes away, as head -1 does
    err = writer.stderr.read().decode()
    status = writer.wait(timeout=120)
    assert first.strip(), "the command printed nothing before the pipe closed"
    assert err == "", f"expected a quiet end, stderr was: {err[-500:]}"
    assert status == 141  # 128 + SIGPIPE, as any Unix filter whose reader went away


@pytest.mark.parametrize("how", ["flag", "env"])
def test_whole_tour_on_two_devices(capsys, monkeypatch, how):
    argv = ["tour", "--lang", "zh"]
    if how == "flag":
        argv += ["--ctx", "cpu:0,cpu:1"]
    else:
        monkeypatch.setenv("L10_PARAMS_CTX", "cpu:0,cpu:1")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"── {N}/{N}" in out and "设备：cpu(0), cpu(1)" in out
    assert "[-5.3659673  7.5773945  8.986376" in out  # MyInit's row, as in 2019
    assert "[42.         8.5773945  9.986376" in out  # the edited row


def test_summary_of_a_params_file_of_integers(tmp_path, capsys):
    from mxnet import gluon, init

    pd = gluon.ParameterDict()
    pd.get("steps", shape=(3,), dtype="int32").initialize(init.Constant(7))
    path = tmp_path / "ints.params"
    pd.save(str(path))
    assert main(["summary", str(path), "--stats"]) == 0
    out = capsys.readouterr().out
    assert "int32" in out and "Total: 3 values in 1 parameters" in out


def test_a_terminal_gets_the_one_line_error_wrapped_at_spaces(monkeypatch, capsys):
    monkeypatch.setattr(_l10_params_cli, "_isatty", lambda f: True)
    monkeypatch.setenv("COLUMNS", "60")
    assert main(["tour", "--ctx", "tpu"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) > 1 and all(len(ln) < 60 for ln in lines)
    assert " ".join(lines).startswith("l10-params: error: context 'tpu' is not understood; use")
