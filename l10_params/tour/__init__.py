"""The lecture as ordered steps: each has a title and an explanation (English, 中文), the code
it runs and, when run, the real output of that code. ``step.py`` holds ``Step``;
``access``, ``initialize`` and ``edit`` hold the steps of each part of the lecture;
``screen`` lays them out for a terminal.

The code of every step is executed as written, in one namespace shared by all steps, as
cells of a notebook are: the value of a step's last expression is printed, and an error a
step means to show is printed as ``TypeName: message``. The whole tour runs inside
``fresh_names()`` with the default context set to the first chosen context, so in any
process its names start at ``dense0`` and, from ``mx.random.seed(0)`` (MXNet's default
seed), its numbers are the 2019 lecture's. Showing step N alone (``--step N``) or from step N
on (``--from N``) runs the steps before it first, without output: step N uses what they made.

NumPy mode: the steps are the 2019 lecture's code, written for the legacy ``nd`` interface
(``nd.random.uniform``, ``.asnumpy()`` on ``nd`` results). When ``npx.set_np()`` is on, the
tour switches it off for exactly the duration of ``Tour.run`` and switches it back on
afterwards (also after an error), and ``main`` says so in its header. The arrays the steps
made (``Tour.ns``) are therefore legacy ``nd`` arrays.
"""
from __future__ import annotations

import ast
import contextlib
import difflib
import importlib
import io
import shutil
import sys
import traceback
from typing import Callable, Dict, List, Optional, TextIO, Union

from .. import _gluon, _table
from ..devices import CtxSpec, resolve_ctx
from ..lecture import fresh_names
from . import screen
from .step import PARTS, Step


def all_steps() -> List[Step]:
    """Every step, in the lecture's order: access, then initialize, then edit and tie."""
    return [s for part in PARTS for s in importlib.import_module(f"{__name__}.{part}").STEPS]


def step_number(spec: Union[int, str, None], steps: List[Step], what: str = "step") -> int:
    """The number (1-based) of the step ``spec``: its number or its key ('edit-diff')."""
    keys = [s.key for s in steps]
    if isinstance(spec, str) and spec in keys:
        return keys.index(spec) + 1
    if isinstance(spec, str) and spec.strip().isdigit():
        spec = int(spec)
    if isinstance(spec, bool) or not isinstance(spec, int) or not 1 <= spec <= len(steps):
        close = difflib.get_close_matches(spec, keys, n=1) if isinstance(spec, str) else []
        guess = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"{what} must be a whole number from 1 to {len(steps)} or a step's "
                         f"name such as {keys[0]!r}, not {spec!r}{guess} (the steps: "
                         "l10-params tour --help)")
    return spec


def namespace(ctx) -> Dict[str, object]:
    """What every step may use: mxnet's usual names, the chosen ``ctx`` and l10_params."""
    import mxnet as mx
    import numpy as np
    from mxnet import autograd, gluon, init, nd
    from mxnet.gluon import nn

    import l10_params

    ns: Dict[str, object] = dict(mx=mx, np=np, nd=nd, init=init, gluon=gluon, nn=nn,
                                 autograd=autograd, ctx=ctx, l10_params=l10_params)
    ns.update({name: getattr(l10_params, name) for name in l10_params.__all__})
    return ns


def run_code(code: str, ns: Dict[str, object], expect_error: Optional[str] = None) -> str:
    """Run ``code`` in ``ns`` as a notebook cell runs; return what it printed and its value."""
    tree = ast.parse(code, mode="exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            exec(compile(tree, "<tour>", "exec"), ns)
            if last is not None:
                value = eval(compile(last, "<tour>", "eval"), ns)
                if value is not None:
                    print(repr(value) if not hasattr(value, "_repr_html_") else str(value))
        except Exception as e:  # shown like a notebook shows it, if the step expects it
            if expect_error is None or type(e).__name__ != expect_error:
                raise
            print(traceback.format_exception_only(type(e), e)[-1].rstrip())
    return buf.getvalue().rstrip("\n")


class Tour:
    """The lecture's steps run in order in one namespace; ``ns`` holds what they made.

    >>> t = Tour(ctx='cpu')
    >>> out = t.run(stop=1)
    >>> print(out[0])  # doctest: +ELLIPSIS
    [[ 0.095430...  0.0461433... -0.00286653 ...
    """

    def __init__(self, ctx: CtxSpec = None, lang: str = "en"):
        if lang not in ("en", "zh"):
            raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
        self.ctx = resolve_ctx(ctx)
        self.lang = lang
        self.steps = all_steps()
        self.ns = namespace(self.ctx)
        self.facts: Dict[str, Dict[str, object]] = {}  # step key -> what its text quotes

    def explain(self, key: str, lang: Optional[str] = None) -> str:
        """The explanation of step ``key`` (which ran) in ``lang`` (default: the tour's)."""
        step = self.steps[step_number(key, self.steps) - 1]
        return step.explain(lang or self.lang, self.facts.get(step.key))

    def run(self, stop=None, out: Optional[TextIO] = None, *, start=1,
            width: Optional[int] = None, height: Optional[int] = None,
            pause: Optional[Callable[[str, int], bool]] = None) -> List[str]:
        """Run steps 1..``stop`` (all by default; a number or a key) and return their outputs.

        Steps ``start``..``stop`` are written to ``out`` if given, laid out for ``width``
        columns (default: ``_table.text_width()``); the steps before ``start`` run without
        output. If ``pause`` is given, ``pause('step', next)`` is called after each step
        written but the last, and ``pause('output', i)`` before the output of a step taller
        than ``height`` lines (so that its explanation and code can be read first); False
        stops the run there.
        """
        import mxnet as mx

        n = len(self.steps)
        stop = n if stop is None else step_number(stop, self.steps)
        start = step_number(start, self.steps, "start")
        if start > stop:
            raise ValueError(f"start={start} comes after stop={stop}; show steps in order")
        width = width or _table.text_width()
        outputs = []
        mx.random.seed(0)  # MXNet's default seed: the lecture's stream in any process
        with _gluon.legacy_mode(), fresh_names(), self.ctx[0], _table.fitting(width):
            for i, step in enumerate(self.steps[:stop], 1):
                result = run_code(step.code, self.ns, step.expect_error)
                outputs.append(result)
                if step.facts is not None:  # read now: later steps change the namespace
                    self.facts[step.key] = step.facts(self.ns)
                if out is None or i < start:
                    continue
                head, body = screen.step(i, n, step, self.lang, self.explain(step.key), result,
                                         width)
                out.write("\n" + head + "\n")
                # the step, a blank line above it, a blank line and a prompt below it
                lines = head.count("\n") + body.count("\n") + 2
                tall = height is not None and lines + 3 > height
                if body and pause is not None and tall and not pause("output", i):
                    break
                out.write(body + "\n" if body else "")
                out.flush()
                if pause is not None and i < stop and not pause("step", i + 1):
                    break
        return outputs


def main(ctx: CtxSpec = None, lang: str = "en", step=None, start=None, stop=None,
         pause: bool = False, out: Optional[TextIO] = None, width: Optional[int] = None,
         height: Optional[int] = None, answers: Optional[TextIO] = None) -> None:
    """Print the tour: its header, then each step's explanation, code and output.

    ``step`` shows that step alone; ``start`` and ``stop`` the steps from ``start`` (default
    1) to ``stop`` (default the last), each a number or a key; the steps before the first one
    shown run first, without output. ``pause`` waits for Enter (a line of ``answers``,
    default stdin) between steps, and before the output of a step taller than ``height``
    lines (default: the terminal's, when ``out`` is one); 'q' or the end of ``answers``
    stops there.
    """
    show(Tour(ctx=ctx, lang=lang), step, start, stop, pause, out, width, height, answers)


def show(tour: Tour, step=None, start=None, stop=None, pause: bool = False,
         out: Optional[TextIO] = None, width: Optional[int] = None,
         height: Optional[int] = None, answers: Optional[TextIO] = None) -> None:
    """``main`` for a ``tour`` already made (the command line makes it first: a wrong
    ``ctx`` is then a usage error, and an error inside a step is not)."""
    out = out or sys.stdout
    if step is not None and (start is not None or stop is not None):
        raise ValueError("give step (one step) or start and stop (a range of steps), not both")
    if step is not None:
        first = last = step_number(step, tour.steps)
    else:
        first = 1 if start is None else step_number(start, tour.steps, "start")
        last = len(tour.steps) if stop is None else step_number(stop, tour.steps, "stop")
    width = width or _table.text_width()
    if height is None and _isatty(out):
        height = shutil.get_terminal_size().lines
    n = len(tour.steps)
    out.write(screen.header(tour.ctx, tour.lang, width, _gluon.numpy_mode(), first) + "\n")
    tour.run(stop=last, out=out, start=first, width=width, height=height,
             pause=_pauser(tour.lang, n, out, answers or sys.stdin) if pause else None)


def _isatty(f) -> bool:
    return bool(getattr(f, "isatty", lambda: False)())


def _pauser(lang: str, n: int, out: TextIO, answers: TextIO) -> Callable[[str, int], bool]:
    """A prompt; Enter goes on, 'q' or the end of input stops (and says how to go on)."""
    live = _isatty(out) and _isatty(answers)

    def pause(kind: str, i: int) -> bool:
        out.write("\n" + screen.say(f"pause-{kind}", lang, i=i, n=n))
        out.flush()
        answer = answers.readline()
        if answer.strip().lower() in ("q", "quit") or not answer:
            out.write(("\n" if not answer else "")
                      + screen.say(f"stopped-{kind}", lang, i=i, n=n) + "\n")
            return False
        # a terminal: the prompt and the blank line before it go away
        out.write("\x1b[1A\x1b[2K\x1b[1A" if live else "\n")
        return True

    return pause
