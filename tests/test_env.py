"""The pins that keep `import mxnet` working (MXNet 1.9.1 uses np.bool, gone in NumPy 1.24).

Two supported lines: Python 3.8-3.11 with NumPy < 1.24 (no shim needed), and NumPy 1.26 with the
numpy.bool shim, which Python 3.12 gets and `make test-numpy126` tests on 3.11 (it sets
L10_PARAMS_NUMPY=1.26, so this file knows which line the venv was built for).
"""
import os
import sys

import mxnet as mx
import numpy as np

import _l10_params_numpy_shim as shim

NUMPY_126 = sys.version_info >= (3, 12) or os.environ.get("L10_PARAMS_NUMPY") == "1.26"
NUMPY_LINE = tuple(int(x) for x in np.__version__.split(".")[:2])


def test_numpy_line():
    if NUMPY_126:
        assert NUMPY_LINE == (1, 26), f"this venv should have NumPy 1.26, found {np.__version__}"
    else:
        assert NUMPY_LINE < (1, 24), (
            f"NumPy {np.__version__} breaks mxnet 1.9.1 without the shim; pyproject.toml pins "
            "numpy<1.24 on Python < 3.12 (make test-numpy126 sets L10_PARAMS_NUMPY=1.26)")


def test_shim_ran_when_mxnet_was_imported():
    """The .pth installed the hook at start-up; `import mxnet` fired it; it then stepped aside."""
    expected = "patched numpy.bool = bool" if NUMPY_126 else "numpy.bool exists"
    assert shim.state == expected, (
        f"shim state {shim.state!r}, expected {expected!r}: is l10_params_numpy_shim.pth "
        "in site-packages? `make install` copies it there")
    assert not any(isinstance(f, shim.MxnetHook) for f in sys.meta_path)


def test_mxnet_1_9_1():
    assert mx.__version__ == "1.9.1"


def test_python_3_8_to_3_12():
    assert (3, 8) <= sys.version_info[:2] <= (3, 12)
