"""The one place that touches MXNet Gluon internals, and the one bridge between array kinds.

This package (``params.py``: parameters, states, values; ``blocks.py``: children and private
copies; ``batch.py``: reading and writing many parameters with few engine operations) is the
one place that reads MXNet's private attributes. Everything else asks it for
structural paths, parameter states, object identities and array conversions, so that a change
in Gluon's private attributes is mended here once. It reads internals and never writes them.
Names read: ``Block._children``, ``Block._reg_params``, ``_forward_hooks`` and
``_forward_pre_hooks``, ``ParameterDict._params``, ``HybridBlock._cached_op`` and
``_cached_graph``, ``Parameter._data``, ``_grad``, ``_deferred_init``, ``_stype``, ``_shape``,
``_ctx_list``, ``Trainer._kv_initialized`` and ``_update_on_kvstore``,
``_differentiable``, ``_allow_deferred_init``, ``_trainer``, ``NDArray._fresh_grad``,
``Initializer._kwargs`` and MXNet's initializer registry (docs/design.md lists them, with why).

Arrays: with ``npx.set_np()`` on, parameters hold ``mx.np.ndarray`` and legacy ``nd``
operators refuse them (and the reverse). ``to_numpy`` reads either kind; ``new_array``,
``as_current`` and ``uniform`` make arrays of the interface in force; nothing else in the
package checks the mode. Those bridge functions live in ``arrays.py`` and are re-exported
here: import them from ``_gluon``.
"""
from __future__ import annotations

from .arrays import (  # noqa: F401 - the array bridge, re-exported: import it from here
    as_current,
    is_mx_array,
    legacy_mode,
    new_array,
    numpy_mode,
    to_numpy,
    uniform,
    zeros,
)
from .batch import copies_of, copy_values, nonfinite_counts  # noqa: F401
from .blocks import block_paths, blocks, own_params, owns_params, private_copy  # noqa: F401
from .params import (  # noqa: F401
    DEFERRED,
    INITIALIZED,
    UNINITIALIZED,
    can_defer,
    contexts,
    copies,
    ctx_name,
    differentiable,
    first_array,
    first_copy,
    first_grad,
    initializer_kwargs,
    initializer_names,
    iter_params,
    known_shape,
    named_params,
    param_paths,
    pending_init,
    state,
    unique_params,
    zero_grad,
)
