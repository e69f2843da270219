"""The lecture as ordered steps: each has a one-line explanation (English, 中文), the code
it runs and, when run, the real output of that code. ``step.py`` holds ``Step``;
``access``, ``initialize`` and ``edit`` hold the steps of each part of the lecture.

The code of every step is executed as written, in one namespace shared by all steps, as
cells of a notebook are: the value of a step's last expression is printed, and an error a
step means to show is printed as ``TypeName: message``. The whole tour runs inside
``fresh_names()`` with the default context set to the first chosen context, so in any
process its names start at ``dense0`` and, from ``mx.random.seed(0)`` (MXNet's default
seed), its numbers are the 2019 lecture's.

NumPy mode: the steps are the 2019 lecture's code, written for the legacy ``nd`` interface
(``nd.random.uniform``, ``.asnumpy()`` on ``nd`` results). When ``npx.set_np()`` is on, the
tour switches it off for exactly the duration of ``Tour.run`` and switches it back on
afterwards (also after an error), and ``main`` says so in its header. The arrays the steps
made (``Tour.ns``) are therefore legacy ``nd`` arrays.
"""
from __future__ import annotations

import ast
import contextlib
import io
import sys
import traceback
from typing import Dict, List, Optional, TextIO

from .. import _gluon
from ..devices import CtxSpec, resolve_ctx
from ..lecture import fresh_names
from . import access, edit, initialize
from .step import Step


def all_steps() -> List[Step]:
    """Every step, in the lecture's order: access, then initialize, then edit and tie."""
    return [*access.STEPS, *initialize.STEPS, *edit.STEPS]


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

    def validate_stop(self, stop: Optional[int]) -> None:
        """Raise ValueError unless ``stop`` is None or a step number of this tour."""
        n = len(self.steps)
        if stop is not None and (isinstance(stop, bool) or not isinstance(stop, int)
                                 or not 1 <= stop <= n):
            raise ValueError(f"step must be a whole number from 1 to {n}, not {stop!r}")

    def run(self, stop: Optional[int] = None, out: Optional[TextIO] = None) -> List[str]:
        """Run steps 1..stop (all by default); write each one to ``out`` if given."""
        import mxnet as mx

        self.validate_stop(stop)
        n = len(self.steps)
        outputs = []
        mx.random.seed(0)  # MXNet's default seed: the lecture's stream in any process
        with _gluon.legacy_mode(), fresh_names(), self.ctx[0]:  # the lecture's nd code
            for i, step in enumerate(self.steps[: stop or n], 1):
                if out is not None:
                    out.write(f"\n── {i}/{n} {step.key} ──\n{step.explain(self.lang)}\n")
                    code = "".join(f"    {ln}\n" for ln in step.code.splitlines())
                    out.write(f"In [{i}]:\n{code}")
                    out.flush()
                result = run_code(step.code, self.ns, step.expect_error)
                outputs.append(result)
                if out is not None and result:
                    out.write(f"Out[{i}]:\n{result.lstrip(chr(10))}\n")
        return outputs


def main(ctx: CtxSpec = None, lang: str = "en", stop: Optional[int] = None,
         out: Optional[TextIO] = None) -> None:
    """Print the tour: its header, then every step's explanation, code and output."""
    out = out or sys.stdout
    tour = Tour(ctx=ctx, lang=lang)
    tour.validate_stop(stop)
    head = {"en": "Managing Parameters: the lecture, step by step",
            "zh": "管理参数：逐步重现课程内容"}[lang]
    out.write(f"{head}\ncontext: {tour.ctx.reason}\n"
              "(names restart at dense0 and the seed is MXNet's default, mx.random.seed(0))\n")
    if _gluon.numpy_mode():
        out.write({"en": "(NumPy mode, npx.set_np(), is on: the steps are the lecture's legacy "
                         "nd code, so the tour switches it off while it runs and back on after)\n",
                   "zh": "（当前开启了 NumPy 模式 npx.set_np()：各步骤是课程中使用旧版 nd "
                         "接口的代码，所以导览运行期间会暂时关闭它，结束后再重新打开）\n"}[lang])
    tour.run(stop=stop, out=out)
