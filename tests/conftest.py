import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# CI runs the property tests with 300 examples per implementation; locally 100 keeps the loop quick.
settings.register_profile("ci", max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
