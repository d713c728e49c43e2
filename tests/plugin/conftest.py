"""Every pytester project here sets pytest-asyncio's loop scope (our test extra installs
pytest-asyncio, which otherwise warns in a bare project)."""

from __future__ import annotations

import pytest

# Imported here, before any in-process pytester run: pytester removes the modules a run
# imported when it ends, and requests imported afresh in the next run then mixes its
# classes with the old ones still held elsewhere ("You can only merge into CookieJar").
# A full run imported it long before; this directory run alone must not depend on that.
import requests  # noqa: F401

ASYNCIO_INI = "asyncio_default_fixture_loop_scope = function\n"


@pytest.fixture(autouse=True)
def _quiet_asyncio(request: pytest.FixtureRequest) -> None:
    if "pytester" in request.fixturenames:
        pytester: pytest.Pytester = request.getfixturevalue("pytester")
        pytester.makeini("[pytest]\n" + ASYNCIO_INI)
