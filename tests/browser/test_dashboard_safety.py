"""The dashboard is as safe as the control API it drives: with a control token it asks
for it and keeps it in the tab only, and a page from another origin, in the same
browser, can neither drive the sandbox nor read it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from .browser import console_errors, wait_for
from .conftest import Sandbox

pytestmark = pytest.mark.timeout(60)

TOKEN = "s3cret-dashboard-token"


def shown(driver: Any, element_id: str) -> bool:
    return bool(driver.find_element("id", element_id).is_displayed())


def give_token(driver: Any, token: str) -> None:
    wait_for(driver, lambda d: shown(d, "token-form"), "the page did not ask for the token")
    field = driver.find_element("css selector", "#token-form input")
    assert driver.switch_to.active_element == field  # focused, ready to type
    field.send_keys(token)
    driver.find_element("css selector", "#token-form button").click()


@pytest.mark.sandbox_args("--control-token", TOKEN)
def test_with_a_control_token_the_page_asks_for_it_and_keeps_it_in_the_tab(
    browser: Any, sandbox: Sandbox
) -> None:
    assert requests.get(f"{sandbox.rest}/_sim/clock", timeout=5).status_code == 401
    sandbox.api("POST", "/accounts", {"api_key": "token-bob", "api_secret": "s"})
    browser.get(sandbox.ui)
    give_token(browser, "not-the-token")
    wait_for(
        browser,
        lambda d: "refused" in d.find_element("id", "token-problem").text,
        "a wrong token was not reported",
    )
    refused = console_errors(browser)  # the browser logs each 401 it got
    assert refused and all("401" in line for line in refused), refused
    give_token(browser, TOKEN)
    wait_for(browser, lambda d: d.find_element("id", "status").text == "live", "not live")
    wait_for(browser, lambda d: d.find_elements("css selector", '[data-account="token-bob"]'), "")

    browser.find_element("css selector", "[data-advance='60']").click()
    wait_for(browser, lambda d: sandbox.api("GET", "/clock")["offset_ms"] == 60_000, "no move")
    kept = browser.execute_script(
        "return [sessionStorage.getItem('bingx-sim-control-token'), localStorage.length,"
        " document.cookie]"
    )
    assert kept == [TOKEN, 0, ""]
    # Another tab starts without it: the token lives in the tab that was given it.
    browser.switch_to.new_window("tab")
    browser.get(sandbox.ui)
    wait_for(browser, lambda d: shown(d, "token-form"), "a new tab knew the token")
    assert browser.execute_script("return sessionStorage.length") == 0


EVIL_PAGE = """<!doctype html><title>evil</title>
<iframe name="sink"></iframe>
<form id="form" method="POST" target="sink" enctype="text/plain" action="TARGET/reset">
<input name='{"a":"' value='"}'></form>
<script>
const target = "TARGET";
const results = {};
async function attempt(name, request) {
  try {
    const answer = await request();
    results[name] = answer.type === "opaque" ? "opaque" : "read " + answer.status;
  } catch (error) {
    results[name] = "blocked";
  }
}
(async () => {
  const json = { "Content-Type": "application/json" };
  const text = { "Content-Type": "text/plain" };
  const hour = '{"advance": 3600}';
  await attempt("json", () =>
    fetch(target + "/clock", { method: "POST", headers: json, body: hour }));
  await attempt("simple", () =>
    fetch(target + "/clock", { method: "POST", mode: "no-cors", headers: text, body: hour }));
  await attempt("reset", () =>
    fetch(target + "/reset", { method: "POST", mode: "no-cors", body: "{}" }));
  await attempt("delete", () => fetch(target + "/faults", { method: "DELETE" }));
  await attempt("read", () => fetch(target + "/journal"));
  await attempt("page", () => fetch(target + "/ui"));
  document.getElementById("form").submit();
  document.querySelector("iframe").addEventListener("load", () => {
    document.title = "done " + JSON.stringify(results);
  });
})();
</script>
"""


class _Evil(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.page)))
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def evil_server(target: str) -> Iterator[str]:
    handler = type("Evil", (_Evil,), {"page": EVIL_PAGE.replace("TARGET", target).encode()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # localhost, another port: another origin, as any site the user visits
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def evil(sandbox: Sandbox) -> Iterator[str]:
    yield from evil_server(f"{sandbox.rest}/_sim")


def test_a_page_from_another_origin_cannot_drive_or_read_the_sandbox(
    browser: Any, sandbox: Sandbox, evil: str
) -> None:
    sandbox.api("POST", "/accounts", {"api_key": "victim", "api_secret": "s"})
    sandbox.api("POST", "/faults", {"type": "rest_error", "times": None, "required": False})
    browser.get(evil)
    title = wait_for(
        browser, lambda d: d.title if d.title.startswith("done ") else None, "evil page stuck"
    )
    results = json.loads(str(title).removeprefix("done "))
    # A JSON POST needs a preflight, never granted; a read is not shared; what a page may
    # send without a preflight (no-cors, a form) reaches the guard, which refuses it.
    assert results == {
        "json": "blocked",
        "simple": "opaque",
        "reset": "opaque",
        "delete": "blocked",
        "read": "blocked",
        "page": "blocked",
    }
    assert sandbox.api("GET", "/clock")["offset_ms"] == 0  # the clock did not move
    accounts = {a["api_key"] for a in sandbox.api("GET", "/accounts")["accounts"]}
    assert "victim" in accounts  # no reset ran
    assert len(sandbox.api("GET", "/faults")["faults"]) == 1  # nor a DELETE
    console_errors(browser)  # the browser reports the blocked requests: expected here
