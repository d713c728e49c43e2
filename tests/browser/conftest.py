"""Fixtures of the dashboard's browser tests: a sandbox process and a headless
Chromium, each test its own (so they run side by side under ``-n 2``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.sandbox_process import sandbox_process

from .browser import chrome, chromium, console_errors


@dataclass
class Sandbox:
    rest: str
    http: requests.Session
    token: str | None = None

    @property
    def ws(self) -> str:
        return self.rest.replace("http://", "ws://", 1) + "/swap-market"

    @property
    def ui(self) -> str:
        return f"{self.rest}/_sim/ui"

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = self.http.request(
            method, f"{self.rest}/_sim{path}", json=body, headers=headers, timeout=10
        )
        assert answer.ok, (answer.status_code, answer.text)
        return answer.json()


def start_sandbox(tmp_path: Path, *args: str) -> Iterator[Sandbox]:
    with (
        sandbox_process(["--ping-interval", "0.5", *args], log=tmp_path / "sandbox.log") as (
            _,
            rest,
        ),
        requests.Session() as http,
    ):
        token = args[args.index("--control-token") + 1] if "--control-token" in args else None
        yield Sandbox(rest, http, token)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sandbox_args(*args): extra arguments of the browser tests' sandbox"
    )


@pytest.fixture
def chromium_here() -> None:
    """Skips the test, before anything starts, where there is no Chromium."""
    chromium()


@pytest.fixture
def sandbox(
    chromium_here: None, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Sandbox]:
    """``bingx-sim serve`` for this test (``@pytest.mark.sandbox_args(...)`` adds
    arguments), Pinging every half second."""
    marker = request.node.get_closest_marker("sandbox_args")
    yield from start_sandbox(tmp_path, *(marker.args if marker else ()))


@pytest.fixture
def browser(sandbox: Sandbox, tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium on its own profile, quit before the sandbox stops; the test
    fails if the page logged an error it did not read with ``console_errors`` itself."""
    with chrome(tmp_path / "profile") as driver:
        yield driver
        errors = console_errors(driver)
        assert not errors, f"the page logged errors: {errors}"
