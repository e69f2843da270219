"""The lecture's net on MXNet's ``dist_sync`` parameter server, every role a local process.

MXNet trains on several machines with a parameter server (ps-lite, built into the PyPI
wheel): one *scheduler* introduces the nodes to each other, *servers* hold the parameters
and run the optimizer, *workers* compute gradients. ``run_dist`` starts them all as child
processes on 127.0.0.1, the ``DMLC_*`` variables telling each its role, and lets every
worker train the lecture's MLP from its own seed with ``gluon.Trainer`` on a ``dist_sync``
KVStore. What each worker holds is recorded before the KVStore takes over, after its
initial broadcast (worker 0's values go to everyone) and after each step (the servers sum
the workers' gradients and every worker pulls the same update).

The module has four parts:

- the result: ``DistRow``, ``DistResult`` and ``run_dist``;
- the launcher behind ``run_dist``: every child in its own session (a Ctrl-C typed in the
  terminal reaches only the launcher), killed with the launcher on Linux
  (``PR_SET_PDEATHSIG``), output in files of a ``l10-dist-*`` folder, and all of it stopped
  and removed however the launcher ends: normally, on a failure, Ctrl-C, SIGTERM or SIGHUP
  (then it dies of that signal); after a SIGKILL, the next run removes the folder;
- the program of every node: ``python -m l10_params.distributed`` is what a launcher runs on
  each machine (a worker trains and prints one line per stage; a server or the scheduler
  runs inside ``import mxnet``);
- ``python -m l10_params.distributed launch ...``: MXNet's own ``tools/launch.py`` as
  shipped, with the one name of Python 3.8 it calls given back, and on 127.0.0.1 for
  ``--launcher local`` (see ``_launch_mxnet``).
"""
from __future__ import annotations

import dataclasses
import errno
import glob
import hashlib
import json
import math
import numbers
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import mxnet as mx
import numpy as np

from ._table import Table
from ._text import brief

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, so no stale-folder cleanup
    fcntl = None

# `python -m l10_params.distributed` imports the package first, which imports this module;
# runpy would then warn that the module it runs as __main__ is imported already. It is on
# purpose (__main__ below only calls _main of this very module): silence that one warning.
if sys.argv[:1] == ["-m"]:
    warnings.filterwarnings("ignore", category=RuntimeWarning,
                            message=re.escape(f"'{__name__}' found in sys.modules"))

LEARNING_RATE = 0.1
HOST = "127.0.0.1"
_TAG = "L10DIST "  # prefix of a worker's report lines on its stdout, read by run_dist
_PREFIX = "l10-dist-"  # the launcher's folder in the temporary directory
_LOCK = "launcher.lock"  # held (flock) by the launcher for as long as it lives
_LEGACY_QUIET = 600.0  # a folder without a lock file, untouched this long, is stale
NODE_COMMAND = "python -m l10_params.distributed"


@dataclass(frozen=True)
class DistRow:
    """What one worker holds at one stage: ``before``, ``broadcast``, ``step 1``, ..."""

    stage: str
    worker: int  # the rank the scheduler gave it; its seed is the same number
    seed: int
    checksum: float  # the sum of every parameter value (float64)
    digest: str  # the first 12 hex digits of SHA-256 over every parameter's bytes
    first: Tuple[float, ...]  # dense0_weight[0, :4]
    grad_sum: Optional[float]  # at a step: the sum of this worker's own gradients


class DistResult(Table):
    """The rows of a ``run_dist`` job, one per stage and worker, and whether workers agree.

    Workers agree at a stage when their parameters are identical bit for bit (equal
    ``digest``). ``str()`` is the table with one verdict line per stage.
    """

    def __init__(self, rows, *, workers: int, servers: int, steps: int, port: int,
                 seconds: float):
        self.workers, self.servers, self.steps = workers, servers, steps
        self.port, self.seconds = port, seconds  # vary from run to run: not in str()
        self.stages = tuple(dict.fromkeys(r.stage for r in rows))
        self.learning_rate = LEARNING_RATE
        super().__init__(
            rows,
            title=(f"dist_sync on 127.0.0.1: 1 scheduler, {servers} server(s), {workers} "
                   f"worker(s), {steps} step(s), SGD lr={LEARNING_RATE}"),
            columns=[("stage", "stage"), ("worker", "worker"), ("seed", "seed"),
                     ("checksum", "checksum"), ("digest", "digest"),
                     ("first", "dense0_weight[0, :4]")])
        self.footer = tuple(self._verdict(s) for s in self.stages)

    def at(self, stage: str) -> Tuple[DistRow, ...]:
        """The rows of ``stage``, by worker rank; ``KeyError`` for an unknown stage."""
        if stage not in self.stages:
            raise KeyError(f"no stage {stage!r}; the stages are {', '.join(self.stages)}")
        return tuple(r for r in self.rows if r.stage == stage)

    def agree(self, stage: str) -> bool:
        """True when every worker's parameters are identical at ``stage``."""
        return len({r.digest for r in self.at(stage)}) == 1

    @property
    def all_agree(self) -> bool:
        """True when the workers agree after the broadcast and after every step."""
        return all(self.agree(s) for s in self.stages if s != "before")

    def _verdict(self, stage: str) -> str:
        rows = self.at(stage)
        if len(rows) == 1:
            return f"{stage}: one worker, nothing to compare"
        if not self.agree(stage):
            n = len({r.digest for r in rows})
            return f"{stage}: the {len(rows)} workers hold {n} different parameter sets"
        if stage == "broadcast":
            same = rows[0].digest == self.at("before")[0].digest
            return (f"{stage}: all {len(rows)} workers agree" + (
                ", holding worker 0's initial values" if same else ""))
        return f"{stage}: all {len(rows)} workers agree"


def _whole(name, value, low, high, hint) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__} "
                        f"({brief(value, 40)})")
    if not low <= value <= high:
        raise ValueError(f"{name}={value} is out of range: expected {low} to {high}; {hint}")
    return int(value)


def run_dist(workers: int = 2, *, servers: int = 1, steps: int = 2, port: Optional[int] = None,
             timeout: float = 60.0) -> DistResult:
    """Train the lecture's MLP on a ``dist_sync`` parameter server of local processes.

    Starts a scheduler, ``servers`` servers and ``workers`` workers on 127.0.0.1 (``port``
    is the scheduler's; default: a free one), runs ``steps`` SGD steps and stops every
    process before it returns or raises, also on Ctrl-C (``KeyboardInterrupt``); on SIGTERM
    or SIGHUP it stops them, then lets the signal end the program. Worker ``k`` (its rank)
    seeds MXNet with ``k``, so the workers start from different parameters and different
    batches; worker 0 holds the lecture's numbers. A role that fails, or a run longer than
    ``timeout`` seconds, is a ``RuntimeError`` naming the role and its reason.

    >>> run_dist(0)
    Traceback (most recent call last):
    ...
    ValueError: workers=0 is out of range: expected 1 to 16; e.g. workers=2 ...
    """
    workers = _whole("workers", workers, 1, 16, "e.g. workers=2 (each worker is a process here)")
    servers = _whole("servers", servers, 1, 8, "e.g. servers=1")
    steps = _whole("steps", steps, 0, 1000, "e.g. steps=2")
    if isinstance(timeout, (bool, np.bool_)) or not isinstance(timeout, numbers.Real):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not (timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout={timeout!r} must be a positive number of seconds, e.g. 60 "
                         "(a finite one: the run is stopped when it runs out)")
    if port is not None:
        port = _whole("port", port, 1024, 65535, "leave it out to use a free port")
    if not mx.runtime.Features().is_enabled("DIST_KVSTORE"):
        raise RuntimeError("this MXNet build has no distributed KVStore (feature DIST_KVSTORE "
                           "is off); install the PyPI wheel mxnet==1.9.1, or build MXNet "
                           "with USE_DIST_KVSTORE=1")
    if port is None:
        port = _free_port()
    elif _port_in_use(port):
        raise ValueError(f"port {port} on 127.0.0.1 is already in use (a program listens "
                         "there); choose another port, or leave it out to use a free one")
    outputs, seconds = _run(port=port, servers=servers, workers=workers, steps=steps,
                            timeout=float(timeout))
    rows = []
    for text in outputs:
        rows += [DistRow(**{**d, "first": tuple(d["first"])})
                 for d in (json.loads(ln[len(_TAG):]) for ln in text.splitlines()
                           if ln.startswith(_TAG))]
    stages = ["before", "broadcast"] + [f"step {k}" for k in range(1, steps + 1)]
    rows.sort(key=lambda r: (stages.index(r.stage), r.worker))
    if len(rows) != len(stages) * workers:  # pragma: no cover - a worker that exits early
        raise RuntimeError(f"the workers reported {len(rows)} of {len(stages) * workers} "
                           "stages although all exited normally")
    return DistResult(rows, workers=workers, servers=servers, steps=steps, port=port,
                      seconds=seconds)


# ---------------------------------------------------------------- ports

def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _port_in_use(port: int) -> bool:
    """True when the scheduler could not listen on ``port`` of 127.0.0.1.

    The check binds as ps-lite's ZeroMQ socket does, with ``SO_REUSEADDR``: a port left in
    TIME_WAIT by a run that has just ended is free for the next run; a port another program
    listens on is not.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
            s.listen(1)
        except OSError as e:
            return e.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


# ---------------------------------------------------------------- the launcher's folder

def _make_workdir() -> Tuple[str, int]:
    """A new ``l10-dist-*`` folder and the descriptor of its lock, held until it is closed.

    The lock file is locked before it gets its name, so a folder with a ``launcher.lock``
    that nobody holds belongs to a launcher that is gone (the kernel drops the lock of a
    process however it ends, ``kill -9`` included).
    """
    path = tempfile.mkdtemp(prefix=_PREFIX)
    if fcntl is None:  # pragma: no cover
        return path, -1
    new = os.path.join(path, _LOCK + ".new")
    fd = os.open(new, os.O_WRONLY | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a new file: nobody else holds it
    os.write(fd, f"{os.getpid()}\n".encode())
    os.rename(new, os.path.join(path, _LOCK))
    return path, fd


_OWN_FILE = re.compile(r"(?:(?:scheduler|server|worker)\d+\.(?:out|err)|"
                       + re.escape(_LOCK) + r"(?:\.new)?)")


def _launchers_own(path: str) -> bool:
    """True for a real folder of this user that holds only files a launcher writes."""
    try:
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            return False
        with os.scandir(path) as it:
            return all(e.is_file(follow_symlinks=False) and _OWN_FILE.fullmatch(e.name)
                       for e in it)
    except OSError:
        return False


def _newest_change(path: str) -> float:
    times = [os.stat(path).st_mtime]
    with os.scandir(path) as it:
        times += [e.stat().st_mtime for e in it]
    return max(times)


def _clean_stale_workdirs() -> List[str]:
    """Remove the ``l10-dist-*`` folders of launchers that are gone; return their paths.

    A folder whose lock is held belongs to a run that is alive and is left alone; so is a
    folder of another user, a symbolic link, and a folder holding anything a launcher does not
    write (a person's own ``l10-dist-notes``). A folder without a lock file (made by an older
    version, or being made right now) is removed only when nothing in it changed for 10 minutes.
    """
    if fcntl is None:  # pragma: no cover
        return []
    removed = []
    for path in glob.glob(os.path.join(tempfile.gettempdir(), _PREFIX + "*")):
        if not _launchers_own(path):
            continue
        try:
            fd = os.open(os.path.join(path, _LOCK), os.O_RDONLY)
        except FileNotFoundError:
            try:
                quiet = time.time() - _newest_change(path) > _LEGACY_QUIET
            except OSError:
                continue
            if quiet:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
            continue
        except OSError:  # another user's folder, or not a folder
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its launcher is alive
            pass
        else:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            os.close(fd)
    return removed


# ---------------------------------------------------------------- signals

class _Stopped(BaseException):
    """A signal whose action was to end the program (SIGTERM, SIGHUP) reached the launcher."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class _Signals:
    """While a run lasts: a stop signal raises in the launcher so that it cleans up first.

    Only signals whose action is still Python's or the system's default are taken over:
    SIGINT (``KeyboardInterrupt``), and SIGTERM, SIGHUP (``_Stopped``; the launcher dies of
    the signal once everything is stopped). An ignored signal (``nohup`` ignores SIGHUP, a
    background job SIGINT) stays ignored, a handler of the program stays in place, and
    outside the main thread nothing is taken over. Inside ``held()`` (starting a child,
    cleaning up) a signal waits until the section ends, so no child is started untracked
    and no cleanup is cut short.
    """

    def __init__(self):
        self.old: Dict[int, object] = {}
        self.pending: Optional[int] = None
        self.holding = False

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for name in ("SIGINT", "SIGTERM", "SIGHUP"):
                sig = getattr(signal, name, None)
                if sig is not None and signal.getsignal(sig) in (signal.SIG_DFL,
                                                                 signal.default_int_handler):
                    self.old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, handler in self.old.items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame):
        if self.holding:
            self.pending = self.pending or signum
        else:
            self._raise(signum)

    def _raise(self, signum):
        if self.old.get(signum) is signal.default_int_handler:
            raise KeyboardInterrupt
        raise _Stopped(signum)

    @contextmanager
    def held(self):
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
            if self.pending is not None:
                signum, self.pending = self.pending, None
                self._raise(signum)


# ---------------------------------------------------------------- child processes

# Run first in every child: die with the launcher, and give up if it is already gone.
_GUARD = (
    "import os, sys\n"
    "if sys.platform.startswith('linux'):\n"
    "    import ctypes, signal\n"
    "    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG\n"
    "if os.getppid() != int(os.environ['L10_DIST_LAUNCHER']):\n"
    "    sys.exit('the launcher is gone')\n"
)
# The scheduler only relays addresses, so it skips the Python package (2 s of imports per
# process on this 2-core machine) and makes the two C calls `import mxnet` makes for a node
# whose DMLC_ROLE is not worker (mxnet/kvstore/kvstore_server.py): create the 'dist' KVStore,
# then run it until every worker has finished.
_SCHEDULER = _GUARD + (
    "import ctypes, importlib.util\n"
    "lib = ctypes.CDLL(os.path.join(importlib.util.find_spec('mxnet')\n"
    "                  .submodule_search_locations[0], 'libmxnet.so'))\n"
    "h = ctypes.c_void_p()\n"
    "ctrl = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)(\n"
    "    lambda *a: None)\n"
    "if lib.MXKVStoreCreate(b'dist', ctypes.byref(h)) or lib.MXKVStoreRunServer(h, ctrl, None):\n"
    "    lib.MXGetLastError.restype = ctypes.c_char_p\n"
    "    sys.exit(lib.MXGetLastError().decode())\n"
)
# A server needs the Python package: the workers send it their optimizer, pickled.
# `import mxnet` with DMLC_ROLE=server runs the server and exits when the job is done.
_SERVER = _GUARD + "import mxnet\n"
_WORKER = _GUARD + ("from l10_params.distributed import _worker\n"
                    "_worker(int(os.environ['L10_DIST_STEPS']), tagged=True)\n")

# The line of a role's stderr that says why it failed: an exception or MXNetError line, a
# failed check, a C++ `what():`; the stack trace under it is only where.
_MEANINGFUL = re.compile(r"\b\w*(Error|Exception|Interrupt)\b:|Check failed|what\(\)|"
                         r"bind failed")


def _meaningful_line(text: str) -> str:
    """The last line of ``text`` that names an error, else its last non-empty line.

    >>> _meaningful_line('MXNetError: Check failed: x : bind failed\\nStack trace:\\n'
    ...                 '  File "../3rdparty/ps-lite/src/van.cc", line 311\\n')
    'MXNetError: Check failed: x : bind failed'
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if _MEANINGFUL.search(ln) and not ln.endswith("Traceback (most recent call last):"):
            return ln
    return lines[-1] if lines else ""


@dataclass
class _Child:
    role: str  # 'scheduler', 'server' or 'worker'
    index: int
    proc: subprocess.Popen
    out: str
    err: str

    @property
    def label(self) -> str:  # a worker's rank is known only inside it: name it by launch order
        return self.role if self.role == "scheduler" else f"{self.role} process {self.index + 1}"

    def reason(self, port: int) -> str:
        rc = self.proc.returncode
        if rc is not None and rc < 0:
            how = f"was killed by signal {signal.Signals(-rc).name}"
        else:
            how = f"exited with status {rc}"
        with open(self.err, encoding="utf-8", errors="replace") as f:
            why = _meaningful_line(f.read())
        if self.role == "scheduler" and "bind failed" in why:
            why += (f" (port {port} on 127.0.0.1 was taken after the check, e.g. by another "
                    "run; choose another port, or leave it out to use a free one)")
        return f"{self.label} (pid {self.proc.pid}) {how}" + (f": {why}" if why else "")


def _env(role: str, *, port: int, servers: int, workers: int, extra: Dict[str, str]):
    env = dict(os.environ)
    env.pop("L10_PARAMS_CTX", None)  # every role computes on the CPU
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.update(extra)
    env.update({
        "DMLC_ROLE": role,
        "DMLC_PS_ROOT_URI": HOST,  # the scheduler's address: a real host name on a cluster
        "DMLC_PS_ROOT_PORT": str(port),
        "DMLC_NUM_SERVER": str(servers),
        "DMLC_NUM_WORKER": str(workers),
        "DMLC_NODE_HOST": HOST,  # servers and workers listen on loopback too
        "DMLC_INTERFACE": "lo",
        # one compute thread per process: 4+ processes share 2 cores here
        "OMP_NUM_THREADS": "1",
        "MXNET_CPU_WORKER_NTHREADS": "1",
        "L10_DIST_LAUNCHER": str(os.getpid()),
    })
    return env


def _run(*, port: int, servers: int, workers: int, steps: int,
         timeout: float) -> Tuple[List[str], float]:
    """Run the whole job; return each worker's stdout (by launch index) and the seconds taken.

    Raises ``RuntimeError`` naming the first role that failed, or the roles still running
    when ``timeout`` ran out. Every child is stopped and the folder removed before this
    returns or raises; on SIGTERM or SIGHUP the launcher then dies of the signal.
    """
    try:
        with _Signals() as signals:
            return _run_held(signals, port=port, servers=servers, workers=workers,
                             steps=steps, timeout=timeout)
    except _Stopped as stopped:  # the handler is the default again: the program ends here
        os.kill(os.getpid(), stopped.signum)
        raise SystemExit(128 + stopped.signum) from None  # pragma: no cover


def _run_held(signals: _Signals, *, port, servers, workers, steps, timeout):
    worker_env = {"L10_DIST_STEPS": str(steps)}
    roles = ([("scheduler", 0, _SCHEDULER, {})]
             + [("server", i, _SERVER, {}) for i in range(servers)]
             + [("worker", i, _WORKER, worker_env) for i in range(workers)])
    children: List[_Child] = []
    tmp, lock = None, -1
    start = time.monotonic()
    try:
        with signals.held():
            _clean_stale_workdirs()
            tmp, lock = _make_workdir()
        for role, i, code, extra in roles:
            out, err = (os.path.join(tmp, f"{role}{i}.{s}") for s in ("out", "err"))
            with signals.held(), open(out, "wb") as fo, open(err, "wb") as fe:
                proc = subprocess.Popen(
                    [sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=fo,
                    stderr=fe, start_new_session=True,
                    env=_env(role, port=port, servers=servers, workers=workers, extra=extra))
                children.append(_Child(role, i, proc, out, err))
        _watch(children, port, start + timeout, timeout)
        outputs = []
        for c in children:
            if c.role == "worker":
                with open(c.out, encoding="utf-8") as f:
                    outputs.append(f.read())
        return outputs, time.monotonic() - start
    finally:
        with signals.held():
            _stop(children)
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
            if lock >= 0:
                os.close(lock)


def _watch(children: List[_Child], port: int, deadline: float, timeout: float) -> None:
    while True:
        running = []
        for c in children:
            if c.proc.poll() is None:
                running.append(c)
            elif c.proc.returncode != 0:
                others = sum(1 for o in children if o is not c)
                raise RuntimeError(f"{c.reason(port)}; the run was stopped and its {others} "
                                   "other processes ended")
        if not running:
            return
        if time.monotonic() > deadline:
            names = ", ".join(c.label for c in running)
            raise RuntimeError(f"the run did not finish within its time limit of {timeout:g} s "
                               f"(still running: {names}); every process was stopped; raise "
                               "the limit with timeout=... (--timeout) on a slow machine")
        time.sleep(0.02)


def _stop(children: Sequence[_Child]) -> None:
    """Kill every child's process group that is still alive, then reap them all."""
    for c in children:
        if c.proc.poll() is None:
            try:
                os.killpg(c.proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - it ended just now
                pass
    for c in children:
        c.proc.wait()


# ---------------------------------------------------------------- the program of a node

def _report(net, stage, rank, workers, tagged, grad_sum=None) -> None:
    values = [p.data().asnumpy() for p in net.collect_params().values()]
    digest = hashlib.sha256(b"".join(v.tobytes() for v in values)).hexdigest()[:12]
    row = DistRow(stage, rank, rank, float(sum(v.sum(dtype=np.float64) for v in values)),
                  digest, tuple(float(x) for x in net[0].weight.data().asnumpy().ravel()[:4]),
                  grad_sum)
    # A worker's stdout is its output, not the library's: for run_dist a line it parses,
    # under a launcher a line for the person who started the job. One write of the whole
    # line: the workers of launch.py share one stdout, and a short write to a pipe is atomic.
    if tagged:
        line = _TAG + json.dumps(dataclasses.asdict(row))
    else:
        first = ", ".join(f"{x:.4g}" for x in row.first)
        grad = "" if grad_sum is None else f"  own gradient sum {grad_sum:.6g}"
        line = (f"worker {rank} of {workers} (seed {rank})  {stage:<9}  checksum "
                f"{row.checksum:<9.6g}  digest {digest}  dense0_weight[0, :4] {first}{grad}")
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _worker(steps: int, *, tagged: bool) -> None:
    """The program of one worker process (DMLC_ROLE=worker): train, report every stage."""
    from mxnet import autograd, gluon, nd

    from .lecture import lecture_mlp

    # The very store `gluon.Trainer(..., kvstore='dist_sync')` would create; made first so
    # its public .rank tells this worker who it is (connecting waits for every node).
    kv = mx.kv.create("dist_sync")
    rank, n = kv.rank, kv.num_workers
    net, X = lecture_mlp(ctx="cpu", seed=rank)  # a different seed, so different values
    y = nd.random.randint(0, 10, shape=(2,)).astype("float32")
    _report(net, "before", rank, n, tagged)
    # The servers run the optimizer (update_on_kvstore), and it is sent to them at the
    # broadcast, so the 1 / (global batch) gradient scale is set here, once.
    trainer = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": LEARNING_RATE,
                             "rescale_grad": 1.0 / (X.shape[0] * n)},
                            kvstore=kv)
    # The first Trainer.step sets up the store and broadcasts every parameter from worker 0
    # (MXNet 1.9.1 gluon/trainer.py). A step whose gradients are all zero shows the values
    # right after that broadcast: plain SGD (no weight decay, no momentum) then moves nothing.
    with autograd.record():
        zero = (net(X) * 0).sum()
    zero.backward()
    trainer.step(1)
    _report(net, "broadcast", rank, n, tagged)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    for k in range(1, steps + 1):
        with autograd.record():
            out = loss(net(X), y)
        out.backward()
        grads = sum(float(p.grad().asnumpy().sum(dtype=np.float64))
                    for p in net.collect_params().values())
        trainer.step(1)  # the scale is already in rescale_grad
        _report(net, f"step {k}", rank, n, tagged, grads)


def _launch_script() -> str:
    """The path of MXNet's own launcher, ``tools/launch.py`` inside the installed package."""
    return os.path.join(os.path.dirname(mx.__file__), "tools", "launch.py")


def _launch_mxnet(argv: Sequence[str]) -> int:
    """Run MXNet's ``tools/launch.py`` with ``argv``, unchanged but for two things.

    Its job tracker (``dmlc_tracker``, shipped in the same wheel) calls
    ``threading.Thread.isAlive``, which Python 3.9 removed: the old name is given back
    (an alias of ``is_alive``) in this process only. With ``--launcher local`` the whole job
    stays on 127.0.0.1: the tracker would otherwise give the scheduler this machine's
    network address, and the nodes would listen on its first network interface.
    """
    import dmlc_tracker.tracker as tracker

    if not hasattr(threading.Thread, "isAlive"):
        threading.Thread.isAlive = threading.Thread.is_alive
    local = any(a == "--launcher=local" or i > 0 and a == "local" and argv[i - 1] == "--launcher"
                for i, a in enumerate(argv))
    if local:
        tracker.get_host_ip = lambda host_ip=None: HOST
        os.environ.setdefault("DMLC_NODE_HOST", HOST)
        os.environ.setdefault("DMLC_INTERFACE", "lo")
    import runpy

    path = _launch_script()
    sys.argv = [path, *argv]
    runpy.run_path(path, run_name="__main__")
    return 0


_USAGE = f"""usage: {NODE_COMMAND} [--steps N]
       {NODE_COMMAND} launch LAUNCH_OPTIONS {NODE_COMMAND} [--steps N]

The program of every node of a dist_sync job: a launcher starts it once per role with the
DMLC_* variables set. A worker trains the lecture's MLP for N steps (default 2) and prints
one line per stage; a server or the scheduler runs inside `import mxnet`.
'launch' runs MXNet's own tools/launch.py with LAUNCH_OPTIONS, e.g. on this machine:

  {NODE_COMMAND} launch -n 2 -s 1 --launcher local {NODE_COMMAND}
"""


def _main(argv: Sequence[str]) -> int:
    """``python -m l10_params.distributed``: the program of a node, or ``launch ...``."""
    argv = list(argv)
    if argv[:1] == ["launch"]:
        return _launch_mxnet(argv[1:])
    if argv in (["-h"], ["--help"]):
        print(_USAGE, end="")
        return 0
    prog = NODE_COMMAND
    if not (argv == [] or len(argv) == 2 and argv[0] == "--steps" and argv[1].isdigit()):
        print(f"{prog}: unexpected arguments {' '.join(argv)!r}; expected nothing, "
              f"--steps N or launch ... (see {prog} --help)", file=sys.stderr)
        return 2
    steps = int(argv[1]) if argv else 2
    role = os.environ.get("DMLC_ROLE")
    if role != "worker":
        now = "not set" if role is None else f"{role!r}, not 'worker'"
        print(f"{prog}: DMLC_ROLE is {now}: this program runs under a launcher; on this "
              f"machine: {prog} launch -n 2 -s 1 --launcher local {prog} (or l10-params dist)",
              file=sys.stderr)
        return 2
    _worker(steps, tagged=False)
    return 0


if __name__ == "__main__":
    from l10_params.distributed import _main as main  # this module as imported, not a copy

    sys.exit(main(sys.argv[1:]))
