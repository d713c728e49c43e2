"""Project-wide test configuration: pytester for plugin tests, hypothesis profiles.

CI runs the ``ci`` profile (bounded example counts, so the suite stays within its time
budget). ``BINGX_SIM_HYPOTHESIS=deep`` runs 25 times as many examples for a local hunt.
"""

import os

from hypothesis import settings

pytest_plugins = ["pytester"]

settings.register_profile("ci", deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.register_profile("deep", deadline=None, max_examples=5000)
settings.load_profile(os.environ.get("BINGX_SIM_HYPOTHESIS", "ci"))
