"""Every pytester project here sets pytest-asyncio's loop scope (our test extra installs
pytest-asyncio, which otherwise warns in a bare project)."""

from __future__ import annotations

import pytest

ASYNCIO_INI = "asyncio_default_fixture_loop_scope = function\n"


@pytest.fixture(autouse=True)
def _quiet_asyncio(request: pytest.FixtureRequest) -> None:
    if "pytester" in request.fixturenames:
        pytester: pytest.Pytester = request.getfixturevalue("pytester")
        pytester.makeini("[pytest]\n" + ASYNCIO_INI)
