import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# Each xdist worker runs PyTorch on one thread, and so do the kernels, servers and browsers it
# starts (they inherit the variable): the workers already fill the cores, and two workers of two
# threads each made every small operation wait for a busy core (nbval over every notebook with 2
# workers: 117 s with two threads each, 72 s with one). Routes that depend on the thread count
# are tested with it set explicitly (tests/test_conv_paths.py).
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"
    import torch

    torch.set_num_threads(1)

# CI runs the property tests with 300 examples per implementation; locally 100 keeps the loop quick.
settings.register_profile("ci", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def routes_only(monkeypatch):
    """The routes' own kernels, as a machine without a C compiler runs them: the compiled loops
    (convlab.conv.compiled) turned off."""
    monkeypatch.setenv("CONVLAB_COMPILED", "0")
