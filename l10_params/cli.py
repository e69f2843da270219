"""The command line: ``l10-params tour``, ``summary`` and ``dist`` (also ``python -m l10_params``).

Wrong arguments and unreadable files exit with status 2 and a one-line message on stderr,
never a traceback. A reader that goes away (``l10-params tour | head -1``) ends the command
quietly with status 141 (128 + SIGPIPE), as it ends any Unix filter.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2, no usage block
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="l10-params", description="Managing Parameters (MXNet Gluon), the lecture "
                "and its helpers. 管理参数：课程演示与辅助工具。")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    t = sub.add_parser("tour", help="run the lecture step by step in the terminal")
    t.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the text")
    t.add_argument("--ctx", default=None,
                   help="'auto' (default), 'cpu', 'gpu', 'gpu:1' or 'cpu:0,cpu:1'; "
                        "default: $L10_PARAMS_CTX, else 'auto'")
    t.add_argument("--step", type=int, default=None, help="stop after step N")
    s = sub.add_parser("summary", help="tabulate the parameters of a model-zoo net or a "
                                       ".params file")
    s.add_argument("target", help="a gluon model-zoo name (built with pretrained=False, no "
                                  "download), e.g. resnet18_v1, or a file from save_parameters")
    s.add_argument("--select", default=None, help="Gluon regex, e.g. '.*weight'")
    s.add_argument("--stats", action="store_true", help="add mean, std, min, max, zeros")
    d = sub.add_parser("dist", help="the lecture's net on MXNet's dist_sync parameter server, "
                                    "every role a process on 127.0.0.1")
    d.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    d.add_argument("--servers", type=int, default=1, help="server processes (default 1)")
    d.add_argument("--steps", type=int, default=2, help="SGD steps (default 2)")
    d.add_argument("--port", type=int, default=None, help="the scheduler's port (default: a "
                                                          "free one)")
    d.add_argument("--timeout", type=float, default=60.0, help="time limit of the whole run "
                                                               "in seconds (default 60)")
    return p


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
    print(r)
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


def _reader_gone() -> int:
    """stdout's reader closed the pipe: stop quietly (no traceback, no 'Exception ignored')."""
    try:  # later flushes, also the interpreter's own at exit, go nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a file
        pass
    return 141


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    try:
        status = _main(argv)
        sys.stdout.flush()
    except BrokenPipeError:
        return _reader_gone()
    return status


def _main(argv: Optional[List[str]]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        if args.command == "tour":
            from . import tour

            tour.main(ctx=args.ctx, lang=args.lang, stop=args.step)
        elif args.command == "dist":
            return _dist(args)
        else:
            from .summary import summary

            print(summary(_load_target(args.target), args.select, stats=args.stats))
    except (_UsageError, ValueError, TypeError) as e:
        msg = str(e) if isinstance(e, _UsageError) else f"l10-params: error: {e}"
        print(" ".join(msg.split()), file=sys.stderr)  # one line, whatever the message holds
        return 2
    return 0
