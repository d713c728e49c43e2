"""The dashboard in a real headless Chromium, on a running sandbox: what a client does
shows up without a reload, the clock and the lab work from the page, and the page logs
no error (``docs/dashboard.md``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bingx import BingXClient
from bingx.exceptions import BingXException
from bingx.websocket import AccountDataStream

from .browser import wait_for
from .conftest import Sandbox

pytestmark = pytest.mark.timeout(60)

KEY, SECRET = "dashboard-alice", "alice-secret"
DOCS = Path(__file__).parents[2] / "docs"


def css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def text_of(driver: Any, selector: str) -> str:
    found = css(driver, selector)
    return " ".join(str(e.text) for e in found)


def open_page(driver: Any, sandbox: Sandbox) -> None:
    driver.get(sandbox.rest + "/")  # a browser asking for / is sent to /_sim/ui
    wait_for(driver, lambda d: text_of(d, "#status") == "live", "the live tail did not start")
    assert driver.current_url == sandbox.ui


def _counts(text: str) -> list[int]:
    """``"3 / 2"`` (Pings / Pongs) as numbers; ``[0]`` before the row shows."""
    return [int(n) for n in text.split(" / ") if n.isdigit()] or [0]


def card(api_key: str) -> str:
    return f'#account-list [data-account="{api_key}"]'


@contextmanager
def stream(sandbox: Sandbox, key: str) -> Iterator[AccountDataStream]:
    client_stream = AccountDataStream(key, base_url=sandbox.ws)
    client_stream.connect()
    try:
        yield client_stream
    finally:
        client_stream.disconnect()


def journal_row(driver: Any, needle: str) -> Any:
    """The journal row whose text has ``needle``, once it shows."""

    def found(d: Any) -> Any:
        rows = [r for r in css(d, "#journal-rows tr") if needle in r.text]
        return rows[0] if rows else False

    return wait_for(driver, found, f"no journal row with {needle!r}")


def test_a_key_its_socket_and_its_frames_show_up_live(browser: Any, sandbox: Sandbox) -> None:
    sandbox.api("POST", "/accounts", {"api_key": KEY, "api_secret": SECRET})
    open_page(browser, sandbox)
    wait_for(browser, lambda d: css(d, card(KEY)), "the account did not show")

    with BingXClient(KEY, SECRET, sandbox.rest) as client:
        key = client.listen_key().generate()["listenKey"]
    row = f'{card(KEY)} .keys tr[data-key="{key}"]'
    wait_for(browser, lambda d: text_of(d, f"{row} .state") == "active", "no active key")
    ttl = text_of(browser, f"{row} .ttl")
    assert ttl in ("60:00", "59:59", "59:58"), ttl  # counting down from the key's hour
    journal_row(browser, "POST /openApi/user/auth/userDataStream → 200")

    with stream(sandbox, key):
        socket = f"{card(KEY)} .sockets tbody tr"
        wait_for(browser, lambda d: text_of(d, f"{socket} .product") == "swap", "no socket")
        assert text_of(browser, f"{socket} .remote") == "127.0.0.1"
        journal_row(browser, "swap socket open")
        # Pings out and the client's Pongs in, counted on the socket's row.
        beats = f"{socket} .beats"
        wait_for(browser, lambda d: min(_counts(text_of(d, beats))) >= 1, "no Ping answered")
        event = {"e": "ORDER_TRADE_UPDATE", "o": {"s": "ETH-USDT", "X": "NEW"}}
        sandbox.api("POST", f"/accounts/{KEY}/events", event)
        frame = journal_row(browser, '"e":"ORDER_TRADE_UPDATE"')
        assert "→ client (gzip)" in frame.text  # decoded from the gzip frame


def test_moving_the_clock_past_an_hour_expires_the_key_and_closes_the_socket(
    browser: Any, sandbox: Sandbox
) -> None:
    sandbox.api("POST", "/accounts", {"api_key": KEY, "api_secret": SECRET})
    with BingXClient(KEY, SECRET, sandbox.rest) as client:
        key = client.listen_key().generate()["listenKey"]
    open_page(browser, sandbox)
    with stream(sandbox, key) as client_stream:
        wait_for(browser, lambda d: css(d, f"{card(KEY)} .sockets tbody tr"), "no socket")
        browser.find_element("id", "advance-61").click()  # +61 minutes, from the page
        row = f'{card(KEY)} .keys tr[data-key="{key}"]'
        wait_for(browser, lambda d: text_of(d, f"{row} .state") == "expired", "not expired")
        assert text_of(browser, f"{row} .ttl") == "\N{EN DASH}"
        assert "offset 3660.000 s" in text_of(browser, ".clock-now")
        journal_row(browser, '"e":"listenKeyExpired"')
        closed = journal_row(browser, "swap socket close 1000 listenKeyExpired")
        assert "socket" in closed.text
        wait_for(browser, lambda d: not css(d, f"{card(KEY)} .sockets tbody tr"), "still open")
        assert client_stream.wait_closed(timeout=5) and client_stream.close_code == 1000
    assert sandbox.api("GET", "/clock")["offset_ms"] == 3_660_000


def test_a_fault_injected_from_the_form_fires_on_the_clients_next_call(
    browser: Any, sandbox: Sandbox
) -> None:
    from selenium.webdriver.support.ui import Select

    sandbox.api("POST", "/accounts", {"api_key": KEY, "api_secret": SECRET})
    with BingXClient(KEY, SECRET, sandbox.rest) as client:
        key = client.listen_key().generate()["listenKey"]
        open_page(browser, sandbox)
        Select(browser.find_element("id", "fault-type")).select_by_value("rest_error")
        form = browser.find_element("id", "fault-form")
        wait_for(browser, lambda d: css(d, "#fault-field-status"), "no form for rest_error")
        Select(form.find_element("name", "account")).select_by_value(KEY)
        for name, value in (("times", ""), ("method", "PUT"), ("status", "503")):
            field = form.find_element("name", name)
            field.clear()
            field.send_keys(value)
        form.find_element("css selector", "button[type=submit]").click()
        fault = "#faults tbody tr"
        wait_for(browser, lambda d: "rest_error" in text_of(d, fault), "the fault is not listed")
        assert (
            "until cleared" in text_of(browser, fault) and text_of(browser, f"{fault} .hits") == "0"
        )

        with pytest.raises(BingXException) as refused:
            client.listen_key().extend(key)
        assert refused.value.status == 503
        wait_for(browser, lambda d: text_of(d, f"{fault} .hits") == "1", "no hit counted")
        journal_row(browser, "fault RestError #")
        journal_row(browser, "PUT /openApi/user/auth/userDataStream → 503")

        browser.find_element("css selector", f"{fault} button").click()  # Clear
        wait_for(browser, lambda d: not css(d, fault), "the fault was not cleared")
        client.listen_key().extend(key)  # answered again
    assert sandbox.api("GET", "/faults")["faults"] == []


def fill_in(form: Any, **values: str) -> None:
    for name, value in values.items():
        field = form.find_element("name", name)
        field.clear()
        field.send_keys(value)
    form.find_element("css selector", "button[type=submit]").click()


def test_the_labs_other_tools_work_from_the_page(browser: Any, sandbox: Sandbox) -> None:
    from selenium.webdriver.support.ui import Select

    sandbox.api("POST", "/accounts", {"api_key": KEY, "api_secret": SECRET})
    with BingXClient(KEY, SECRET, sandbox.rest) as client:
        first, second = (client.listen_key().generate()["listenKey"] for _ in range(2))
    open_page(browser, sandbox)
    keys = f"{card(KEY)} .keys"
    wait_for(browser, lambda d: len(css(d, f"{keys} tbody tr")) == 2, "no keys")

    # money in, a price, an order: the card shows the ledger as REST would
    browser.find_element("css selector", f"{card(KEY)} details.more summary").click()
    fill_in(browser.find_element("css selector", f"{card(KEY)} .deposit-form"), amount="2500")
    balance = f"{card(KEY)} .balance"
    wait_for(browser, lambda d: "2500.0000" in text_of(d, balance), "no deposit")
    fill_in(browser.find_element("id", "price-form"), price="50000")
    order = browser.find_element("css selector", f"{card(KEY)} .order-form")
    Select(order.find_element("name", "type")).select_by_value("LIMIT")
    fill_in(order, quantity="0.01", price="49000")
    orders = f"{card(KEY)} .orders tbody tr"
    wait_for(browser, lambda d: "49000" in text_of(d, orders), "no open order")

    # the key accidents
    browser.find_element("css selector", f'{keys} tr[data-key="{first}"] button').click()
    state = f'{keys} tr[data-key="{first}"] .state'
    wait_for(browser, lambda d: text_of(d, state) == "expired", "Expire did nothing")
    forget = f'{keys} tr[data-key="{second}"] button:nth-of-type(2)'
    browser.find_element("css selector", forget).click()
    state = f'{keys} tr[data-key="{second}"] .state'
    wait_for(browser, lambda d: text_of(d, state) == "deleted", "Forget did nothing")

    with BingXClient(KEY, SECRET, sandbox.rest) as client:
        key = client.listen_key().generate()["listenKey"]
    with stream(sandbox, key) as client_stream:
        wait_for(browser, lambda d: css(d, f"{card(KEY)} .sockets tbody tr"), "no socket")
        close = browser.find_element("id", "close-form")
        Select(close.find_element("name", "account")).select_by_value(KEY)
        fill_in(close, code="4000", reason="from the page")
        assert client_stream.wait_closed(timeout=5) and client_stream.close_code == 4000
        journal_row(browser, "swap socket close 4000 from the page")

    incident = browser.find_element("id", "incident-form")
    Select(incident.find_element("name", "name")).select_by_value("expired-despite-keepalive")
    assert "correct client" in text_of(browser, "#incident-doc")
    Select(incident.find_element("name", "account")).select_by_value(KEY)
    incident.find_element("css selector", "button[type=submit]").click()
    state = f'{keys} tr[data-key="{key}"] .state'
    wait_for(browser, lambda d: text_of(d, state) == "expired", "the incident did nothing")


def test_the_page_works_from_the_keyboard_and_in_a_narrow_window(
    browser: Any, sandbox: Sandbox
) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(420, 900)
    open_page(browser, sandbox)
    wide = browser.execute_script("return document.documentElement.scrollWidth > innerWidth")
    assert not wide, "the page scrolls sideways in a narrow window"
    body = browser.find_element("tag name", "body")
    body.send_keys(Keys.TAB)  # the skip link first
    assert browser.switch_to.active_element.text == "Skip to the journal"
    for _ in range(8):  # on to the clock's first button, Tab by Tab
        if browser.switch_to.active_element.text == "+1 min":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "+1 min"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: "offset 60.000 s" in text_of(d, ".clock-now"), "no advance")
    assert sandbox.api("GET", "/clock")["offset_ms"] == 60_000


def test_a_screenshot_of_a_busy_dashboard(browser: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    """Writes ``docs/dashboard.png`` when ``BINGX_SIM_SCREENSHOT=1`` (the committed one
    was made so); otherwise only into the test's directory."""
    account = {"api_key": KEY, "api_secret": SECRET, "balances": {"USDT": "10000"}}
    sandbox.api("POST", "/accounts", account)
    sandbox.api("POST", "/prices", {"symbol": "BTC-USDT", "price": "50000"})
    # A tall viewport, without resizing the window past the screen (which is slow).
    metrics = {"width": 1440, "height": 1400, "deviceScaleFactor": 1, "mobile": False}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    open_page(browser, sandbox)
    with BingXClient(KEY, SECRET, sandbox.rest) as client:
        key = client.listen_key().generate()["listenKey"]
        with stream(sandbox, key):
            socket = f"{card(KEY)} .sockets tbody tr"
            wait_for(browser, lambda d: css(d, socket), "no socket")
            order = {"symbol": "BTC-USDT", "side": "BUY", "positionSide": "LONG"}
            market = order | {"type": "MARKET", "quantity": "0.02"}
            sandbox.api("POST", f"/accounts/{KEY}/orders", market)
            limit = order | {"type": "LIMIT", "quantity": "0.01", "price": "49000"}
            sandbox.api("POST", f"/accounts/{KEY}/orders", limit)
            sandbox.api("POST", "/prices", {"symbol": "BTC-USDT", "price": "50250"})
            fault = {"type": "rest_error", "account": KEY, "times": None, "method": "PUT"}
            sandbox.api("POST", "/faults", fault | {"status": 503, "required": False})
            with pytest.raises(BingXException):
                client.listen_key().extend(key)
            # a client mistake: an endpoint the exchange does not have
            sandbox.http.get(
                f"{sandbox.rest}/openApi/swap/v9/nothing", headers={"X-BX-APIKEY": KEY}
            )
            wait_for(browser, lambda d: css(d, "#journal-rows tr.mistake"), "no mistake shown")
            wait_for(browser, lambda d: css(d, f"{card(KEY)} .orders tbody tr"), "no order")
            wait_for(browser, lambda d: text_of(d, "#faults .hits") == "1", "no hit")
            beats = f"{socket} .beats"
            wait_for(browser, lambda d: min(_counts(text_of(d, beats))) >= 2, "no Pongs")
            shot = tmp_path / "dashboard.png"
            assert browser.save_screenshot(str(shot))
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            if os.environ.get("BINGX_SIM_SCREENSHOT") == "1":
                shutil.copyfile(shot, DOCS / "dashboard.png")
