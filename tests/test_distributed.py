"""MXNet's dist_sync parameter server on local processes: agreement, failures, no orphans.

Every cluster here is real (a scheduler, servers and workers, each a process running
MXNet on 127.0.0.1); a run takes a few seconds on this 2-core machine. Every test that starts
a process carries the ``dist`` marker and waits for it a bounded time. A test that sends a
signal sets the child's signal dispositions itself, so that it passes however the suite was
started (under ``nohup``, with ``&``, with SIGINT ignored).
"""
import errno
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import mxnet as mx
import numpy as np
import psutil
import pytest

from l10_params import DistResult, distributed, lecture_mlp, run_dist
from l10_params.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "several-machines.md"
dist = pytest.mark.dist


def _alive(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _environ(p):
    try:
        return p.environ()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return {}


def _no_children_left():
    left = [p for p in psutil.Process().children(recursive=True)
            if _alive(p.pid) and "DMLC_ROLE" in _environ(p)]
    assert not left, f"processes left behind: {left}"


def _gone(pids, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if _alive(p)]
        if not alive:
            return []
        time.sleep(0.05)
    return alive


@pytest.fixture
def own_tmp(tmp_path, monkeypatch):
    """This process's and its children's temporary directory: a folder of this test only."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _folders(tmp):
    return sorted(p.name for p in pathlib.Path(tmp).glob("l10-dist-*"))


# ---------------------------------------------------------------- a run and its table

@pytest.fixture(scope="module")
def runs():
    """Two runs, the second right after the first on the same port (its TIME_WAIT)."""
    first = run_dist(2, servers=1, steps=2)
    return {2: first, 3: run_dist(3, servers=1, steps=2, port=first.port)}


@dist
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


@dist
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


@dist
def test_worker_0_starts_from_the_lecture_numbers(runs):
    net, _ = lecture_mlp(ctx="cpu", seed=0)
    np.testing.assert_allclose(runs[2].at("before")[0].first,
                               net[0].weight.data().asnumpy()[0, :4], rtol=1e-6)


@dist
def test_table_and_verdicts(runs):
    text = str(runs[3])
    assert "dense0_weight[0, :4]" in text and "1 server(s), 3 worker(s), 2 step(s)" in text
    assert "broadcast: all 3 workers agree, holding worker 0's initial values" in text
    assert "before: the 3 workers hold 3 different parameter sets" in text
    assert len(runs[3].to_dicts()) == 3 * 4
    with pytest.raises(KeyError, match=r"no stage 'step 9'; the stages are before, broadcast"):
        runs[3].at("step 9")


@dist
def test_cli_prints_the_table(capsys):
    assert main(["dist", "--workers", "1", "--steps", "1"]) == 0
    out = capsys.readouterr().out
    assert "step 1: one worker, nothing to compare" in out and "all stopped" in out
    _no_children_left()


# ---------------------------------------------------------------- ports

@dist
def test_a_second_run_right_after_on_the_same_port_runs(runs):
    assert runs[3].port == runs[2].port and runs[3].all_agree


def _time_wait_port():
    """A port of 127.0.0.1 whose only socket is in TIME_WAIT, as a scheduler leaves it.

    The listening socket has SO_REUSEADDR, as ZeroMQ's has; the connection it accepted
    inherits it, closes first and stays in TIME_WAIT.
    """
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        conn, _ = server.accept()
        conn.close()  # the server side closes first: its 127.0.0.1:port goes to TIME_WAIT
        client.close()
    return port


def test_a_port_in_time_wait_is_free_for_the_scheduler():
    port = _time_wait_port()
    with socket.socket() as plain, pytest.raises(OSError) as e:
        plain.bind(("127.0.0.1", port))  # without SO_REUSEADDR: refused, the old check's error
    assert e.value.errno == errno.EADDRINUSE
    assert not distributed._port_in_use(port)


def test_a_port_someone_listens_on_is_busy():
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ZeroMQ's way: still busy
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert distributed._port_in_use(s.getsockname()[1])
    assert not distributed._port_in_use(distributed._free_port())


@pytest.fixture
def busy_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


@dist
def test_a_port_taken_after_the_check_names_the_real_reason(busy_port, own_tmp):
    """Two runs racing for one port: both checks pass, one scheduler cannot bind."""
    with pytest.raises(RuntimeError, match=(
            r"^scheduler \(pid \d+\) exited with status 1: MXNetError: Check failed: .*: bind "
            rf"failed \(port {busy_port} on 127\.0\.0\.1 was taken after the check, e\.g\. by "
            r"another run; choose another port, or leave it out to use a free one\); the run "
            r"was stopped and its 2 other processes ended$")):
        distributed._run(port=busy_port, servers=1, workers=1, steps=1, timeout=60)
    _no_children_left()
    assert _folders(own_tmp) == []


@pytest.mark.parametrize("stderr, line", [
    ("scheduler: starting\nMXNetError: Check failed: my_node_.port != -1 (-1 vs. -1) : bind "
     "failed\nStack trace:\n  File \"../3rdparty/ps-lite/src/van.cc\", line 311\n\n",
     "MXNetError: Check failed: my_node_.port != -1 (-1 vs. -1) : bind failed"),
    ("Traceback (most recent call last):\n  File \"<string>\", line 3, in <module>\n"
     "mxnet.base.MXNetError: Traceback (most recent call last):\n"
     "  File \"../src/operator/tensor/./dot-inl.h\", line 1241\n"
     "MXNetError: Check failed: L[!Ta].Size() == R[Tb].Size() (3 vs. 4) : dot shape error\n",
     "MXNetError: Check failed: L[!Ta].Size() == R[Tb].Size() (3 vs. 4) : dot shape error"),
    ("Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad\n"
     "Error in atexit._run_exitfuncs:\n", "ValueError: bad"),
    ("terminate called after throwing an instance of 'dmlc::Error'\n  what():  [12:00:00] "
     "van.cc:311: Check failed\nAborted\n", "what():  [12:00:00] van.cc:311: Check failed"),
    ("the launcher is gone\n", "the launcher is gone"),
    ("", ""),
])
def test_the_meaningful_line_of_a_failed_role(stderr, line):
    assert distributed._meaningful_line(stderr) == line


# ---------------------------------------------------------------- stopping the launcher

def _child_signals(ignore=()):
    """For Popen(preexec_fn=...): the launcher's signal dispositions, whatever ours are."""
    def preexec():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN if sig in ignore else signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
    return preexec


def _start_cli(*args, tmp, ignore=()):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp))
    return subprocess.Popen([sys.executable, "-m", "l10_params", "dist", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=_child_signals(ignore))


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


def _report_file(pid):
    """The file a role writes its stdout to, in the launcher's folder (Linux's /proc)."""
    return pathlib.Path(os.readlink(f"/proc/{pid}/fd/1"))


@dist
def test_worker_killed_mid_run_fails_fast_and_leaves_nothing(own_tmp):
    # the run's own limit is far beyond communicate's: only noticing the dead worker ends it in time
    proc = _start_cli("--workers", "2", "--steps", "1000", "--timeout", "600", tmp=own_tmp)
    try:
        roles = _roles(proc, 4)
        worker = next(pid for pid, role in roles.items() if role == "worker")
        out = _report_file(worker)
        deadline = time.monotonic() + 60
        while '"stage": "step 1"' not in out.read_text() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert '"stage": "step 1"' in out.read_text(), "the worker never reached step 1"
        os.kill(worker, signal.SIGKILL)  # mid-run: it is training
        _, err = proc.communicate(timeout=60)  # a hang guard (the other worker waits forever)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert re.search(rf"^l10-params: dist failed: worker process [12] \(pid {worker}\) was "
                     r"killed by signal SIGKILL; the run was stopped and its 3 other processes "
                     r"ended$", err.strip())
    assert _gone(roles) == []
    assert _folders(own_tmp) == []


@dist
@pytest.mark.parametrize("how, sig, status", [
    ("ctrl-c", signal.SIGINT, 130),
    ("kill -TERM", signal.SIGTERM, -signal.SIGTERM),
    ("kill -HUP (terminal closed)", signal.SIGHUP, -signal.SIGHUP),
    ("kill -9", signal.SIGKILL, -signal.SIGKILL),
])
def test_launcher_stopped_leaves_no_process_and_no_folder(own_tmp, how, sig, status):
    proc = _start_cli("--workers", "1", "--steps", "1000", tmp=own_tmp)
    try:
        roles = _roles(proc, 3)
        folder = _report_file(next(iter(roles))).parent
        assert distributed._clean_stale_workdirs() == [] and folder.is_dir(), \
            "the folder of a live run was removed"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == status, err
    if sig == signal.SIGINT:
        assert err == "l10-params: dist interrupted; every process was stopped\n"
    else:
        assert err == "", "a signal that ends the program ends it without a word"
    assert _gone(roles) == [], "a role outlived its launcher"
    if sig == signal.SIGKILL:  # nothing can clean up at once: the next run does
        assert _folders(own_tmp) == [folder.name]
        run_dist(1, steps=0)
    assert _folders(own_tmp) == []


@dist
def test_an_ignored_sighup_stays_ignored(own_tmp):
    """Under nohup the launcher survives its terminal: SIGHUP does not stop the run."""
    proc = _start_cli("--workers", "1", "--steps", "3", tmp=own_tmp,
                      ignore=(signal.SIGHUP,))
    try:
        roles = _roles(proc, 3)
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode == 0, err
    assert "step 3: one worker, nothing to compare" in out
    assert _gone(roles) == [] and _folders(own_tmp) == []


@dist
def test_time_limit_stops_everything(own_tmp):
    with pytest.raises(RuntimeError, match=r"did not finish within its time limit of 0.5 s "
                                           r"\(still running: scheduler, server process 1"):
        run_dist(1, steps=0, timeout=0.5)
    _no_children_left()
    assert _folders(own_tmp) == []


def _folder(parent, name, *, age=0.0):
    path = parent / name
    path.mkdir()
    (path / "worker0.out").write_text("")
    for p in (path / "worker0.out", path):
        os.utime(p, (time.time() - age, time.time() - age))
    return path


def test_stale_folders_go_live_ones_stay(own_tmp):
    path, fd = distributed._make_workdir()  # a live launcher: this process holds the lock
    dead, dead_fd = distributed._make_workdir()
    os.close(dead_fd)  # its launcher is gone (the kernel drops the lock of a dead process)
    old = _folder(own_tmp, "l10-dist-old", age=11 * 60)  # an older version's, 11 minutes quiet
    _folder(own_tmp, "l10-dist-fresh", age=60)  # an older version's, maybe running
    try:
        assert sorted(distributed._clean_stale_workdirs()) == sorted([dead, str(old)])
        assert _folders(own_tmp) == sorted(["l10-dist-fresh", os.path.basename(path)])
    finally:
        os.close(fd)
    assert distributed._clean_stale_workdirs() == [path]


def test_a_folder_a_person_made_is_never_removed(own_tmp):
    """Only folders holding nothing but a launcher's files go: a person's own folder with the
    prefix, a symbolic link to one, another kind of file, all stay, however long untouched."""
    notes = _folder(own_tmp, "l10-dist-notes", age=11 * 60)
    (notes / "notes.txt").write_text("mine")
    nested = _folder(own_tmp, "l10-dist-nested", age=11 * 60)
    (nested / "worker0.out").unlink()
    (nested / "data").mkdir()
    target = _folder(own_tmp, "mine", age=11 * 60)  # only a launcher's file names inside
    (own_tmp / "l10-dist-link").symlink_to(target)
    (own_tmp / "l10-dist-file").write_text("")
    dead, dead_fd = distributed._make_workdir()
    os.close(dead_fd)
    (pathlib.Path(dead) / "submission.ipynb").write_text("{}")  # a person's file put there
    for p in (notes, nested, target):
        os.utime(p, (time.time() - 11 * 60, time.time() - 11 * 60))
    assert distributed._clean_stale_workdirs() == []
    assert (notes / "notes.txt").is_file() and (nested / "data").is_dir()
    assert (target / "worker0.out").is_file() and (pathlib.Path(dead) / "submission.ipynb").is_file()


def test_signals_are_taken_over_only_while_a_run_lasts():
    if threading.current_thread() is not threading.main_thread():  # pragma: no cover
        pytest.skip("signal handlers live in the main thread")
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    with distributed._Signals():
        taken = {s: signal.getsignal(s) for s in before}
    assert {s: signal.getsignal(s) for s in before} == before
    for s, old in before.items():  # taken over only where the action was the default
        default = old in (signal.SIG_DFL, signal.default_int_handler)
        assert (taken[s] != old) == default


# ---------------------------------------------------------------- wrong arguments

@pytest.mark.parametrize("argv, message", [
    (["--workers", "0"], "workers=0 is out of range: expected 1 to 16; e.g. workers=2"),
    (["--steps", "-1"], "steps=-1 is out of range: expected 0 to 1000"),
    (["--servers", "0"], "servers=0 is out of range: expected 1 to 8"),
    (["--timeout", "0"], "timeout=0.0 must be a positive number of seconds"),
    (["--port", "80"], "port=80 is out of range: expected 1024 to 65535"),
    (["--port", "BUSY"], "on 127.0.0.1 is already in use (a program listens there); choose "
                         "another port"),
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
    ({"workers": np.bool_(True)}, TypeError, r"workers must be a whole number, not bool_? \(True\)"),  # NumPy 2 calls it bool
    ({"steps": 2.0}, TypeError, r"steps must be a whole number, not float"),
    ({"timeout": "60"}, TypeError, r"timeout must be a number of seconds, not str"),
    ({"timeout": -1}, ValueError, r"timeout=-1 must be a positive number of seconds, e\.g\. 60"),
    # NumPy scalars are numbers: these pass the type check and meet the range check
    ({"workers": np.int64(0)}, ValueError, r"workers=0 is out of range: expected 1 to 16"),
    ({"port": np.int32(80)}, ValueError, r"port=80 is out of range: expected 1024 to 65535"),
    ({"timeout": np.float32(-1)}, ValueError, r"timeout=-1\.0 must be a positive number"),
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


# ---------------------------------------------------------------- several machines: launch.py

def _documented(prefix):
    """The one line of docs/several-machines.md that starts with ``prefix``."""
    lines = [ln.strip() for ln in DOC.read_text(encoding="utf-8").splitlines()
             if ln.strip().startswith(prefix)]
    assert len(lines) == 1, f"expected one line starting {prefix!r} in {DOC.name}: {lines}"
    return lines[0]


def _venv_env(tmp):
    """The environment of a person whose venv is active: its python first on PATH."""
    bindir = os.path.dirname(sys.executable)
    return dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
                PYTHONPATH=str(ROOT), TMPDIR=str(tmp))


def _session_left(sid):
    left = []
    for pid in psutil.pids():
        try:
            if os.getsid(pid) == sid and _alive(pid):
                left.append(pid)
        except (ProcessLookupError, PermissionError):
            pass
    return left


@dist
def test_launch_py_runs_the_documented_command_on_this_machine(tmp_path, runs):
    """The command of docs/several-machines.md, as printed, with MXNet's own launch.py.

    Its workers hold what run_dist's do, stage by stage (two gradients sum the same in
    either order of arrival, so the digests are the same bit for bit)."""
    where = _documented('python -c "import mxnet, os;')
    command = _documented("python -m l10_params.distributed launch -n 2 -s 1 --launcher local")
    env = _venv_env(tmp_path)
    found = subprocess.run(["bash", "-c", where], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=60)
    assert found.stdout.strip() == distributed._launch_script()
    assert os.path.isfile(distributed._launch_script())
    proc = subprocess.Popen(["bash", "-c", command], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=180)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever launch.py left, if anything
        except ProcessLookupError:
            pass
        proc.communicate()
    assert proc.returncode == 0, err
    lines = re.findall(r"^worker (\d) of 2 \(seed \d\)  (\w+(?: \d)?) +checksum \S+ +digest "
                       r"([0-9a-f]{12})", out, flags=re.M)
    digests = {}
    for rank, stage, digest in lines:
        digests.setdefault(stage, {})[rank] = digest
    assert sorted(digests) == ["before", "broadcast", "step 1", "step 2"], out
    assert all(len(d) == 2 for d in digests.values()), out
    assert digests["before"]["0"] != digests["before"]["1"], "two seeds, two nets"
    for stage in ("broadcast", "step 1", "step 2"):
        assert digests[stage]["0"] == digests[stage]["1"], f"workers differ at {stage}"
    assert digests["broadcast"]["0"] == digests["before"]["0"], "worker 0's values for all"
    for stage, by_rank in digests.items():
        assert [by_rank["0"], by_rank["1"]] == [r.digest for r in runs[2].at(stage)], stage
    assert _session_left(proc.pid) == [], "launch.py left a process behind"


def test_mxnet_launch_py_needs_thread_isalive():
    """Why `launch` exists: MXNet 1.9.1's job tracker calls a name Python 3.9 removed."""
    import dmlc_tracker.tracker as tracker

    source = pathlib.Path(tracker.__file__).read_text(encoding="utf-8")
    assert ".isAlive()" in source
    if sys.version_info >= (3, 9):
        assert not hasattr(threading.Thread, "isAlive") or \
            threading.Thread.isAlive is threading.Thread.is_alive  # our alias, if launched


@dist
@pytest.mark.parametrize("argv, env, message", [
    ([], {}, r"DMLC_ROLE is not set: this program runs under a launcher; on this machine: "
             r"python -m l10_params.distributed launch -n 2 -s 1 --launcher local "
             r"python -m l10_params.distributed \(or l10-params dist\)"),
    (["--steps", "x"], {"DMLC_ROLE": "worker"},
     r"unexpected arguments '--steps x'; expected nothing, --steps N or launch \.\.\."),
])
def test_the_node_program_alone_says_how_to_start_it(tmp_path, argv, env, message):
    res = subprocess.run([sys.executable, "-m", "l10_params.distributed", *argv],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path,
                         env=dict(_venv_env(tmp_path), **env))
    assert res.returncode == 2 and res.stdout == ""
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr  # no warning, no traceback
    assert re.search(message, res.stderr)
