"""l10_params: Managing Parameters (D2L / STAT 157 lecture 10, part 3; 管理参数).

A thin teaching wrapper over MXNet 1.9.1 Gluon: every helper calls the Gluon code a
student would write by hand and says what that call did.
"""
from importlib import import_module as _import_module
from typing import TYPE_CHECKING

import mxnet as _mxnet  # noqa: F401 - the one heavy dependency, loaded at import as before

# A module named like one of its functions (summary.summary, replicas.replicas) is imported
# here: imported later, it would replace the function as the package's attribute.
from .replicas import check_forward_ctx, replicas, reset_ctx
from .summary import Summary, summary

if TYPE_CHECKING:  # the other re-exports, loaded on first use (__getattr__ below)
    from .contexts import num_gpus, resolve_ctx, try_all_gpus, try_gpu
    from .distributed import DistResult, run_dist
    from .editing import copy_params, set_value
    from .initializers import Check, check_init, explain_init, initialize_by_pattern, reinitialize
    from .lecture import MyInit, fresh_names, lecture_mlp, lecture_tied_mlp
    from .plotting import hist
    from .selection import freeze, param_at, select, set_attr, unfreeze
    from .sharing import is_tied, tied_dense, tied_gradients, tied_groups
    from .snapshots import Snapshot, diff, snapshot

_LAZY = {  # public name -> the module that defines it, imported on first use
    "Check": "initializers",
    "DistResult": "distributed",
    "MyInit": "lecture",
    "Snapshot": "snapshots",
    "check_init": "initializers",
    "copy_params": "editing",
    "diff": "snapshots",
    "explain_init": "initializers",
    "freeze": "selection",
    "fresh_names": "lecture",
    "hist": "plotting",
    "initialize_by_pattern": "initializers",
    "is_tied": "sharing",
    "lecture_mlp": "lecture",
    "lecture_tied_mlp": "lecture",
    "num_gpus": "contexts",
    "param_at": "selection",
    "reinitialize": "initializers",
    "resolve_ctx": "contexts",
    "run_dist": "distributed",
    "select": "selection",
    "set_attr": "selection",
    "set_value": "editing",
    "snapshot": "snapshots",
    "tied_dense": "sharing",
    "tied_gradients": "sharing",
    "tied_groups": "sharing",
    "try_all_gpus": "contexts",
    "try_gpu": "contexts",
    "unfreeze": "selection",
}


def __getattr__(name: str):
    """Import the module defining ``name`` on first use (PEP 562), then keep the name."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


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
