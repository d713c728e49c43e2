"""The dashboard's routes without a browser: the page and its files, their headers and
guards, ``GET /`` for browsers only, and the read-only routes the page added (sockets,
the fault table, accounts). Run everywhere, Chromium or not."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from bingx_sim import Simulator
from bingx_sim.core.journal import WsFrame
from bingx_sim.lab.faults import FAULT_TYPES
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

ROOT = Path(__file__).parents[2]
UI = ROOT / "bingx_sim" / "ui"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(ping_interval=0.1, snapshots=False) as simulator:
        yield simulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def test_the_page_and_its_files_are_served_with_a_strict_policy(
    sim: Simulator, http: requests.Session
) -> None:
    page = http.get(sim.ui_url)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    for rule in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'"):
        assert rule in policy
    assert "unsafe" not in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    for name, kind in (
        ("app.js", "text/javascript"),
        ("app.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ):
        answer = http.get(f"{sim.ui_url}/{name}")
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith(kind)
        assert answer.content == (UI / name).read_bytes()
    missing = http.get(f"{sim.ui_url}/secrets.json")
    assert missing.status_code == 404 and "no dashboard file" in missing.json()["error"]
    assert http.get(f"{sim.ui_url}/session").json() == {"token_required": False}


class _Inline(HTMLParser):
    """What a strict policy would refuse: inline scripts, style attributes or blocks,
    event-handler attributes, anything loaded from another origin."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style" or "style" in names:
            self.problems.append(f"inline style on <{tag}>")
        self.problems += [f"{n} on <{tag}>" for n in names if n.startswith("on")]
        for link in (names.get("src"), names.get("href")):
            if link and not link.startswith(("/_sim/ui/", "#")):
                self.problems.append(f"{link} on <{tag}>")


def test_the_page_has_no_inline_code_and_loads_nothing_from_elsewhere() -> None:
    parser = _Inline()
    parser.feed((UI / "index.html").read_text())
    assert parser.problems == []
    script = (UI / "app.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink  # the page builds its DOM node by node


def test_the_page_keeps_the_control_apis_host_rule(sim: Simulator, http: requests.Session) -> None:
    rebound = http.get(sim.ui_url, headers={"Host": f"evil.example:{sim.port}"})
    assert rebound.status_code == 403 and "Host" in rebound.json()["error"]
    other = http.get(f"{sim.ui_url}/app.js", headers={"Origin": "http://evil.example"})
    assert other.status_code == 403
    session = http.get(f"{sim.ui_url}/session", headers={"Host": "evil.example"})
    assert session.status_code == 403


def test_with_a_token_the_page_is_served_but_the_data_needs_the_token() -> None:
    from aiohttp.test_utils import TestClient

    from bingx_sim.wire.app import create_app

    from ..sandbox.app_client import run_check

    async def check(client: TestClient) -> None:  # type: ignore[type-arg]
        remote = {"Host": "sandbox.internal:8080"}
        assert (await client.get("/_sim/ui", headers=remote)).status == 200
        session = await client.get("/_sim/ui/session", headers=remote)
        assert await session.json() == {"token_required": True}
        for path in ("/_sim/sockets", "/_sim/fault-types", "/_sim/accounts", "/_sim/journal"):
            assert (await client.get(path, headers=remote)).status == 401
        auth = remote | {"Authorization": "Bearer t0ken"}
        assert (await client.get("/_sim/sockets", headers=auth)).status == 200

    run_check(create_app(control_token="t0ken"), check)


def test_a_browser_asking_for_the_root_is_sent_to_the_page(
    sim: Simulator, http: requests.Session
) -> None:
    answer = http.get(
        f"{sim.rest_url}/", headers={"Accept": "text/html,*/*"}, allow_redirects=False
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/_sim/ui"
    assert len(sim.journal) == 0  # not the exchange's business
    sim.expect_errors("unknown endpoint")
    api = http.get(f"{sim.rest_url}/")  # any other caller: the exchange's unknown path
    assert api.status_code == 404 and api.json()["code"] == 100404
    assert sim.journal[-1].violation


def test_the_sockets_route_counts_pings_pongs_and_frames(
    sim: Simulator, http: requests.Session
) -> None:
    from bingx.websocket import AccountDataStream

    alice, bob = sim.add_account(), sim.add_account()
    key = http.post(
        f"{sim.rest_url}{LISTEN_KEY_PATH}", headers={"X-BX-APIKEY": alice.api_key}
    ).json()["listenKey"]
    assert http.get(f"{sim.rest_url}/_sim/sockets").json() == {"sockets": []}
    stream = AccountDataStream(key, base_url=sim.ws_url)
    stream.connect()
    try:
        sim.journal.wait_for(
            lambda e: isinstance(e, WsFrame) and e.direction == "in" and e.text == "Pong"
        )
        (socket,) = http.get(f"{sim.rest_url}/_sim/sockets").json()["sockets"]
        assert socket["account"] == alice.api_key and socket["listen_key"] == key
        assert socket["product"] == "swap" and socket["remote"] == "127.0.0.1"
        assert socket["pings"] >= 1 and socket["pongs"] >= 1 and socket["frames_in"] >= 1
        assert socket["frames_out"] >= socket["pings"] and socket["age_s"] >= 0
        assert socket["last_frame"]["direction"] in ("in", "out")
        assert not socket["closing"] and socket["close_code"] is None
        only_bob = http.get(f"{sim.rest_url}/_sim/sockets", params={"account": bob.api_key})
        assert only_bob.json() == {"sockets": []}
        assert http.get(f"{sim.rest_url}/_sim/sockets?account=").status_code == 400
    finally:
        stream.disconnect()


def test_the_fault_table_builds_a_body_every_fault_accepts(
    sim: Simulator, http: requests.Session
) -> None:
    table = http.get(f"{sim.rest_url}/_sim/fault-types").json()["fault_types"]
    assert sorted(t["type"] for t in table) == sorted(FAULT_TYPES)
    kind = next(t for t in table if t["type"] == "corrupt_frame")["fields"]
    assert {"name": "kind", "nullable": False, "type": "choice"}.items() <= next(
        f for f in kind if f["name"] == "kind"
    ).items()
    for fault in table:
        assert fault["doc"] and fault["scope"] and "``" not in fault["doc"]
        body = {"type": fault["type"], "required": False}
        for field in fault["fields"]:
            if field.get("required"):
                body[field["name"]] = {"number": 0.0, "integer": 0}.get(field["type"], "x")
        answer = http.post(f"{sim.rest_url}/_sim/faults", json=body)
        assert answer.status_code == 201, (body, answer.text)
    assert http.delete(f"{sim.rest_url}/_sim/faults").json() == {"cleared": len(table)}


def test_the_accounts_route_lists_keys_not_secrets(sim: Simulator, http: requests.Session) -> None:
    account = sim.add_account()
    listed = http.get(f"{sim.rest_url}/_sim/accounts").json()["accounts"]
    assert listed == [{"api_key": account.api_key, "seed": False}]
    assert account.api_secret not in str(listed)


@pytest.mark.timeout(300)
def test_the_wheel_ships_the_page(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", tmp_path, ROOT],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=240,
    )
    (wheel,) = tmp_path.glob("bingx_sim-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in UI.iterdir():
        assert f"bingx_sim/ui/{asset.name}" in names
