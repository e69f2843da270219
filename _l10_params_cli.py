"""The ``l10-params`` command: arguments parsed and checked before MXNet is imported.

Importing anything inside ``l10_params`` imports MXNet (2 to 6 seconds). This module, outside
the package, is what the console script runs: it parses and checks the arguments first, so
that ``--help`` and every usage error are answered at once (one line on stderr, status 2),
and only then imports ``l10_params.cli``, which runs the command. The tour's step list (for
``--help`` and the range of ``--step``/``--from``) is read from the files of
``l10_params/tour/``, which import nothing (``_tour_steps``). What needs MXNet itself (a GPU
that this build lacks, a model-zoo name) is checked after the import.

Ctrl-C at any moment, from the first line of this module on (while MXNet loads, while a
step runs, at a pause), ends the command with one line on stderr and status 130.
``python -m l10_params`` runs the same ``main``, but Python imports the package (and MXNet)
before it: usage errors take seconds there, and Ctrl-C during that import shows Python's
traceback.
"""
import math
import os
import signal
import sys

_CTX_HINT = "use 'auto', 'cpu', 'gpu', 'gpu:1' or a comma-separated list such as 'cpu:0,cpu:1'"
CPU_LIMIT = 64  # as l10_params.devices: cpu:0 to cpu:63
# dist's limits and hints, as run_dist words them (tests/test_cli.py checks that both agree)
DIST_LIMITS = {"workers": (1, 16, "e.g. workers=2 (each worker is a process here)"),
               "servers": (1, 8, "e.g. servers=1"), "steps": (0, 1000, "e.g. steps=2"),
               "port": (1024, 65535, "leave it out to use a free port")}
MIN_WIDTH = 40  # as l10_params._table.MIN_WIDTH


class UsageError(Exception):
    """A wrong argument: one line on stderr, status 2."""


def _tour_steps():
    """The tour's steps, read from l10_params/tour/ without importing l10_params or MXNet:
    the step modules import only each other, so they load as a package of another name."""
    import importlib
    import importlib.util
    import types

    name = "_l10_params_tour_steps"
    if name not in sys.modules:
        spec = importlib.util.find_spec("l10_params")  # finds the folder, imports nothing
        pkg = types.ModuleType(name)
        pkg.__path__ = [os.path.join(list(spec.submodule_search_locations)[0], "tour")]
        sys.modules[name] = pkg
    parts = importlib.import_module(f"{name}.step").PARTS
    return [s for p in parts for s in importlib.import_module(f"{name}.{p}").STEPS]


def step_list(lang: str = "en") -> str:
    """The steps as ``--help`` lists them: number, name, one line."""
    steps = _tour_steps()
    n, wide = len(steps), max(len(s.key) for s in steps)
    head = {"en": f"the steps (--step N, --from N: a number from 1 to {n}, or a step's name):",
            "zh": f"步骤（--step 和 --from 接受 1 到 {n} 的编号，或步骤的名字）："}[lang]
    return "\n".join([head] + [f"  {i:>2}  {s.key:<{wide}}  {s.heading(lang)}"
                               for i, s in enumerate(steps, 1)])


def _step(spec: str, flag: str) -> int:
    """The number of the step ``spec`` (a number or a name), as ``tour.step_number`` says."""
    steps = _tour_steps()
    keys = [s.key for s in steps]
    if spec in keys:
        return keys.index(spec) + 1
    if spec.strip().isdigit() and 1 <= int(spec) <= len(steps):
        return int(spec)
    import difflib

    close = difflib.get_close_matches(spec, keys, n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"l10-params: error: {flag} must be a whole number from 1 to {len(steps)} "
                     f"or a step's name such as {keys[0]!r}, not {spec!r}{guess} (the steps: "
                     "l10-params tour --help)")


def ctx_problem(spec: str):
    """What is wrong with the context spec ``spec`` in the words of ``resolve_ctx``, or None.
    Only what can be told without MXNet: whether a GPU exists is checked after the import."""
    import re

    if spec.strip().lower() == "auto":
        return None
    parts = spec.split(",")
    if not spec.strip() or any(not s.strip() for s in parts):
        return f"context {spec!r} has an empty entry; write e.g. 'cpu', 'gpu:0' or 'cpu:0,cpu:1'"
    seen = []
    for item in parts:
        if item.strip().lower() == "auto":
            return f"'auto' cannot be part of a list ({spec!r}); use 'auto' alone"
        m = re.match(r"^(?P<kind>[a-z_]+)(?:(?::(?P<i1>[^()]*))|(?:\((?P<i2>[^()]*)\)))?$",
                     item.strip().lower())
        if not m or m["kind"] not in ("cpu", "gpu"):
            return f"context {item!r} is not understood; {_CTX_HINT}"
        kind, index = m["kind"], (m["i1"] if m["i1"] is not None else m["i2"])
        index = "0" if index is None else index.strip()
        if not index.isdigit():
            return (f"context {item!r} has device index {index!r}, which is not a whole number "
                    f"≥ 0; write it as '{kind}:0' or '{kind}:1'")
        if kind == "cpu" and int(index) >= CPU_LIMIT:
            return (f"context {item!r} asks for CPU device {int(index)}; MXNet's CPU devices are "
                    f"logical, and l10_params allows cpu:0 to cpu:{CPU_LIMIT - 1} (MXNet sizes "
                    "its engine tables by the index); use e.g. 'cpu:0,cpu:1'")
        if (kind, int(index)) in seen:
            return (f"context {kind}({int(index)}) is listed twice in {spec!r}; list each "
                    "device once")
        seen.append((kind, int(index)))
    return None


def _check_ctx(spec) -> None:
    if spec is not None:
        problem = ctx_problem(spec)
        if problem:
            raise UsageError(f"l10-params: error: {problem}")
        return
    env = os.environ.get("L10_PARAMS_CTX", "").strip()
    problem = ctx_problem(env) if env else None
    if problem:
        raise UsageError(f"l10-params: error: $L10_PARAMS_CTX={env!r} is not usable: {problem}; "
                         "fix the variable or unset it")


def _check_target(target: str) -> None:
    """What can be told about a summary target without MXNet: a folder, a file unreadable."""
    if os.path.isdir(target):
        raise UsageError(f"l10-params: error: {target!r} is a directory; give a file written by "
                         "net.save_parameters(path), or a model-zoo name such as resnet18_v1")
    if os.path.exists(target) or target.endswith(".params"):
        try:
            with open(target, "rb"):
                pass
        except OSError as e:
            raise UsageError(f"l10-params: error: {target!r} cannot be read ({e.strerror}); "
                             "check the path and its permissions") from None


def _check(args) -> None:
    """Every check of the arguments that needs no MXNet; raises UsageError."""
    import re

    if getattr(args, "width", None) is not None and args.width < MIN_WIDTH:
        raise UsageError(f"l10-params: --width {args.width} is too narrow: give at least "
                         f"{MIN_WIDTH} columns, or leave it out to fit the terminal")
    if args.command == "tour":
        args.step = None if args.step is None else _step(args.step, "step")
        args.start = None if args.start is None else _step(args.start, "--from")
        _check_ctx(args.ctx)
    elif args.command == "summary":
        _check_target(args.target)
        if args.select is not None:
            try:
                re.compile(args.select)
            except re.error as e:
                raise UsageError(f"l10-params: error: --select {args.select!r} is not a regular "
                                 f"expression ({e}); e.g. '.*weight'") from None
    elif args.command == "dist":
        for name, (low, high, hint) in DIST_LIMITS.items():
            value = getattr(args, name)
            if value is not None and not low <= value <= high:
                raise UsageError(f"l10-params: error: {name}={value} is out of range: expected "
                                 f"{low} to {high}; {hint}")
        if not (args.timeout > 0 and math.isfinite(args.timeout)):
            raise UsageError(f"l10-params: error: timeout={args.timeout!r} must be a positive "
                             "number of seconds, e.g. 60 (a finite one: the run is stopped "
                             "when it runs out)")


def _parser():
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message):  # one line, status 2, no usage block
            raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")

    class StepsHelp(argparse.Action):  # --help lists the steps in the language asked so far
        def __init__(self, option_strings, dest, **kwargs):
            super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

        def __call__(self, parser, namespace, values, option_string=None):
            parser.epilog = step_list(getattr(namespace, "lang", "en") or "en")
            parser.print_help()
            parser.exit()

    width = "fit COLUMNS columns (default: the terminal's width, or $COLUMNS, else 80)"
    p = Parser(prog="l10-params", description="Managing Parameters (MXNet Gluon), the lecture "
               "and its helpers. 管理参数：课程演示与辅助工具。")
    sub = p.add_subparsers(dest="command", parser_class=Parser)
    t = sub.add_parser("tour", help="run the lecture step by step in the terminal",
                       add_help=False, formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="The lecture, step by step: each step's explanation,\nits "
                       "code exactly as it runs, and its output.")
    t.add_argument("-h", "--help", action=StepsHelp, help="show this help and the steps")
    t.add_argument("--lang", choices=["en", "zh"], default="en",
                   help="language of the text (before --help: the steps in that language)")
    t.add_argument("--ctx", default=None,
                   help="'auto' (default), 'cpu', 'gpu', 'gpu:1' or 'cpu:0,cpu:1'; "
                        "default: $L10_PARAMS_CTX, else 'auto'")
    which = t.add_mutually_exclusive_group()
    which.add_argument("--step", metavar="N", help="show step N alone (the steps before it "
                       "run first, without output)")
    which.add_argument("--from", dest="start", metavar="N", help="show steps N to the end")
    t.add_argument("--pause", action="store_true",
                   help="wait for Enter after each step, and before the output of a "
                        "step taller than the screen (q, Enter: quit)")
    t.add_argument("--width", type=int, metavar="COLUMNS", help=width)
    s = sub.add_parser("summary", help="tabulate the parameters of a model-zoo net or a "
                                       ".params file")
    s.add_argument("target", help="a gluon model-zoo name (built with pretrained=False, no "
                                  "download), e.g. resnet18_v1, or a file from save_parameters")
    s.add_argument("--select", default=None, help="Gluon regex, e.g. '.*weight'")
    s.add_argument("--stats", action="store_true", help="add mean, std, min, max, zeros")
    s.add_argument("--width", type=int, metavar="COLUMNS", help=width)
    d = sub.add_parser("dist", help="the lecture's net on MXNet's dist_sync parameter server, "
                                    "every role a process on 127.0.0.1")
    d.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    d.add_argument("--servers", type=int, default=1, help="server processes (default 1)")
    d.add_argument("--steps", type=int, default=2, help="SGD steps (default 2)")
    d.add_argument("--port", type=int, default=None, help="the scheduler's port (default: a "
                                                          "free one)")
    d.add_argument("--timeout", type=float, default=60.0, help="time limit of the whole run "
                                                               "in seconds (default 60)")
    d.add_argument("--width", type=int, metavar="COLUMNS", help=width)
    p.commands = {"tour": t, "summary": s, "dist": d}
    return p


def _unrecognized(parser, command, extra) -> str:
    """One line for arguments no parser took: the subcommand's help, and the option a
    misspelt one was likely meant to be (``--stp`` -> ``--step``)."""
    import difflib

    sub = parser.commands.get(command)
    prog = sub.prog if sub is not None else parser.prog
    options = [o for action in (sub or parser)._actions for o in action.option_strings]
    guesses = [m[0] for word in extra if word.startswith("--")
               for m in [difflib.get_close_matches(word.split("=")[0], options, n=1)] if m]
    guess = f"; did you mean {', '.join(guesses)}?" if guesses else ""
    return f"{prog}: unrecognized arguments: {' '.join(extra)}{guess} (see {prog} --help)"


def main(argv=None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status:
    0, 1 (a failed run), 2 (wrong arguments), 130 (Ctrl-C), 141 (the reader went away)."""
    lang = "en"
    try:
        parser = _parser()
        try:
            args, extra = parser.parse_known_args(argv)
        except SystemExit as e:  # --help
            return e.code or 0
        if extra:
            raise UsageError(_unrecognized(parser, args.command, extra))
        lang = getattr(args, "lang", "en")
        if args.command is None:
            parser.print_help()
            return 2
        _check(args)
        from l10_params import cli  # imports MXNet: only now

        status = cli.run(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _reader_gone()
    except UsageError as e:
        print(_one_line(str(e)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # a terminal echoed ^C where the cursor was: a line of its own
        print("\n" if _isatty(sys.stderr) else "", end="", file=sys.stderr)
        print("l10-params：已中断（Ctrl-C）" if lang == "zh" else "l10-params: interrupted "
              "(Ctrl-C)", file=sys.stderr)
        return 130


def _one_line(message: str) -> str:
    """``message`` on one line (for logs and pipes); on a terminal, wrapped at spaces to its
    width, so that no word is cut where the terminal would wrap it."""
    line = " ".join(message.split())
    if not _isatty(sys.stderr):
        return line
    import shutil
    import textwrap

    return textwrap.fill(line, shutil.get_terminal_size().columns - 1, break_long_words=False,
                         break_on_hyphens=False)


def _isatty(f) -> bool:
    try:
        return f.isatty()
    except (AttributeError, ValueError):  # pragma: no cover - a closed or odd stream
        return False


def _reader_gone() -> int:
    """stdout's reader closed the pipe (``l10-params tour | head -1``): stop quietly, as any
    Unix filter does (no traceback, no 'Exception ignored'), with status 141 (128 + SIGPIPE)."""
    try:  # later flushes, also the interpreter's own at exit, go nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a file
        pass
    return 141


def console() -> None:
    """The ``l10-params`` console script: ``main()``, then exit with its status."""
    try:
        status = main()
    except KeyboardInterrupt:  # a second Ctrl-C while the first was being answered
        status = 130
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # none while Python shuts MXNet down
    sys.exit(status)
