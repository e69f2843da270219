"""`make bench`: what each helper costs next to the plain Gluon it wraps, against targets.

Every line is a ratio of two timings taken side by side in this run: the compared calls are
interleaved (round after round, the order alternating), each call waits for MXNet's
asynchronous engine (``mx.nd.waitall()``), the garbage of earlier calls is collected before
each call (outside the timing), and the ratio is the median of the per-round ratios, so a
busy spell of the machine slows both sides alike. The table (target beside each ratio,
``MISS`` where one is missed) is printed and written to ``benchmarks/RESULTS.md`` with the
machine's description.
``STRICT=1`` makes a miss exit non-zero. Timings never run in ``make test``.
"""
from __future__ import annotations

import contextlib
import gc
import io
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time
import warnings
from typing import Callable, Dict, List, Tuple

import mxnet as mx
import numpy as np
from grading import grading  # benchmarks/grading.py: make grade, one job against two
from mxnet.gluon import nn
from mxnet.gluon.model_zoo import vision

import l10_params as lp
from l10_params.tour import Tour, all_steps, namespace

RESULTS = pathlib.Path(__file__).with_name("RESULTS.md")
Row = Tuple[str, str, float, str, bool]  # case, "a / b", ratio, target text, met


def timed(fn: Callable[[], object]) -> float:
    """Seconds of one call, MXNet's engine waited for. The garbage of earlier calls is
    collected first (outside the timing): each call pays for the cyclic collections its own
    allocations trigger, not for its predecessors' (with several 4,000-layer nets alive, a
    full collection that happens to land in one call costs tens of milliseconds)."""
    gc.collect()
    t = time.perf_counter()
    fn()
    mx.nd.waitall()
    return time.perf_counter() - t


def rounds(fns: Dict[str, Callable[[], object]], n: int) -> Dict[str, List[float]]:
    """Seconds per call of each function, ``n`` rounds, the calls interleaved round by round
    (the order alternating)."""
    for fn in fns.values():  # warm-up: first-call costs (imports, caches) are not measured
        timed(fn)
    times: Dict[str, List[float]] = {k: [] for k in fns}
    names = list(fns)
    for r in range(n):
        for k in (names if r % 2 == 0 else names[::-1]):
            times[k].append(timed(fns[k]))
    return times


def at_most(case: str, a: str, b: str, t: Dict[str, List[float]], limit: float) -> Row:
    """The median of the per-round ratios ``a / b``: both calls of a round run back to back,
    so a slow spell of this shared machine (calls here vary by 2x within a minute) slows
    both; the medians of the timings are shown beside it."""
    ratio = statistics.median(x / y for x, y in zip(t[a], t[b]))
    ta, tb = statistics.median(t[a]), statistics.median(t[b])
    return (case, f"{a} {ta * 1e3:.1f} ms / {b} {tb * 1e3:.1f} ms", ratio,
            f"<= {limit:g}x", ratio <= limit)


def resnet50():
    with lp.fresh_names():
        net = vision.resnet50_v1(pretrained=False)
    net.initialize(ctx=mx.cpu())
    X = mx.nd.zeros((1, 3, 224, 224))
    net(X)
    mx.nd.waitall()
    return net, X


def model_zoo() -> List[Row]:
    net, X = resnet50()

    def gluon_summary():
        with contextlib.redirect_stdout(io.StringIO()):
            net.summary(X)

    rows = []
    t = rounds({"str(summary(net))": lambda: str(lp.summary(net)),
                "repr(collect_params())": lambda: repr(net.collect_params()),
                "net.summary(X)": gluon_summary}, 21)
    rows.append(at_most("resnet50_v1 summary, text", "str(summary(net))",
                        "repr(collect_params())", t, 1.5))
    rows.append(at_most("resnet50_v1 summary vs net.summary(X) (>= 4x faster)",
                        "str(summary(net))", "net.summary(X)", t, 0.25))
    t = rounds({"summary(stats=True)": lambda: lp.summary(net, stats=True),
                 "asnumpy() of all": lambda: [p.data().asnumpy()
                                              for p in net.collect_params().values()]}, 21)
    rows.append(at_most("resnet50_v1 stats vs copy-to-NumPy floor", "summary(stats=True)",
                        "asnumpy() of all", t, 2.5))
    t = rounds({"select('.*weight')": lambda: lp.select(net, ".*weight"),
                 "collect_params('.*weight')": lambda: net.collect_params(".*weight")}, 21)
    rows.append(at_most("resnet50_v1 select", "select('.*weight')",
                        "collect_params('.*weight')", t, 1.1))
    return rows


def dense_stack(n: int) -> nn.Sequential:
    with lp.fresh_names():
        net = nn.Sequential()
        for _ in range(n):
            net.add(nn.Dense(4, in_units=4))
    net.initialize(ctx=mx.cpu())
    return net


def scaling() -> List[Row]:
    """Each helper on 1,000 and 4,000 Dense layers: at most 4.5x, and under 1 s."""
    ops = {
        "summary": lambda net, other, snap: str(lp.summary(net)),
        "select": lambda net, other, snap: lp.select(net, ".*weight"),
        "tied_groups": lambda net, other, snap: lp.tied_groups(net),
        "snapshot": lambda net, other, snap: lp.snapshot(net),
        "diff": lambda net, other, snap: lp.diff(snap, net),
        "copy_params": lambda net, other, snap: lp.copy_params(other, net),
    }
    sizes = {}
    for n in (1000, 4000):
        net, other = dense_stack(n), dense_stack(n)
        sizes[n] = (net, other, lp.snapshot(net))
    rows = []
    for op, fn in ops.items():
        t = rounds({f"{n:,} layers": (lambda fn=fn, args=args: fn(*args))
                     for n, args in sizes.items()}, 25)
        big = statistics.median(t["4,000 layers"])
        row = at_most(f"{op}: 4,000 vs 1,000 layers", "4,000 layers", "1,000 layers", t, 4.5)
        rows.append(row[:3] + (row[3] + ", 4,000 < 1 s", row[4] and big < 1.0))
    return rows


def process_seconds(code: str) -> Callable[[], None]:
    def run():
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return run


def import_time() -> List[Row]:
    """Whole processes, 21 rounds (one start of Python + MXNet varies by +-15% here). The
    package's bytecode is compiled first, as MXNet's is (pip compiles what it installs; an
    editable install does not, and with PYTHONDONTWRITEBYTECODE set, as on this machine, every
    import would compile l10_params's modules again: about 20 ms, 1% of the ratio)."""
    package = str(pathlib.Path(lp.__file__).parent)
    subprocess.run([sys.executable, "-m", "compileall", "-q", package], check=True)
    t = rounds({"import l10_params": process_seconds("import l10_params"),
                 "import mxnet": process_seconds("import mxnet")}, 21)
    return [at_most("import, whole processes", "import l10_params", "import mxnet", t, 1.10)]


def plain_tour_script() -> str:
    """The tour's steps' code as one plain script: the same calls, none of the tour's
    machinery (no per-step parsing, capture or display); a step that shows an error
    catches it."""
    parts = ["mx.random.seed(0)"]
    for step in all_steps():
        if step.expect_error:
            body = "".join(f"    {ln}\n" for ln in step.code.splitlines())
            parts.append(f"try:\n{body}except {step.expect_error}:\n    pass")
        else:
            parts.append(step.code)
    return "\n".join(parts)


def tour() -> List[Row]:
    code = compile(plain_tour_script(), "<plain tour>", "exec")

    def plain():
        ns = namespace(lp.resolve_ctx("cpu"))
        with lp.fresh_names(), mx.cpu(0), contextlib.redirect_stdout(io.StringIO()):
            exec(code, ns)

    t = rounds({"Tour(ctx='cpu').run()": lambda: Tour(ctx="cpu").run(),
                 "plain script": plain}, 5)
    return [at_most("tour end to end", "Tour(ctx='cpu').run()", "plain script", t, 1.5)]


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (f"{cpu}, {os.cpu_count()} cores (load average {_load()} at the start); "
            f"Python {platform.python_version()}, MXNet {mx.__version__}, "
            f"NumPy {np.__version__}, {platform.system()} {platform.release()}")


def _load() -> str:
    """The 1, 5 and 15 minute load averages (a busy machine widens every ratio's noise)."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def table(rows: List[Row]) -> str:
    w = max(len(r[0]) for r in rows)
    v = max(len(r[1]) for r in rows)
    lines = [f"{'case':<{w}}  {'timings (medians)':<{v}}  {'ratio':>6}  target",
             f"{'-' * w}  {'-' * v}  {'-' * 6}  {'-' * 22}"]
    for case, what, ratio, target, met in rows:
        lines.append(f"{case:<{w}}  {what:<{v}}  {ratio:>6.2f}  {target}"
                     + ("" if met else "  MISS"))
    return "\n".join(lines)


def main() -> int:
    warnings.simplefilter("ignore")
    desc = machine()
    started = time.perf_counter()
    grading_rows, grading_text = grading()
    rows = model_zoo() + scaling() + import_time() + tour() + grading_rows
    text = table(rows)
    missed = [r[0] for r in rows if not r[4]]
    verdict = (f"{len(rows) - len(missed)} of {len(rows)} targets met"
               + (f"; missed: {', '.join(missed)}" if missed else ""))
    took = (f"bench time: {time.perf_counter() - started:.0f} s; load average at the end "
            f"{_load()}")
    print(f"{desc}\n\n{text}\n\n{grading_text}\n\n{verdict}\n{took}")
    RESULTS.write_text(
        "# `make bench` results\n\n"
        "Written by `benchmarks/run.py` (`make bench`). Each ratio compares two timings taken\n"
        "side by side in one run: interleaved rounds, the ratio is the median of the "
        "per-round ratios\n(the timings shown are medians), `mx.nd.waitall()` in each call, "
        "`gc.collect()` before each call,\noutside the timing.\n\n"
        f"Machine: {desc}\n\nDate: {time.strftime('%Y-%m-%d %H:%M %Z')}\n\n"
        f"```\n{text}\n```\n\n{grading_text}\n\n{verdict}; {took}.\n", encoding="utf-8")
    strict = os.environ.get("STRICT") == "1"
    return 1 if strict and missed else 0


if __name__ == "__main__":
    import argparse

    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()  # --help only
    sys.exit(main())
