"""The pins that keep `import mxnet` working (MXNet 1.9.1 uses np.bool, gone in NumPy 1.24)."""
import sys

import mxnet as mx
import numpy as np


def test_numpy_below_1_24():
    major, minor = (int(x) for x in np.__version__.split(".")[:2])
    assert (major, minor) < (1, 24), f"NumPy {np.__version__} breaks mxnet 1.9.1"


def test_mxnet_1_9_1():
    assert mx.__version__ == "1.9.1"


def test_python_at_most_3_11():
    assert (3, 8) <= sys.version_info[:2] <= (3, 11)
