"""`make bench`: what each helper costs next to the plain Gluon call it wraps.

Each line times the helper and the Gluon code a student would write by hand for the same
job, on the lecture's MLP and on ResNet-18 (model zoo, pretrained=False), and prints the
median of several repeats and the ratio helper / Gluon.
"""
from __future__ import annotations

import statistics
import timeit

import mxnet as mx
from mxnet import init
from mxnet.gluon.model_zoo import vision

import l10_params as lp


def median_ms(fn, number: int, repeat: int = 7) -> float:
    """Median wall time of one call in ms; waits for MXNet's asynchronous engine each time."""

    def call():
        fn()
        mx.nd.waitall()

    times = timeit.repeat(call, number=number, repeat=repeat)
    return statistics.median(times) / number * 1e3


def nets():
    mlp, _ = lp.lecture_mlp(ctx="cpu", seed=0)
    with lp.fresh_names():
        resnet = vision.resnet18_v1(pretrained=False)
    resnet.initialize(ctx=mx.cpu())
    resnet(mx.nd.zeros((1, 3, 224, 224)))
    return {"lecture MLP": mlp, "resnet18_v1": resnet}


def pairs(net):
    """(what, helper, plain Gluon) for one net."""
    out = [
        ("select '.*weight'", lambda: lp.select(net, ".*weight"),
         lambda: net.collect_params(".*weight")),
        ("summary (shapes)", lambda: lp.summary(net),
         lambda: [(n, p.shape) for n, p in net.collect_params().items()]),
        ("summary stats=True", lambda: lp.summary(net, stats=True),
         lambda: [(p.data().asnumpy().mean(), p.data().asnumpy().std())
                  for p in net.collect_params().values()]),
    ]
    if hasattr(lp, "reinitialize"):
        out.append(("reinitialize Xavier", lambda: lp.reinitialize(net, init.Xavier()),
                    lambda: net.initialize(init.Xavier(), force_reinit=True)))
    if hasattr(lp, "snapshot"):
        out.append(("snapshot", lambda: lp.snapshot(net),
                    lambda: {n: p.data().copy() for n, p in net.collect_params().items()}))
    return out


def main() -> None:
    import warnings

    warnings.simplefilter("ignore")
    print(f"{'net':<12} {'operation':<22} {'helper ms':>10} {'Gluon ms':>10} {'ratio':>7}")
    for name, net in nets().items():
        for what, helper, plain in pairs(net):
            number = 20 if name == "lecture MLP" else 3
            h, g = median_ms(helper, number), median_ms(plain, number)
            print(f"{name:<12} {what:<22} {h:>10.3f} {g:>10.3f} {h / g:>7.2f}")


if __name__ == "__main__":
    main()
