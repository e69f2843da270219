"""The commands behind ``l10-params``: ``tour``, ``summary`` and ``dist``.

``_l10_params_cli.py`` (outside the package, so that it does not import MXNet) parses and
checks the arguments, then calls :func:`run` here; ``main`` is that module's, re-exported for
``python -m l10_params`` and for tests. Errors that need MXNet to be found (a GPU this build
lacks, a model-zoo name that does not exist, a file MXNet cannot read) exit with status 2 and
one line on stderr, never a traceback. Tables fit ``--width`` (default: the terminal's).
"""
from __future__ import annotations

import os
import sys

from _l10_params_cli import main  # noqa: F401  (re-exported: python -m l10_params, tests)


def run(args) -> int:
    """Run the command ``args.command`` with the checked ``args``; returns the exit status."""
    try:
        if args.command == "tour":
            from . import tour

            made = tour.Tour(ctx=args.ctx, lang=args.lang)  # a GPU this build lacks: status 2
        elif args.command == "dist":
            return _dist(args)
        else:
            from .summary import summary

            print(summary(_load_target(args.target), args.select, stats=args.stats)
                  .to_text(args.width))
    except (ValueError, TypeError) as e:
        from _l10_params_cli import _one_line

        print(_one_line(f"l10-params: error: {e}"), file=sys.stderr)
        return 2
    if args.command == "tour":  # an error inside a step is a bug: its traceback shows
        tour.show(made, step=args.step, start=args.start, pause=args.pause, width=args.width)
    return 0


def _dist(args) -> int:
    from .distributed import run_dist

    try:
        r = run_dist(args.workers, servers=args.servers, steps=args.steps, port=args.port,
                     timeout=args.timeout)
    except RuntimeError as e:
        print(f"l10-params: dist failed: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("l10-params: dist interrupted; every process was stopped", file=sys.stderr)
        return 130
    print(r.to_text(args.width))
    print(f"scheduler on 127.0.0.1:{r.port}; {1 + r.servers + r.workers} processes, "
          f"{r.seconds:.1f} s, all stopped")
    if not r.all_agree:
        print("l10-params: dist failed: the workers do not agree (see above)", file=sys.stderr)
        return 1
    return 0


def _load_target(target: str):
    import mxnet as mx
    from mxnet import gluon

    from . import _gluon
    from .lecture import fresh_names

    if os.path.isdir(target):
        raise ValueError(f"{target!r} is a directory; give a file written by "
                         "net.save_parameters(path), or a model-zoo name such as resnet18_v1")
    if os.path.exists(target) or target.endswith(".params"):
        try:
            with open(target, "rb"):
                pass
        except OSError as e:
            raise ValueError(f"{target!r} cannot be read ({e.strerror}); check the path and "
                             "its permissions") from None
        try:
            arrays = mx.nd.load(target)
        except mx.MXNetError:
            raise ValueError(f"{target!r} is not a file written by save_parameters "
                             "(mx.nd.load cannot read it)") from None
        if not isinstance(arrays, dict):
            raise ValueError(f"{target!r} holds a list of arrays, not named parameters; "
                             "write it with net.save_parameters(path)")
        params = gluon.ParameterDict()
        for name, a in arrays.items():
            p = params.get(name, shape=a.shape, dtype=a.dtype)
            p.initialize(init=mx.init.Zero(), ctx=mx.cpu())  # any dtype: integers too
            p.set_data(_gluon.as_current(a))  # an mx.np array in NumPy mode
        return params
    from mxnet.gluon.model_zoo import vision

    try:  # the model zoo is legacy nd code (F.concat...): built in legacy mode, as the tour
        with fresh_names(), _gluon.legacy_mode():
            net = vision.get_model(target, pretrained=False)
    except ValueError as e:  # MXNet lists its models one per line after the first line
        from ._text import close_names

        names = [ln.strip() for ln in str(e).splitlines()[1:] if ln.strip()]
        near = close_names(target.lower(), names) or names[:5]
        raise ValueError(f"{target!r} is neither a file nor a model-zoo name; "
                         f"close names: {', '.join(near)}") from None
    side = 299 if "inception" in target.lower() else 224
    with _gluon.legacy_mode():
        net.initialize(ctx=mx.cpu())
        net(mx.nd.zeros((1, 3, side, side)))  # infers every deferred shape
    return net
