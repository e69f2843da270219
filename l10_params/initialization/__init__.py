"""Initialization: explain before, re-initialize, initialize by pattern, check after, plot.

``reinit.py`` holds the helpers a student calls (``reinitialize``, ``initialize_by_pattern``,
``explain_init``); ``plan.py`` replays how Gluon 1.9.1 picks and runs an initializer, so that
those helpers decide first and write all or nothing; ``check.py`` judges whether values look
drawn by an initializer (``check_init``, with its Kolmogorov–Smirnov tests); ``hist.py``
draws the values.
"""
from .check import Check, check_init
from .hist import hist
from .reinit import explain_init, initialize_by_pattern, reinitialize

__all__ = ["Check", "check_init", "explain_init", "hist", "initialize_by_pattern", "reinitialize"]
