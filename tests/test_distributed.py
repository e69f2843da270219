"""MXNet's dist_sync parameter server on local processes: agreement, failures, no orphans.

Every cluster here is real (a scheduler, servers and workers, each a process running
MXNet); a run takes a few seconds on this 2-core machine.
"""
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import time

import mxnet as mx
import numpy as np
import psutil
import pytest

from l10_params import DistResult, lecture_mlp, run_dist
from l10_params.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _alive(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _no_children_left():
    left = [p for p in psutil.Process().children(recursive=True)
            if _alive(p.pid) and "DMLC_ROLE" in _environ(p)]
    assert not left, f"processes left behind: {left}"


def _environ(p):
    try:
        return p.environ()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return {}


@pytest.fixture(scope="module")
def runs():
    return {n: run_dist(n, servers=1, steps=2) for n in (2, 3)}


@pytest.mark.parametrize("n", [2, 3])
def test_workers_agree_after_broadcast_and_each_step(runs, n):
    r = runs[n]
    assert isinstance(r, DistResult) and r.stages == ("before", "broadcast", "step 1", "step 2")
    assert [row.worker for row in r.at("before")] == list(range(n))
    assert not r.agree("before"), "different seeds must give different parameters"
    first = r.at("before")[0]
    for row in r.at("broadcast"):  # every worker now holds worker 0's values
        assert row.digest == first.digest
        np.testing.assert_allclose(row.first, first.first, rtol=0, atol=0)
    assert r.agree("step 1") and r.agree("step 2") and r.all_agree
    assert r.at("step 1")[0].digest != r.at("broadcast")[0].digest, "a step changed nothing"
    _no_children_left()


@pytest.mark.parametrize("n", [2, 3])
def test_servers_sum_the_workers_gradients(runs, n):
    """SGD on the servers: the change of the sum of all parameters is lr * sum(g) / batch."""
    r = runs[n]
    for before, stage in [("broadcast", "step 1"), ("step 1", "step 2")]:
        rows = r.at(stage)
        grads = [row.grad_sum for row in rows]
        assert len(set(grads)) == n, "each worker computes its own gradient on its own batch"
        change = r.at(before)[0].checksum - rows[0].checksum
        expected = r.learning_rate * sum(grads) / (2 * n)
        assert change == pytest.approx(expected, rel=1e-4, abs=1e-5)


def test_worker_0_starts_from_the_lecture_numbers(runs):
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    np.testing.assert_allclose(runs[2].at("before")[0].first,
                               net[0].weight.data().asnumpy()[0, :4], rtol=1e-6)


def test_table_and_verdicts(runs):
    text = str(runs[3])
    assert "dense0_weight[0, :4]" in text and "1 server(s), 3 worker(s), 2 step(s)" in text
    assert "broadcast: all 3 workers agree, holding worker 0's initial values" in text
    assert "before: the 3 workers hold 3 different parameter sets" in text
    assert len(runs[3].to_dicts()) == 3 * 4
    with pytest.raises(KeyError, match=r"no stage 'step 9'; the stages are before, broadcast"):
        runs[3].at("step 9")


def test_cli_prints_the_table(capsys):
    assert main(["dist", "--workers", "1", "--steps", "1"]) == 0
    out = capsys.readouterr().out
    assert "step 1: one worker, nothing to compare" in out and "all stopped" in out
    _no_children_left()


def _start_cli(*args):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "l10_params", "dist", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _roles(proc, n, timeout=60):
    """The launcher's children as {pid: role}, once ``n`` of them are up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        kids = psutil.Process(proc.pid).children(recursive=True)
        roles = {k.pid: _environ(k).get("DMLC_ROLE") for k in kids}
        if len(roles) >= n and all(roles.values()):
            return roles
        time.sleep(0.02)
    raise AssertionError(f"{n} roles did not start within {timeout} s")


def _gone(pids, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if _alive(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


def test_worker_killed_mid_run_fails_fast_and_leaves_nothing():
    proc = _start_cli("--workers", "2", "--steps", "1000", "--timeout", "60")
    try:
        roles = _roles(proc, 4)
        worker = next(pid for pid, role in roles.items() if role == "worker")
        out = pathlib.Path(os.readlink(f"/proc/{worker}/fd/1"))  # its report file
        deadline = time.monotonic() + 60
        while '"stage": "step 1"' not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert '"stage": "step 1"' in out.read_text(), "the worker never reached step 1"
        os.kill(worker, signal.SIGKILL)  # mid-run: it is training
        killed = time.monotonic()
        _, err = proc.communicate(timeout=30)
        assert time.monotonic() - killed < 10, "the launcher did not notice the dead worker"
    finally:
        proc.kill()
    assert proc.returncode == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert re.search(rf"^l10-params: dist failed: worker process [12] \(pid {worker}\) was "
                     r"killed by signal SIGKILL; the run was stopped and its 3 other processes "
                     r"ended$", err.strip())
    assert _gone(roles) == []


@pytest.mark.parametrize("how", ["ctrl-c", "kill -9 the launcher"])
def test_launcher_stopped_leaves_no_process(how):
    proc = _start_cli("--workers", "1", "--steps", "1000")
    try:
        roles = _roles(proc, 3)
        proc.send_signal(signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    if how == "ctrl-c":
        assert proc.returncode == 130 and "every process was stopped" in err
    assert _gone(roles) == [], "a role outlived its launcher"


def test_time_limit_stops_everything():
    with pytest.raises(RuntimeError, match=r"did not finish within its time limit of 0.5 s "
                                           r"\(still running: scheduler, server process 1"):
        run_dist(1, steps=0, timeout=0.5)
    _no_children_left()


@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@pytest.mark.parametrize("argv, message", [
    (["--workers", "0"], "workers=0 is out of range: expected 1 to 16; e.g. workers=2"),
    (["--steps", "-1"], "steps=-1 is out of range: expected 0 to 1000"),
    (["--servers", "0"], "servers=0 is out of range: expected 1 to 8"),
    (["--timeout", "0"], "timeout=0.0 must be a positive number of seconds"),
    (["--port", "80"], "port=80 is out of range: expected 1024 to 65535"),
    (["--port", "BUSY"], "on 127.0.0.1 is already in use; choose another port"),
    (["--workers", "two"], "argument --workers: invalid int value: 'two'"),
])
def test_wrong_arguments_exit_2(capsys, busy_port, argv, message):
    argv = [str(busy_port) if a == "BUSY" else a for a in argv]
    assert main(["dist", *argv]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err
    _no_children_left()


@pytest.mark.parametrize("kwargs, error, message", [
    ({"workers": "2"}, TypeError, r"workers must be a whole number, not str \('2'\)"),
    ({"workers": True}, TypeError, r"workers must be a whole number, not bool"),
    ({"steps": 2.0}, TypeError, r"steps must be a whole number, not float"),
    ({"timeout": "60"}, TypeError, r"timeout must be a number of seconds, not str"),
    ({"timeout": -1}, ValueError, r"timeout=-1 must be a positive number of seconds, e\.g\. 60"),
])
def test_wrong_types_and_values(kwargs, error, message):
    with pytest.raises(error, match=message):
        run_dist(**kwargs)


def test_build_without_dist_kvstore(monkeypatch):
    class NoDist:
        def is_enabled(self, name):
            return name != "DIST_KVSTORE"

    monkeypatch.setattr(mx.runtime, "Features", NoDist)
    with pytest.raises(RuntimeError, match=r"this MXNet build has no distributed KVStore "
                                           r"\(feature DIST_KVSTORE is off\); install the PyPI"):
        run_dist(2)
