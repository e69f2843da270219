"""Test cells' errors in a notebook, made to explain themselves.

Two things stand between a student and a failed test's message in Jupyter. A failed claim's
traceback shows this package's code before the message, which the student did not write and
need not read. And a test cell often fails before any claim is checked, because a name it
uses (``BIAS_PATTERN``, ``he_net``) was never defined in this kernel: the cells ran out of
order, the cell that defines it raised, or it sits further down; IPython then shows
``NameError: name 'BIAS_PATTERN' is not defined``, which says nothing of the fix.
:func:`explain_errors` deals with both.
"""
from __future__ import annotations

import difflib
import os
import re
import types
from typing import Iterable, Optional, Sequence

_NAME = re.compile(r"name '(\w+)' is not defined")
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _defines(source: str, name: str) -> bool:
    """Whether cell ``source`` binds ``name`` at its top level (an assignment, ``def``,
    ``class``, ``import``, ``for`` or ``as``): a cell that would define it."""
    n = re.escape(name)
    target = r"[\w.\[\]]+"
    return re.search(
        rf"(?m)^(?:(?:{target}\s*,\s*)*{n}\s*(?:,\s*{target}\s*)*(?::[^=\n]+)?=(?!=)"
        rf"|(?:def|class)\s+{n}\b|for\s+[\w\s,]*\b{n}\b[\w\s,]*\bin\b"
        rf"|(?:from\s+\S+\s+)?import\s+.*\b{n}\b)|\bas\s+{n}\b", source) is not None


def missing_name_message(name: str, defined: Iterable[str] = (),
                         history: Sequence[str] = ()) -> str:
    """What a cell that needs the undefined ``name`` should say. ``defined``: the names the
    kernel has (for a likely typo); ``history``: the sources of the cells run so far
    (IPython's ``In``), to tell a cell that defines ``name`` but failed from an answer not
    written yet (nbgrader's ``raise NotImplementedError()``) and from cells run out of order.

    >>> print(missing_name_message('BIAS_PATTERN'))  # doctest: +NORMALIZE_WHITESPACE
    BIAS_PATTERN is not defined yet: Kernel → Restart & Run All
    Run every cell from the top (Kernel → Restart & Run All): a cell above this one must
    define BIAS_PATTERN. If that cell raised an error, fix it first; if no cell defines
    BIAS_PATTERN yet, your answer must.
    >>> missing_name_message('BIAS_PATTERN', history=['# YOUR CODE HERE\\nraise '
    ...                      'NotImplementedError()']).splitlines()[0]
    'BIAS_PATTERN is not defined: an answer above is not written yet'
    >>> missing_name_message('BIAS_PATTERN', history=["BIAS_PATTERN = '.*bias"]).splitlines()[0]
    'BIAS_PATTERN is not defined: the cell that sets it failed; fix it'
    >>> missing_name_message('BIAS_PATERN', ['BIAS_PATTERN']).splitlines()[0]
    'BIAS_PATERN is not defined, but BIAS_PATTERN is: a typo in one of them?'
    """
    close = difflib.get_close_matches(name, [n for n in defined if not n.startswith("_")],
                                      n=1, cutoff=0.8)
    if close:
        return (f"{name} is not defined, but {close[0]} is: a typo in one of them?\n"
                f"No cell has defined {name}; {close[0]} exists. If {name} is the right "
                "spelling, run every cell from the top (Kernel → Restart & Run All)")
    if any(_defines(cell, name) for cell in history):
        return (f"{name} is not defined: the cell that sets it failed; fix it\n"
                f"A cell that ran above this one sets {name}, but it stopped with an error "
                "before it got there (its own error is shown under it). Fix that cell, then run "
                "every cell from the top (Kernel → Restart & Run All).")
    if any("raise NotImplementedError" in cell for cell in history):
        return (f"{name} is not defined: an answer above is not written yet\n"
                "An answer cell above this one still holds raise NotImplementedError(): write "
                f"your answer there (it must define {name}) in place of that line, then run "
                "every cell from the top (Kernel → Restart & Run All).")
    return (f"{name} is not defined yet: Kernel → Restart & Run All\n"
            f"Run every cell from the top (Kernel → Restart & Run All): a cell above this one "
            f"must define {name}. If that cell raised an error, fix it first; if no cell "
            f"defines {name} yet, your answer must.")


def _missing_name(value: BaseException) -> Optional[str]:
    name = getattr(value, "name", None)  # Python 3.10+
    if name:
        return name
    m = _NAME.search(str(value))
    return m.group(1) if m else None


def _outside_package(tb):
    """The frames of ``tb`` up to the first one in this package (None if it starts there)."""
    kept = []
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE):
        kept.append(tb)
        tb = tb.tb_next
    out = None
    for t in reversed(kept):
        out = types.TracebackType(out, t.tb_frame, t.tb_lasti, t.tb_lineno)
    return out


def explain_errors() -> None:
    """In IPython (Jupyter), make the errors of test cells explain themselves.

    - A failed claim of :mod:`l10_params.testing` (an ``AssertionError`` raised in this
      package) shows the test cell's line and the message, without this package's code.
    - A ``NameError`` raised by a cell's own top-level code says what to do:
      ``NameError: name 'he_net' is not defined`` becomes ``he_net is not defined yet:
      Kernel → Restart & Run All`` and a line on why, or names the likelier cause: the cell
      that sets it failed, an answer not written yet, a typo when a defined name is one letter
      away (:func:`missing_name_message`, from the cells run so far). A NameError inside a
      function (an initializer using ``sqrt`` without importing it) keeps Python's words: its
      fix is there.

    Every other error shows as before. Outside IPython (a script, pytest) it does nothing. It
    uses IPython's one custom exception handler (``set_custom_exc``), for these two types.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to explain to
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return

    def handler(shell, etype, value, tb, tb_offset=None):
        if etype is AssertionError:
            tb = _outside_package(tb) or tb
        else:
            last = tb
            while last is not None and last.tb_next is not None:
                last = last.tb_next
            name = _missing_name(value)
            frame = last.tb_frame if last is not None else None
            if name and frame is not None and frame.f_code.co_name == "<module>" \
                    and frame.f_globals is shell.user_ns:
                value = NameError(missing_name_message(name, shell.user_ns,
                                                       shell.user_ns.get("In", ())))
        # IPython leaves the display to the handler (it ignores what the handler returns)
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)

    shell.set_custom_exc((NameError, AssertionError), handler)
