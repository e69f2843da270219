"""The lecture's net on MXNet's ``dist_sync`` parameter server, every role a local process.

MXNet trains on several machines with a parameter server (ps-lite, built into the PyPI
wheel): one *scheduler* introduces the nodes to each other, *servers* hold the parameters
and run the optimizer, *workers* compute gradients. ``run_dist`` starts them all as child
processes on 127.0.0.1, the ``DMLC_*`` variables telling each its role, and lets every
worker train the lecture's MLP from its own seed with ``gluon.Trainer`` on a ``dist_sync``
KVStore. What each worker holds is recorded before the KVStore takes over, after its
initial broadcast (worker 0's values go to everyone) and after each step (the servers sum
the workers' gradients and every worker pulls the same update).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Optional, Tuple

import mxnet as mx
import numpy as np

from . import _launch
from ._table import Table
from ._text import brief

LEARNING_RATE = 0.1
_TAG = "L10DIST "  # prefix of a worker's report lines on its stdout


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


def _check(name, value, low, high, hint):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, not {type(value).__name__} "
                        f"({brief(value, 40)})")
    if not low <= value <= high:
        raise ValueError(f"{name}={value} is out of range: expected {low} to {high}; {hint}")


def run_dist(workers: int = 2, *, servers: int = 1, steps: int = 2, port: Optional[int] = None,
             timeout: float = 60.0) -> DistResult:
    """Train the lecture's MLP on a ``dist_sync`` parameter server of local processes.

    Starts a scheduler, ``servers`` servers and ``workers`` workers on 127.0.0.1 (``port``
    is the scheduler's; default: a free one), runs ``steps`` SGD steps and stops every
    process before it returns or raises, also on Ctrl-C. Worker ``k`` (its rank) seeds
    MXNet with ``k``, so the workers start from different parameters and different
    batches; worker 0 holds the lecture's numbers. A role that fails, or a run longer
    than ``timeout`` seconds, is a ``RuntimeError`` naming the role and its reason.

    >>> run_dist(0)
    Traceback (most recent call last):
    ...
    ValueError: workers=0 is out of range: expected 1 to 16; e.g. workers=2 ...
    """
    _check("workers", workers, 1, 16, "e.g. workers=2 (each worker is a process here)")
    _check("servers", servers, 1, 8, "e.g. servers=1")
    _check("steps", steps, 0, 1000, "e.g. steps=2")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not timeout > 0:
        raise ValueError(f"timeout={timeout!r} must be a positive number of seconds, e.g. 60")
    if not mx.runtime.Features().is_enabled("DIST_KVSTORE"):
        raise RuntimeError("this MXNet build has no distributed KVStore (feature DIST_KVSTORE "
                           "is off); install the PyPI wheel mxnet==1.9.1, or build MXNet "
                           "with USE_DIST_KVSTORE=1")
    if port is None:
        port = _launch.free_port()
    else:
        _check("port", port, 1024, 65535, "leave it out to use a free port")
        if _launch.port_in_use(port):
            raise ValueError(f"port {port} on 127.0.0.1 is already in use; choose another "
                             "port, or leave it out to use a free one")
    outputs, seconds = _launch.run(port=port, servers=servers, workers=workers,
                                   timeout=float(timeout),
                                   worker_env=[{"L10_DIST_STEPS": str(steps)}] * workers)
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


def _report(net, stage, rank, grad_sum=None) -> None:
    values = [p.data().asnumpy() for p in net.collect_params().values()]
    digest = hashlib.sha256(b"".join(v.tobytes() for v in values)).hexdigest()[:12]
    row = DistRow(stage, rank, rank, float(sum(v.sum(dtype=np.float64) for v in values)),
                  digest, tuple(float(x) for x in net[0].weight.data().asnumpy().ravel()[:4]),
                  grad_sum)
    # A worker's stdout is a file the launcher reads: this line is its report, not output
    # for a user (the library itself never prints).
    print(_TAG + json.dumps(dataclasses.asdict(row)), flush=True)


def _worker() -> None:
    """The program of one worker process (started by ``run_dist`` with DMLC_ROLE=worker)."""
    from mxnet import autograd, gluon, nd

    from .lecture import lecture_mlp

    steps = int(os.environ["L10_DIST_STEPS"])
    # The very store `gluon.Trainer(..., kvstore='dist_sync')` would create; made first so
    # its public .rank tells this worker who it is (connecting waits for every node).
    kv = mx.kv.create("dist_sync")
    rank = kv.rank
    net, X = lecture_mlp(ctx="cpu", seed=rank)  # a different seed, so different values
    y = nd.random.randint(0, 10, shape=(2,)).astype("float32")
    _report(net, "before", rank)
    # The servers run the optimizer (update_on_kvstore), and it is sent to them at the
    # broadcast, so the 1 / (global batch) gradient scale is set here, once.
    trainer = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": LEARNING_RATE,
                             "rescale_grad": 1.0 / (X.shape[0] * kv.num_workers)},
                            kvstore=kv)
    # The first Trainer.step sets up the store and broadcasts every parameter from worker 0
    # (MXNet 1.9.1 gluon/trainer.py). A step whose gradients are all zero shows the values
    # right after that broadcast: plain SGD (no weight decay, no momentum) then moves nothing.
    with autograd.record():
        zero = (net(X) * 0).sum()
    zero.backward()
    trainer.step(1)
    _report(net, "broadcast", rank)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    for k in range(1, steps + 1):
        with autograd.record():
            out = loss(net(X), y)
        out.backward()
        grads = sum(float(p.grad().asnumpy().sum(dtype=np.float64))
                    for p in net.collect_params().values())
        trainer.step(1)  # the scale is already in rescale_grad
        _report(net, f"step {k}", rank, grads)
