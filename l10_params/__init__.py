"""l10_params: Managing Parameters (D2L / STAT 157 lecture 10, part 3; 管理参数).

A thin teaching wrapper over MXNet 1.9.1 Gluon: every helper calls the Gluon code a
student would write by hand and says what that call did.
"""
from .contexts import num_gpus, resolve_ctx, try_all_gpus, try_gpu
from .editing import copy_params, set_value
from .initializers import Check, check_init, explain_init, initialize_by_pattern, reinitialize
from .lecture import MyInit, fresh_names, lecture_mlp, lecture_tied_mlp
from .plotting import hist
from .replicas import check_forward_ctx, replicas, reset_ctx
from .selection import freeze, select, set_attr, unfreeze
from .sharing import is_tied, tied_dense, tied_gradients, tied_groups
from .snapshots import Snapshot, diff, snapshot
from .summary import Summary, summary

__version__ = "0.1.0"

__all__ = [
    "Check",
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
    "reinitialize",
    "replicas",
    "reset_ctx",
    "resolve_ctx",
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
