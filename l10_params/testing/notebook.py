"""Test cells' errors in a notebook, made to explain themselves.

Three things stand between a student and a failed test's message in Jupyter. A failed claim's
traceback shows this package's code before the message, which the student did not write and
need not read. A test cell often fails before any claim is checked, because a name it uses
(``BIAS_PATTERN``, ``he_net``) was never defined in this kernel: the cells ran out of order,
the cell that defines it raised, or it sits further down; IPython then shows ``NameError: name
'BIAS_PATTERN' is not defined``, which says nothing of the fix. And when the student's own cell
raised, the test below it fails for that reason, while its message guesses another (and
``nbgrader validate`` shows the test's message, not the answer cell's error).
:func:`explain_errors` deals with all three.
"""
from __future__ import annotations

import difflib
import os
import re
import types
import weakref
from typing import Dict, Iterable, List, Mapping, Optional, Sequence

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
                         history: Sequence[str] = (),
                         errors: Optional[Mapping[int, List[str]]] = None) -> str:
    """What a cell that needs the undefined ``name`` should say. ``defined``: the names the
    kernel has (for a likely typo); ``history``: the sources of the cells run so far
    (IPython's ``In``), to tell a cell that defines ``name`` but failed from an answer not
    written yet (nbgrader's ``raise NotImplementedError()``) and from cells run out of order;
    ``errors``: what each failed cell raised, by its number in ``In`` (shown for the cell that
    sets ``name``).

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
    >>> print(missing_name_message('losses', history=['', 'losses = []\\nf()'],
    ...                            errors={1: ["In [1]: ValueError: bad"]}))
    ... # doctest: +NORMALIZE_WHITESPACE
    losses is not defined: the cell that sets it failed; fix it
    In [1]: ValueError: bad
    A cell that ran above this one sets losses, but it stopped with an error before it got
    there. Fix that cell, then run every cell from the top (Kernel → Restart & Run All).
    >>> missing_name_message('BIAS_PATERN', ['BIAS_PATTERN']).splitlines()[0]
    'BIAS_PATERN is not defined, but BIAS_PATTERN is: a typo in one of them?'
    """
    close = difflib.get_close_matches(name, [n for n in defined if not n.startswith("_")],
                                      n=1, cutoff=0.8)
    if close:
        return (f"{name} is not defined, but {close[0]} is: a typo in one of them?\n"
                f"No cell has defined {name}; {close[0]} exists. If {name} is the right "
                "spelling, run every cell from the top (Kernel → Restart & Run All)")
    setters = [i for i, cell in enumerate(history) if _defines(cell, name)]
    if setters:
        said = (errors or {}).get(setters[-1])
        return (f"{name} is not defined: the cell that sets it failed; fix it\n"
                + ("\n".join(said) + "\n" if said else "")
                + f"A cell that ran above this one sets {name}, but it stopped with an error "
                "before it got there" + ("" if said else " (its own error is shown under it)")
                + ". Fix that cell, then run every cell from the top (Kernel → Restart & Run "
                "All).")
    if any("raise NotImplementedError" in cell for cell in history):
        return (f"{name} is not defined: an answer above is not written yet\n"
                "An answer cell above this one still holds raise NotImplementedError(): write "
                f"your answer there (it must define {name}) in place of that line, then run "
                "every cell from the top (Kernel → Restart & Run All).")
    return (f"{name} is not defined yet: Kernel → Restart & Run All\n"
            f"Run every cell from the top (Kernel → Restart & Run All): a cell above this one "
            f"must define {name}. If that cell raised an error, fix it first; if no cell "
            f"defines {name} yet, your answer must.")


_CITED = 200  # characters of a failed cell's error cited in a test's message
_TEST_CELL = re.compile(r"(?m)^\s*(?:assert\b|testing\.\w+\()")


def _is_test_cell(source: str) -> bool:
    """A cell that checks rather than answers: a top-level ``assert`` or ``testing.…(`` line."""
    return _TEST_CELL.search(source or "") is not None


def _mxnet_hint(error: BaseException) -> Optional[str]:
    """What to do about an MXNet 1.9.1 error whose words do not say it, else None."""
    functions = set()
    tb = error.__traceback__
    while tb is not None:
        functions.add(tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    if (isinstance(error, TypeError) and "Cannot assign mx.nd.NDArray" in str(error)
            and "load_parameters" in functions):
        return ("MXNet 1.9.1 reads one layer's saved file as nd arrays, which fails after "
                "npx.set_np(): copy the values with set_data, or save and load whole "
                "Sequential nets")
    if isinstance(error, RuntimeError) and "has not been initialized" in str(error):
        return ("its net was never initialized: the cell that builds and initializes that "
                "net must run without an error first")
    return None


def cell_error_lines(count: int, error: BaseException) -> List[str]:
    """How a failed cell's error is cited in a later test's message: ``In [N]: Type: words``
    (shortened), then a fix where MXNet's own words lack one.

    >>> cell_error_lines(7, ZeroDivisionError('division by zero'))
    ['In [7]: ZeroDivisionError: division by zero']
    >>> cell_error_lines(9, NotImplementedError())
    ['In [9] still raises NotImplementedError(): your answer goes there']
    """
    if isinstance(error, NotImplementedError) and not str(error):
        return [f"In [{count}] still raises NotImplementedError(): your answer goes there"]
    if isinstance(error, KeyboardInterrupt):
        return [f"In [{count}] was stopped before its end (the grader's time limit, or "
                "Kernel → Interrupt)"]
    words = str(error).strip().splitlines()
    line = f"In [{count}]: {type(error).__name__}" + (f": {words[0]}" if words else "")
    lines = [line if len(line) <= _CITED else line[:_CITED - 1] + "…"]
    hint = _mxnet_hint(error)
    return lines + [hint] if hint else lines


class _Cells:
    """What :func:`explain_errors` remembers of one kernel's cells: each failed cell's error
    (by its number in ``In``), and the last answer cell that failed with no answer cell run
    without error since (the test cells below it fail because of it)."""

    def __init__(self) -> None:
        self.errors: Dict[int, List[str]] = {}
        self.pending: Optional[int] = None

    def record(self, result) -> None:  # IPython's post_run_cell event
        source = getattr(getattr(result, "info", None), "raw_cell", "") or ""
        if _is_test_cell(source):
            return
        error = result.error_before_exec or result.error_in_exec
        count = result.execution_count
        if error is None or count is None:
            self.pending = None
            return
        self.errors[count] = cell_error_lines(count, error)
        self.pending = count

    def explain_claim(self, message: str) -> str:
        """A failed claim's message, its guesses ("likely: …") replaced by the error of the
        answer cell above when one failed (unless the claim is about an error itself)."""
        if self.pending is None:
            return message
        first, *rest = message.split("\n")
        if " raised " in first:
            return message
        said = [f"likely: In [{self.pending}] above stopped with an error: fix it first"]
        said += self.errors[self.pending]
        return "\n".join([first] + said + [line for line in rest
                                            if not line.startswith("likely:")])


_CELLS: "weakref.WeakKeyDictionary[object, _Cells]" = weakref.WeakKeyDictionary()


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
      that sets it failed (with that cell's error), an answer not written yet, a typo when a
      defined name is one letter away (:func:`missing_name_message`, from the cells run so
      far). A NameError inside a function (an initializer using ``sqrt`` without importing it)
      keeps Python's words: its fix is there.
    - When an answer cell (one without a top-level ``assert`` or ``testing.`` call) raised and
      no answer cell ran without error since, a failed claim below it says so in its second
      line, with that cell's number and error, in place of its own guesses ("likely: …"):
      ``likely: In [14] above stopped with an error: fix it first``, then ``In [14]: TypeError:
      …``, and a fix for an MXNet error whose words lack one.

    Every other error shows as before. Outside IPython (a script, pytest) it does nothing. It
    uses IPython's one custom exception handler (``set_custom_exc``), for these two types, and
    a ``post_run_cell`` event that notes which cells failed. Calling it again changes nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to explain to
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return

    cells = _CELLS.get(shell)
    if cells is None:
        cells = _CELLS[shell] = _Cells()
        shell.events.register("post_run_cell", cells.record)

    def handler(shell, etype, value, tb, tb_offset=None):
        if etype is AssertionError:
            tb = _outside_package(tb) or tb
            history = shell.user_ns.get("In", ())
            if history and _is_test_cell(history[-1]):  # a test cell's claim, not MXNet's
                explained = cells.explain_claim(str(value))
                if explained != str(value):
                    value = AssertionError(explained)
        else:
            last = tb
            while last is not None and last.tb_next is not None:
                last = last.tb_next
            name = _missing_name(value)
            frame = last.tb_frame if last is not None else None
            if name and frame is not None and frame.f_code.co_name == "<module>" \
                    and frame.f_globals is shell.user_ns:
                value = NameError(missing_name_message(name, shell.user_ns,
                                                       shell.user_ns.get("In", ()),
                                                       cells.errors))
        # IPython leaves the display to the handler (it ignores what the handler returns)
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)

    shell.set_custom_exc((NameError, AssertionError), handler)
