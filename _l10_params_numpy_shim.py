"""Give NumPy back ``numpy.bool`` just before MXNet 1.9.1 loads, where NumPy has none.

MXNet 1.9.1 reads ``np.bool`` while it imports; NumPy 1.24 removed that alias, and NumPy 1.26
(the only NumPy < 2 with wheels for Python 3.12) raises ``AttributeError`` for it. The file
``l10_params_numpy_shim.pth``, installed beside this module in site-packages, calls
:func:`install` at every interpreter start. ``install`` only puts a finder at the front of
``sys.meta_path``: it imports nothing. The first time anything imports ``mxnet`` (``import
mxnet``, ``from mxnet import init, nd``, ``import l10_params``), the finder removes itself,
imports NumPy, sets ``numpy.bool = bool`` only if NumPy has no ``bool`` attribute, and lets the
normal finders load MXNet. A ``numpy.bool`` that exists (NumPy < 1.24, or NumPy 2, where it
is ``numpy.bool_`` again) is never touched.
"""
import sys
import warnings

__all__ = ["MxnetHook", "install", "patch_numpy", "state"]

#: What the shim did in this process; tests read it.
state = "not installed"


def patch_numpy():
    """Set ``numpy.bool = bool`` if NumPy has no ``bool``; return what was done, as a string.

    Examples
    --------
    >>> patch_numpy() in ('numpy.bool exists', 'patched numpy.bool = bool')
    True
    >>> patch_numpy()   # now NumPy has a bool (its own, or the one set above): left alone
    'numpy.bool exists'
    """
    try:
        import numpy
    except ImportError:
        return "numpy not importable"
    with warnings.catch_warnings():
        # Asking is not using: NumPy 1.20-1.23 serve np.bool with a DeprecationWarning, and
        # NumPy 1.24-1.26 warn (FutureWarning) before they raise AttributeError.
        warnings.simplefilter("ignore")
        exists = hasattr(numpy, "bool")
    if exists:
        return "numpy.bool exists"
    numpy.bool = bool
    return "patched numpy.bool = bool"


class MxnetHook:
    """A ``sys.meta_path`` finder that patches NumPy when ``mxnet`` is first imported.

    It never finds a module itself (``find_spec`` returns ``None``), so the import goes on
    through the normal finders; it removes itself on first use.
    """

    def find_spec(self, fullname, path=None, target=None):
        global state
        if fullname == "mxnet":
            try:
                sys.meta_path.remove(self)
            except ValueError:  # another thread got here first
                return None
            state = patch_numpy()
        return None


def install():
    """Put one :class:`MxnetHook` at the front of ``sys.meta_path`` (imports nothing).

    If ``mxnet`` is already imported it is too late to help, and nothing is installed.
    """
    global state
    if "mxnet" in sys.modules or any(isinstance(f, MxnetHook) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, MxnetHook())
    state = "waiting for mxnet"
