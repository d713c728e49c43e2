"""Headless Chromium for the dashboard's tests, through Selenium and Debian's
``chromium-driver`` (``docs/dashboard.md`` says why Selenium). Each test gets its own
browser profile, so tests run side by side under ``-n 2``; a test with no Chromium on the
machine is skipped with the reason."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

WAIT = 10.0
"""Seconds a condition may take to show on the page (it usually takes milliseconds)."""


def chromium() -> tuple[str, str]:
    """The Chromium binary and its driver (``BINGX_SIM_CHROMIUM``,
    ``BINGX_SIM_CHROMEDRIVER``, else from ``PATH``); skips the test when either, or
    Selenium, is missing, and fails it instead under ``BINGX_SIM_BROWSER_REQUIRED=1``."""
    required = os.environ.get("BINGX_SIM_BROWSER_REQUIRED") == "1"  # set by .ci/run
    missing = pytest.fail if required else pytest.skip
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing("the browser tests need selenium (the test extra)")
    binary = os.environ.get("BINGX_SIM_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    driver = os.environ.get("BINGX_SIM_CHROMEDRIVER") or shutil.which("chromedriver")
    if not binary or not driver:
        missing("no Chromium here: apt-get install chromium chromium-driver (.ci/run does)")
    assert binary and driver
    return binary, driver


@contextmanager
def chrome(profile: Path, *, width: int = 1280, height: int = 1000) -> Iterator[Any]:
    """A headless Chromium with its own profile directory; quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # get() returns at once: chromedriver would first wait for the new tab's own first
    # load, which a fresh Chromium sometimes takes seconds to start. Every test waits
    # for what it needs to see anyway.
    options.page_load_strategy = "none"
    service = Service(executable_path=driver_path, log_output=str(profile.parent / "driver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: Any, condition: Callable[[Any], T], message: str, timeout: float = WAIT) -> T:
    """Until ``condition(driver)`` is truthy (WebDriverWait: a real-time deadline, no
    sleeps in the test); its value."""
    from selenium.webdriver.support.ui import WebDriverWait

    result: T = WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition, message)
    return result


def console_errors(driver: Any) -> list[str]:
    """What the page logged at the ``SEVERE`` level since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
