"""plotting.hist: one histogram per selected parameter, on the given Axes, nothing shown."""
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from mxnet.gluon import nn  # noqa: E402

from l10_params import hist, summary  # noqa: E402


def labels(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_one_histogram_per_selected_parameter(mlp, monkeypatch):
    net, _ = mlp
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("hist must not call plt.show"))
    before = dict(matplotlib.rcParams)
    fig, axes = plt.subplots(1, 2)
    ax = hist(net, ".*weight", ax=axes[1], bins=10)
    assert ax is axes[1] and not axes[0].patches
    assert labels(ax) == ["dense0_weight (256, 20)", "dense1_weight (10, 256)"]
    assert len(ax.patches) == 2  # one step outline each
    assert dict(matplotlib.rcParams) == before
    plt.close(fig)


def test_counts_and_range_are_the_values(mlp):
    net, _ = mlp
    ax = hist(net[1].weight, bins=7)
    xs, ys = ax.patches[0].get_xy()[:, 0], ax.patches[0].get_xy()[:, 1]
    w = net[1].weight.data().asnumpy()
    assert np.isclose(xs.min(), w.min()) and np.isclose(xs.max(), w.max())
    assert ys.max() == np.histogram(w, bins=7)[0].max()
    plt.close(ax.figure)


def test_all_parameters_by_default_and_on_two_devices(mlp2):
    net, _ = mlp2
    ax = hist(net)
    assert labels(ax) == ["dense0_weight (256, 20)", "dense0_bias (256,)",
                          "dense1_weight (10, 256)", "dense1_bias (10,)"]
    plt.close(ax.figure)


def test_bad_input(mlp, deferred_net):
    net, _ = mlp
    with pytest.raises(ValueError, match="pattern 'weight' matches no parameter"):
        hist(net, "weight")
    with pytest.raises(ValueError, match="bins must be a positive int such as 50, not 0"):
        hist(net, bins=0)
    with pytest.raises(RuntimeError, match=r"'dense0_weight' is deferred, shape \(4, \?\): it "
                                           r"has no values yet .*run one forward pass first"):
        hist(deferred_net)
    with pytest.raises(TypeError, match="net must be"):
        hist(np.zeros(3))
    with pytest.raises(TypeError, match=r"ax must be a matplotlib Axes \(e.g. fig, ax = "
                                        r"plt.subplots\(\)\), not int \(3\)"):
        hist(net, ax=3)
    with pytest.raises(ValueError, match=r"has no parameters \(an empty Sequential\)"):
        hist(nn.Sequential())


def test_a_parameter_with_select_works_as_everywhere(mlp):
    """A Parameter is a one-entry ParameterDict for select=, in hist as in summary."""
    net, _ = mlp
    ax = hist(net[0].weight, ".*weight")
    assert labels(ax) == ["dense0_weight (256, 20)"]
    assert [r.name for r in summary(net[0].weight, ".*weight").rows] == ["dense0_weight"]
    plt.close(ax.figure)


def test_nan_and_inf_are_counted_not_plotted(mlp):
    net, _ = mlp
    net[1].bias.data()[:3] = float("nan")
    net[1].bias.data()[3] = float("-inf")
    ax = hist(net, ".*bias", bins=10)
    assert labels(ax) == ["dense0_bias (256,)", "dense1_bias (10,), 4 NaN/inf not shown"]
    assert np.isfinite(ax.get_xlim()).all()
    plt.close(ax.figure)


def test_matplotlib_is_imported_only_when_plotting():
    code = "import sys, l10_params; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
