"""Assertions for homework and tests: ``from l10_params.testing import assert_tied``.

Like ``numpy.testing``, each ``assert_*`` returns None when the claim holds and raises
``AssertionError`` otherwise, with a message that names the parameters (Gluon name and
structural path), the values involved and what to do. The wrong kind of object is a
``TypeError``, a bad pattern a ``ValueError``, a parameter the claim needs values of and
that has none yet a ``RuntimeError`` (as everywhere in ``l10_params``), except where having
values is the claim itself (``assert_initialized``).

The assertions read nets through the public API (``select``, ``summary``, ``snapshot``,
``check_init``, ``is_tied``, ``tied_gradients``): they see exactly what a student sees.
Modules: ``ties`` (tied or not), ``values`` (initialized, initializer, equal values),
``selects`` (patterns, frozen), ``grads`` (where a parameter sits, gradients).
"""
from .grads import assert_grad_is_sum, assert_grad_norms, assert_param_at
from .selects import assert_frozen, assert_selects
from .ties import assert_not_tied, assert_tied
from .values import assert_init_matches, assert_initialized, assert_params_equal

__all__ = ["assert_tied", "assert_not_tied", "assert_initialized", "assert_init_matches",
           "assert_params_equal", "assert_selects", "assert_frozen", "assert_param_at",
           "assert_grad_is_sum", "assert_grad_norms"]
