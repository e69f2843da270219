"""Give NumPy back the names MXNet 1.9.1 reads and a newer NumPy removed, just before MXNet loads.

MXNet 1.9.1 (2022) talks to NumPy through Python and ctypes only, so any NumPy runs it once
the names it reads exist: ``numpy.bool`` (gone in 1.24, back in 2.0), ``numpy.int`` (gone in
1.24), and, from NumPy 2.0 on, the constants ``PZERO`` ... ``Inf``, the aliases ``alltrue``,
``sometrue``, ``product``, ``round_``, ``msort``, the financial functions, then ``compat``
(2.3), ``in1d`` and ``trapz`` (2.4). :data:`RESTORES` lists each with the NumPy that removed
it and where MXNet reads it (docs/install.md has the same table, and a test checks both
against MXNet's installed sources).

``l10_params_numpy_shim.pth``, installed beside this module in site-packages, calls
:func:`install` at every interpreter start. ``install`` only puts a finder at the front of
``sys.meta_path``: it imports nothing. The first time anything imports ``mxnet`` (``import
mxnet``, ``from mxnet import init, nd``, ``import l10_params``), the finder removes itself,
calls :func:`patch_numpy` and lets the normal finders load MXNet. A name NumPy has is never
replaced. In a Jupyter kernel that was running before the package was installed (hosted
notebooks), the ``.pth`` never ran: the install cell calls :func:`install` itself.
"""
import sys
import types
import warnings

__all__ = ["NEWEST_TESTED", "RESTORES", "MxnetHook", "NumpyVersionWarning", "install",
           "missing", "patch_numpy", "state"]

#: What the shim did in this process (tests read it): "not installed", "waiting for mxnet",
#: then "restored: <names>" or "restored: nothing".
state = "not installed"

#: The newest NumPy line the project's tests ran on; a newer one gets one warning line.
NEWEST_TESTED = (2, 5)
TESTED_TEXT = "1.23, 1.26 and 2.0 to 2.5"


def _financial(name):
    """What NumPy 1.20 to 1.26 served for a removed financial function: a stub that says why."""
    def removed(*args, **kwargs):
        raise RuntimeError(
            f"numpy.{name} was removed from NumPy in 1.20 (NEP 32); use numpy_financial.{name} "
            "from the numpy-financial package (l10_params restored only the name, because "
            "MXNet 1.9.1 binds it when it loads)")
    removed.__name__ = removed.__qualname__ = name
    return removed


def _in1d(np):
    def in1d(ar1, ar2, assume_unique=False, invert=False, **kwargs):
        return np.isin(ar1, ar2, assume_unique=assume_unique, invert=invert,
                       **kwargs).reshape(-1)  # ravel: mxnet.numpy arrays have none
    return in1d


def _msort(np):
    def msort(a):
        return np.sort(a, axis=0)
    return msort


def _compat(np):
    compat = types.ModuleType("numpy.compat", "Restored by l10_params: only what MXNet reads.")
    compat.basestring = str
    return compat


#: name -> (the NumPy that removed it, the MXNet files that read it, when they read it, the
#: value from ``numpy``). "import" means while ``import mxnet`` runs; "call" means only when
#: that function is called.
UTILS, FALLBACK, DISPATCH = ("mxnet/numpy/utils.py",), ("mxnet/numpy/fallback.py",), (
    "mxnet/numpy_dispatch_protocol.py",)
RESTORES = {
    "bool": ("1.24 (back in 2.0)", UTILS, "import", lambda np: bool),
    "int": ("1.24", ("mxnet/test_utils.py",), "call", lambda np: int),
    "PZERO": ("2.0", UTILS, "import", lambda np: 0.0),
    "NZERO": ("2.0", UTILS, "import", lambda np: -0.0),
    "PINF": ("2.0", UTILS, "import", lambda np: float("inf")),
    "NINF": ("2.0", UTILS, "import", lambda np: float("-inf")),
    "NAN": ("2.0", UTILS, "import", lambda np: float("nan")),
    "NaN": ("2.0", UTILS, "import", lambda np: float("nan")),
    "Inf": ("2.0", ("mxnet/gluon/contrib/estimator/event_handler.py",), "import",
            lambda np: float("inf")),
    "alltrue": ("2.0", FALLBACK, "import", lambda np: np.all),
    "sometrue": ("2.0", DISPATCH, "import", lambda np: np.any),
    "product": ("2.0", DISPATCH, "import", lambda np: np.prod),
    "round_": ("2.0", DISPATCH, "import", lambda np: np.round),
    "msort": ("2.0", FALLBACK, "import", _msort),
    "mirr": ("2.0 (a stub since 1.20)", FALLBACK, "import", lambda np: _financial("mirr")),
    "npv": ("2.0 (a stub since 1.20)", FALLBACK, "import", lambda np: _financial("npv")),
    "pmt": ("2.0 (a stub since 1.20)", FALLBACK, "import", lambda np: _financial("pmt")),
    "ppmt": ("2.0 (a stub since 1.20)", FALLBACK, "import", lambda np: _financial("ppmt")),
    "pv": ("2.0 (a stub since 1.20)", FALLBACK, "import", lambda np: _financial("pv")),
    "rate": ("2.0 (a stub since 1.20)", FALLBACK, "import", lambda np: _financial("rate")),
    "compat": ("2.3", ("mxnet/ndarray/numpy/_op.py", "mxnet/symbol/numpy/_symbol.py"), "call",
               _compat),
    "in1d": ("2.4", FALLBACK, "import", _in1d),
    "trapz": ("2.4", FALLBACK, "import", lambda np: np.trapezoid),
}


class NumpyVersionWarning(UserWarning):
    """This NumPy is newer than any the project was tested with."""


def missing(numpy):
    """The names of :data:`RESTORES` that ``numpy`` lacks, in the table's order."""
    with warnings.catch_warnings():
        # Asking is not using: NumPy 1.20-1.23 serve np.bool and np.int with a
        # DeprecationWarning, and NumPy 1.24-1.26 warn (FutureWarning) before they raise.
        warnings.simplefilter("ignore")
        return [name for name in RESTORES if not hasattr(numpy, name)]


def patch_numpy(numpy=None):
    """Set each name of :data:`RESTORES` that ``numpy`` (the real one by default) lacks, and
    warn if it is newer than any tested; return what was done, as a string.

    Examples
    --------
    >>> patch_numpy().startswith('restored: ')
    True
    >>> patch_numpy().split(';')[0]   # now NumPy has every name (its own, or the ones set above)
    'restored: nothing'
    """
    if numpy is None:
        try:
            import numpy
        except ImportError:
            return "numpy not importable"
    names = missing(numpy)
    for name in names:
        setattr(numpy, name, RESTORES[name][3](numpy))
    printing = _print_scalars_as_numpy_1(numpy)
    _warn_if_untested(numpy.__version__)
    return "restored: " + (", ".join(names) if names else "nothing") + printing


def _print_scalars_as_numpy_1(numpy):
    """MXNet 1.9.1 hands operator arguments to its C++ core as text, ``str(value)``: with NumPy 2
    a shape ``(256, np.int64(20))`` becomes the text "(256, np.int64(20))", which MXNet refuses
    (its Orthogonal initializer and ``split_and_load`` in NumPy mode make such shapes). NumPy's
    own switch for code written against NumPy 1 reprs is ``set_printoptions(legacy='1.25')``;
    it is set here unless a legacy mode is set already. It holds in the thread (context) that
    imported MXNet, as NumPy 2's print options are context-local."""
    if numpy.get_printoptions()["legacy"] is not False or repr(numpy.int64(1)) == "1":
        return ""  # a person's choice, or a NumPy that writes 1 anyway (before 2.0)
    numpy.set_printoptions(legacy="1.25")
    return "; printing scalars as NumPy 1.25"


def _warn_if_untested(version):
    try:
        line = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:  # a development build such as '2.6.0.dev0+git...' still parses; this
        return          # is for anything stranger
    if line > NEWEST_TESTED:
        # warn_explicit with no source line: the warning prints as one line
        warnings.warn_explicit(
            f"NumPy {version} is newer than any NumPy l10_params was tested with "
            f"({TESTED_TEXT}); if MXNet fails, install numpy<{NEWEST_TESTED[0]}."
            f"{NEWEST_TESTED[1] + 1}", NumpyVersionWarning, "l10_params", 0)


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
            state = patch_numpy() + _ensure_distutils()
        return None


def _ensure_distutils():
    """MXNet imports ``distutils``, gone from the standard library in Python 3.12; setuptools
    provides it through a start-up .pth of its own, which a kernel that was running before
    setuptools was installed never ran. Importing setuptools does the same."""
    if sys.version_info < (3, 12) or "distutils" in sys.modules:
        return ""
    import importlib.util
    if importlib.util.find_spec("distutils") is not None:
        return ""
    try:
        import setuptools  # noqa: F401  (it puts its own distutils in sys.modules)
    except ImportError:
        return ""
    return "; distutils from setuptools"


def install():
    """Put one :class:`MxnetHook` at the front of ``sys.meta_path`` (imports nothing).

    If ``mxnet`` is already imported it is too late to help, and nothing is installed.
    """
    global state
    if "mxnet" in sys.modules or any(isinstance(f, MxnetHook) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, MxnetHook())
    state = "waiting for mxnet"
