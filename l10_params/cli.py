"""The command line: ``l10-params tour`` and ``l10-params summary`` (also ``python -m l10_params``).

Wrong arguments exit with status 2 and a one-line message, never a traceback.
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
    return p


def _load_target(target: str):
    import mxnet as mx
    from mxnet import gluon

    from .lecture import fresh_names

    if os.path.exists(target):
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
            p.initialize(ctx=mx.cpu())
            p.set_data(a)
        return params
    from mxnet.gluon.model_zoo import vision

    try:
        with fresh_names():
            net = vision.get_model(target, pretrained=False)
    except ValueError as e:  # MXNet lists its models one per line after the first line
        from ._gluon import close_names

        names = [ln.strip() for ln in str(e).splitlines()[1:] if ln.strip()]
        near = close_names(target.lower(), names) or names[:5]
        raise ValueError(f"{target!r} is neither a file nor a model-zoo name; "
                         f"close names: {', '.join(near)}") from None
    net.initialize(ctx=mx.cpu())
    side = 299 if "inception" in target.lower() else 224
    net(mx.nd.zeros((1, 3, side, side)))  # infers every deferred shape
    return net


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        if args.command == "tour":
            from . import tour

            tour.main(ctx=args.ctx, lang=args.lang, stop=args.step)
        else:
            from .summary import summary

            print(summary(_load_target(args.target), args.select, stats=args.stats))
    except (_UsageError, ValueError, TypeError) as e:
        msg = str(e) if isinstance(e, _UsageError) else f"l10-params: error: {e}"
        print(msg, file=sys.stderr)
        return 2
    return 0
