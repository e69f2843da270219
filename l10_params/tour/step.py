"""One step of the tour: an explanation in English and Chinese, and the code it runs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Step:
    """One step of the tour: ``code`` runs as written; ``expect_error`` names an error it shows."""

    key: str
    en: str
    zh: str
    code: str
    expect_error: Optional[str] = None

    def explain(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en
