"""l10_params: Managing Parameters (D2L / STAT 157 lecture 10, part 3; 管理参数).

A thin teaching wrapper over MXNet 1.9.1 Gluon: every helper calls the Gluon code a
student would write by hand and says what that call did.
"""
from .contexts import resolve_ctx, try_all_gpus, try_gpu
from .lecture import MyInit, fresh_names, lecture_mlp, lecture_tied_mlp
from .selection import freeze, select, set_attr, unfreeze
from .summary import Summary, summary

__version__ = "0.1.0"

__all__ = [
    "MyInit",
    "Summary",
    "freeze",
    "fresh_names",
    "lecture_mlp",
    "lecture_tied_mlp",
    "resolve_ctx",
    "select",
    "set_attr",
    "summary",
    "try_all_gpus",
    "try_gpu",
    "unfreeze",
]
