"""Project-wide test configuration: pytester for plugin tests, hypothesis profiles.

CI runs the ``ci`` profile (bounded example counts, so the suite stays within its time
budget). ``BINGX_SIM_HYPOTHESIS=deep`` runs 25 times as many examples for a local hunt,
and lifts the per-test timeout (a deep fuzz runs for minutes by design).
"""

import os

import pytest
from hypothesis import settings

pytest_plugins = ["pytester"]

PROFILE = os.environ.get("BINGX_SIM_HYPOTHESIS", "ci")

settings.register_profile("ci", deadline=None, max_examples=200)
settings.register_profile("dev", deadline=None, max_examples=50)
settings.register_profile("deep", deadline=None, max_examples=5000)
settings.load_profile(PROFILE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if PROFILE == "deep":
        for item in items:
            item.add_marker(pytest.mark.timeout(0))
