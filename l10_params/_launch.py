"""Child processes for ``distributed.run_dist``: start them, watch them, and always stop them.

Every role (scheduler, servers, workers) is a child in its own session (its own process
group), so a Ctrl-C typed in the terminal reaches only the launcher, which then kills each
group. On Linux each child also asks the kernel to kill it when the launcher dies
(``PR_SET_PDEATHSIG``), so not even a ``kill -9`` of the launcher leaves an orphan behind.
Output goes to files, not pipes: a chatty child can never block on a full pipe.
"""
from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

HOST = "127.0.0.1"

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
    "    sys.exit('scheduler: ' + lib.MXGetLastError().decode())\n"
)
# A server needs the Python package: the workers send it their optimizer, pickled.
# `import mxnet` with DMLC_ROLE=server runs the server and exits when the job is done.
_SERVER = _GUARD + "import mxnet\n"
_WORKER = _GUARD + "from l10_params.distributed import _worker\n_worker()\n"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    """True when ``port`` on 127.0.0.1 cannot be bound (another process holds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError as e:
            return e.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


@dataclass
class Child:
    role: str  # 'scheduler', 'server' or 'worker'
    index: int
    proc: subprocess.Popen
    out: str
    err: str

    @property
    def label(self) -> str:  # a worker's rank is known only inside it: name it by launch order
        return self.role if self.role == "scheduler" else f"{self.role} process {self.index + 1}"

    def stderr_tail(self) -> str:
        with open(self.err, encoding="utf-8", errors="replace") as f:
            lines = [ln.strip() for ln in f if ln.strip()]
        return lines[-1] if lines else ""

    def reason(self) -> str:
        rc = self.proc.returncode
        if rc is not None and rc < 0:
            how = f"was killed by signal {signal.Signals(-rc).name}"
        else:
            how = f"exited with status {rc}"
        tail = self.stderr_tail()
        return f"{self.label} (pid {self.proc.pid}) {how}" + (f": {tail}" if tail else "")


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


def run(*, port: int, servers: int, workers: int, timeout: float,
        worker_env: Sequence[Dict[str, str]]) -> Tuple[List[str], float]:
    """Run the whole job; return each worker's stdout (by launch index) and the seconds taken.

    Raises ``RuntimeError`` naming the first role that failed, or the roles still running
    when ``timeout`` ran out. Every child is stopped before this returns or raises,
    also on ``KeyboardInterrupt``.
    """
    roles = ([("scheduler", 0, _SCHEDULER, {})]
             + [("server", i, _SERVER, {}) for i in range(servers)]
             + [("worker", i, _WORKER, worker_env[i]) for i in range(workers)])
    children: List[Child] = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="l10-dist-") as tmp:
        try:
            for role, i, code, extra in roles:
                out, err = (os.path.join(tmp, f"{role}{i}.{s}") for s in ("out", "err"))
                with open(out, "wb") as fo, open(err, "wb") as fe:
                    proc = subprocess.Popen(
                        [sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=fo,
                        stderr=fe, start_new_session=True,
                        env=_env(role, port=port, servers=servers, workers=workers,
                                 extra=extra))
                children.append(Child(role, i, proc, out, err))
            _watch(children, start + timeout, timeout)
            outputs = []
            for c in children:
                if c.role == "worker":
                    with open(c.out, encoding="utf-8") as f:
                        outputs.append(f.read())
            return outputs, time.monotonic() - start
        finally:
            stop(children)


def _watch(children: List[Child], deadline: float, timeout: float) -> None:
    while True:
        running = []
        for c in children:
            if c.proc.poll() is None:
                running.append(c)
            elif c.proc.returncode != 0:
                others = sum(1 for o in children if o is not c)
                raise RuntimeError(f"{c.reason()}; the run was stopped and its {others} "
                                   "other processes ended")
        if not running:
            return
        if time.monotonic() > deadline:
            names = ", ".join(c.label for c in running)
            raise RuntimeError(f"the run did not finish within its time limit of {timeout:g} s "
                               f"(still running: {names}); every process was stopped; raise "
                               "the limit with timeout=... (--timeout) on a slow machine")
        time.sleep(0.02)


def stop(children: Sequence[Child]) -> None:
    """Kill every child's process group that is still alive, then reap them all."""
    for c in children:
        if c.proc.poll() is None:
            try:
                os.killpg(c.proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover - it ended just now
                pass
    for c in children:
        c.proc.wait()
