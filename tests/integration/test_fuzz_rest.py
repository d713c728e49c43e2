"""Hypothesis fuzz of the REST side against the in-process simulator: arbitrary methods,
paths, query strings, headers, bodies and encodings. Whatever arrives, the answer is the
exchange's JSON format or a plain 4xx, never a 5xx or a traceback in the log; it is
journaled; another account's key is untouched; and a valid call still works afterwards.
"""

from __future__ import annotations

import http.client
import json
import logging
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bingx_sim import Account, Simulator
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

from ..wire import call, new_key


@dataclass
class World:
    sim: Simulator
    http: requests.Session
    mine: Account
    other: Account
    other_key: str
    mine_key: str
    records: list[logging.LogRecord]


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    records: list[logging.LogRecord] = []
    handler = _Collect(records)
    loggers = [logging.getLogger(name) for name in ("aiohttp", "bingx_sim")]
    for logger in loggers:
        logger.addHandler(handler)
    with Simulator() as sim, requests.Session() as session:
        mine, other = sim.add_account(), sim.add_account()
        yield World(
            sim,
            session,
            mine,
            other,
            new_key(session, sim, other),
            new_key(session, sim, mine),
            records,
        )
    for logger in loggers:
        logger.removeHandler(handler)


_TOKEN = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_!#$%&'*+.^`|~", min_size=1)
_HEADER_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)
_WORDS = st.sampled_from(["listenKey", "timestamp", "recvWindow", "signature", "x", ""])


def _pairs(draw: st.DrawFn, keys: list[str]) -> str:
    values = st.one_of(
        st.sampled_from([*keys, "", "+1", "1_795", "١٢٣", "9" * 30, "%ZZ", "&&", "=="]),
        st.text(max_size=20),
    )
    pairs = draw(st.lists(st.tuples(_WORDS, values), max_size=5))
    raw = "&".join(
        f"{quote(k)}={quote(v, safe=draw(st.sampled_from(['', '%&='])))}" for k, v in pairs
    )
    return raw


@st.composite
def requests_(draw: st.DrawFn, keys: tuple[str, str], api_key: str) -> dict[str, object]:
    method = draw(st.one_of(st.sampled_from(["POST", "PUT", "DELETE", "GET", "PATCH"]), _TOKEN))
    path = draw(
        st.one_of(
            st.just(LISTEN_KEY_PATH),
            st.just(LISTEN_KEY_PATH + "/"),
            st.sampled_from(["/", "/openApi", "/swap-market", "/market", "//x/../y", "/%ff%00"]),
            st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30).map(
                lambda p: "/" + p.lstrip("/_").replace("#", "").replace("?", "")
            ),
        )
    )
    query = _pairs(draw, list(keys))
    headers: dict[str, str] = {}
    if draw(st.booleans()):
        headers["X-BX-APIKEY"] = draw(st.sampled_from([api_key, "", "nobody"]) | _HEADER_VALUE)
    for name in draw(st.lists(st.sampled_from(["Content-Type", "Content-Encoding", "X-Junk"]))):
        headers[name] = draw(
            st.sampled_from(
                [
                    "application/x-www-form-urlencoded; charset=foo",
                    "text/plain; charset=latin-1",
                    "gzip",
                    "deflate",
                    "br",
                    "identity",
                    "application/json",
                ]
            )
            | _HEADER_VALUE
        )
    body_text = _pairs(draw, list(keys))
    body = draw(
        st.one_of(
            st.just(b""),
            st.just(body_text.encode()),
            st.binary(max_size=200),
            st.just(zlib.compress(body_text.encode(), wbits=31)),
            st.just(b"\xff\xfe" + body_text.encode("utf-16-le")),
        )
    )
    return {"method": method, "path": path, "query": query, "headers": headers, "body": body}


def _send(port: int, req: dict[str, object]) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        query = f"?{req['query']}" if req["query"] else ""
        conn.putrequest(str(req["method"]), f"{req['path']}{query}", skip_accept_encoding=True)
        headers = req["headers"]
        assert isinstance(headers, dict)
        for name, value in headers.items():
            conn.putheader(name, value.encode("latin-1"))
        body = req["body"]
        assert isinstance(body, bytes)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        conn.close()


def _exchange_shaped(status: int, content_type: str, body: bytes) -> bool:
    if content_type.startswith("application/json"):
        parsed = json.loads(body)
        if not isinstance(parsed, dict):
            return False
        if "code" in parsed:
            return isinstance(parsed["code"], int) and isinstance(parsed["msg"], str)
        return status == 200
    return (status < 300 and body == b"") or 400 <= status < 500


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_request_gets_an_answer_in_the_exchanges_format(
    world: World, data: st.DataObject
) -> None:
    keys = (world.mine_key, world.other_key)
    req = data.draw(requests_(keys, world.mine.api_key))
    before = len(world.sim.journal)
    status, content_type, body = _send(world.sim.port, req)
    assert status < 500, body
    assert _exchange_shaped(status, content_type, body), (status, content_type, body)
    journal = world.sim.journal
    assert len(journal) > before or len(journal) >= 100_000, "the request was not journaled"
    # Nothing crossed over: the other account's key is still alive and still extends.
    other = {k.key: k for k in world.sim.listen_keys()}[world.other_key]
    assert other.owner == world.other.api_key and other.active
    assert (
        call(world.http, world.sim, "PUT", world.other, {"listenKey": world.other_key}).status_code
        == 200
    )
    assert not [r for r in world.records if r.levelno >= logging.ERROR], [
        r.getMessage() for r in world.records
    ]
    assert not [e for e in journal if str(e).startswith("simulator error")]
