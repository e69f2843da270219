"""The command line through main([...]): output, exit status, one-line errors."""
import mxnet as mx
import numpy as np
import pytest
from reference import first_printed_row, lecture_row

from l10_params import lecture_mlp
from l10_params.cli import main


def test_tour_steps(capsys):
    assert main(["tour", "--ctx", "cpu", "--step", "1"]) == 0
    out = capsys.readouterr().out
    assert "── 1/" in out and "── 2/" not in out
    np.testing.assert_allclose(first_printed_row(out), lecture_row("forward_row0"), atol=1e-6)


def test_tour_env_ctx(capsys, monkeypatch):
    monkeypatch.setenv("L10_PARAMS_CTX", "cpu:0,cpu:1")
    assert main(["tour", "--step", "1"]) == 0
    assert "context: cpu(0), cpu(1) ($L10_PARAMS_CTX)" in capsys.readouterr().out


def test_summary_model_zoo(capsys):
    assert main(["summary", "squeezenet1.1", "--select", ".*conv0.*"]) == 0
    out = capsys.readouterr().out
    assert "squeezenet0_conv0_weight" in out and "(64, 3, 3, 3)" in out


def test_summary_params_file(tmp_path, capsys):
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    path = tmp_path / "mlp.params"
    net.save_parameters(str(path))
    assert main(["summary", str(path), "--stats"]) == 0
    out = capsys.readouterr().out
    assert "0.weight" in out and "(256, 20)" in out and "Total: 7,946 values" in out


@pytest.mark.parametrize("argv, message", [
    (["tour", "--ctx", "tpu"], "l10-params: error: context 'tpu' is not understood"),
    (["tour", "--ctx", "gpu"], "the installed MXNet build has no CUDA"),
    (["tour", "--step", "0"], "step must be a whole number from 1 to"),
    (["tour", "--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
    (["tour", "--step", "x"], "argument --step: invalid int value: 'x'"),
    (["summary", "resnet18"], "'resnet18' is neither a file nor a model-zoo name; close names: "),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
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


@pytest.mark.parametrize("how", ["flag", "env"])
def test_whole_tour_on_two_devices(capsys, monkeypatch, how):
    from l10_params.tour import all_steps

    argv = ["tour", "--lang", "zh"]
    if how == "flag":
        argv += ["--ctx", "cpu:0,cpu:1"]
    else:
        monkeypatch.setenv("L10_PARAMS_CTX", "cpu:0,cpu:1")
    assert main(argv) == 0
    out = capsys.readouterr().out
    n = len(all_steps())
    assert f"── {n}/{n}" in out and "context: cpu(0), cpu(1)" in out
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


@pytest.mark.parametrize("argv", [["tour"], ["tour", "--lang", "zh", "--ctx", "cpu:0,cpu:1"]])
def test_a_closed_pipe_ends_quietly(argv):
    """`l10-params tour | head -1`: a real pipe whose reader goes away after one line."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "l10_params", *argv]
    writer = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = writer.stdout.readline()
    writer.stdout.close()  # the reader goes away, as head -1 does
    err = writer.stderr.read().decode()
    status = writer.wait(timeout=120)
    assert first.strip(), "the command printed nothing before the pipe closed"
    assert err == "", f"expected a quiet end, stderr was: {err[-500:]}"
    assert status == 141  # 128 + SIGPIPE, as any Unix filter whose reader went away
