"""Assertions for homework and tests: ``from l10_params.testing import assert_tied``.

Like ``numpy.testing``, each ``assert_*`` returns None when the claim holds and raises
``AssertionError`` otherwise. A failure is written for the student who reads it under a test
cell or in ``nbgrader validate``: its first line says what is wrong and the fix in at most 67
characters, the next lines what was expected and what was found; it calls the objects as
the test cell names them (``names=`` or ``name=``, e.g. ``names=('pretrained[0]',
'student[0]')``), recognizes the common mistakes of the lecture (the default initializer
left by a wrong call order, a fan-out for a fan-in, values copied instead of tied, weights
copied but not biases, a regex without ``.*``, an index one too far) and shortens long values,
showing their type. The wrong kind of object is a ``TypeError``, a bad pattern a
``ValueError``, as everywhere in ``l10_params``.

The assertions read nets through the public API (``select``, ``summary``, ``snapshot``,
``check_init``, ``is_tied``, ``tied_gradients``): they see exactly what a student sees.
Modules: ``ties`` (tied or not), ``values`` (initialized, initializer, equal values),
``selects`` (patterns, frozen), ``grads`` (where a parameter sits, gradients, losses),
``notebook`` (test cells' errors in Jupyter, explained).
"""
from .grads import assert_grad_is_sum, assert_grad_norms, assert_losses, assert_param_at
from .notebook import explain_errors
from .selects import assert_frozen, assert_selects
from .ties import assert_not_tied, assert_tied
from .values import assert_init_matches, assert_initialized, assert_params_equal

__all__ = ["assert_tied", "assert_not_tied", "assert_initialized", "assert_init_matches",
           "assert_params_equal", "assert_selects", "assert_frozen", "assert_param_at",
           "assert_grad_is_sum", "assert_grad_norms", "assert_losses", "explain_errors"]
