"""One step of the tour: a title and an explanation in English and Chinese, and the code it runs.

This module and the step modules (``PARTS``) import nothing else: the command line reads
them from their files, without importing l10_params (and so MXNet), to list the steps in
``--help`` and to check ``--step`` and ``--from`` (``_l10_params_cli.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

# The parts of the lecture, in its order: each module holds a list STEPS.
PARTS = ("access", "initialize", "edit")


@dataclass(frozen=True)
class Step:
    """One step of the tour.

    ``code`` runs exactly as printed; ``expect_error`` names an error it means to show.
    ``title`` is (English, 中文), one line for ``--help`` and the step's heading. ``en`` and
    ``zh`` explain the step; where they quote a value of the run (a name that counted up, a
    number in a table), they hold ``{fields}`` that ``facts(ns)`` fills right after the code
    ran, from the namespace ``ns`` the steps share, so the text cannot disagree with the run.
    """

    key: str
    title: Tuple[str, str]
    en: str
    zh: str
    code: str
    expect_error: Optional[str] = None
    facts: Optional[Callable[[Dict[str, object]], Dict[str, object]]] = None

    def heading(self, lang: str = "en") -> str:
        return self.title[1] if lang == "zh" else self.title[0]

    def explain(self, lang: str = "en", facts: Optional[Dict[str, object]] = None) -> str:
        """The explanation in ``lang``, its ``{fields}`` filled with ``facts`` (what
        ``self.facts(ns)`` returned right after the step ran; ``Tour.facts`` keeps them)."""
        text = self.zh if lang == "zh" else self.en
        if self.facts is None:
            return text
        if facts is None:
            raise ValueError(f"step {self.key!r} quotes values of the run: pass what its facts "
                             "returned right after it ran (Tour.facts[key])")
        return text.format(**facts)
