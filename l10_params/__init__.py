"""l10_params: Managing Parameters (D2L / STAT 157 lecture 10, part 3; 管理参数).

A thin teaching wrapper over MXNet 1.9.1 Gluon: every helper calls the Gluon code a
student would write by hand and says what that call did. One module per concept of the
lecture (docs/design.md has the map); everything public is importable from here.
"""
from .access import freeze, param_at, select, set_attr, unfreeze
from .devices import (
    check_forward_ctx,
    num_gpus,
    replicas,
    reset_ctx,
    resolve_ctx,
    try_all_gpus,
    try_gpu,
)
from .distributed import DistResult, run_dist
from .editing import Snapshot, copy_params, diff, set_value, snapshot
from .initialization import (
    Check,
    check_init,
    explain_init,
    hist,
    initialize_by_pattern,
    reinitialize,
)
from .lecture import MyInit, fresh_names, lecture_mlp, lecture_tied_mlp
from .sharing import is_tied, tied_dense, tied_gradients, tied_groups
from .summary import Summary, summary

__version__ = "0.1.0"

__all__ = [
    "Check",
    "DistResult",
    "MyInit",
    "Snapshot",
    "Summary",
    "check_forward_ctx",
    "check_init",
    "copy_params",
    "diff",
    "explain_init",
    "freeze",
    "fresh_names",
    "hist",
    "initialize_by_pattern",
    "is_tied",
    "lecture_mlp",
    "lecture_tied_mlp",
    "num_gpus",
    "param_at",
    "reinitialize",
    "replicas",
    "reset_ctx",
    "resolve_ctx",
    "run_dist",
    "select",
    "set_attr",
    "set_value",
    "snapshot",
    "summary",
    "tied_dense",
    "tied_gradients",
    "tied_groups",
    "try_all_gpus",
    "try_gpu",
    "unfreeze",
]
