"""Malformed requests get a clear answer in the exchange's format (or a plain 4xx where
the exchange answers at the HTTP level), are journaled as the client's mistake, and
never show up as a 500 or a traceback (docs/contract.md, "malformed input")."""

from __future__ import annotations

import logging
import zlib

import pytest
import requests

from bingx_sim import Account, Simulator, defaults
from bingx_sim.core.journal import RestCall
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

from ..wire import headers, new_key


def _last_call(sim: Simulator) -> RestCall:
    return sim.journal.requests[-1]


def url(sim: Simulator) -> str:
    return f"{sim.rest_url}{LISTEN_KEY_PATH}"


def test_a_body_that_is_not_utf8_is_100400(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    answer = http.post(url(sim), data=b"a=\xff\xfe", headers=headers(account))
    assert answer.status_code == 200
    assert answer.json()["code"] == 100400 and "UTF-8" in answer.json()["msg"]
    assert _last_call(sim).violation == "body is not UTF-8"


def test_the_declared_charset_is_ignored_the_api_is_utf8(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    typed = headers(account) | {"Content-Type": "text/plain; charset=nonsense"}
    assert "listenKey" in http.post(url(sim), data=b"", headers=typed).json()


def test_a_corrupt_gzip_body_is_a_plain_400_and_the_connection_closes(
    sim: Simulator, http: requests.Session, account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        answer = http.post(
            url(sim),
            data=b"not gzip at all",
            headers=headers(account) | {"Content-Encoding": "gzip"},
        )
    assert answer.status_code == 400 and answer.headers["Content-Type"].startswith("text/plain")
    assert answer.headers.get("Connection") == "close"
    assert "not valid gzip" in (_last_call(sim).violation or "")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_a_valid_gzip_body_is_read(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    body = zlib.compress(f"listenKey={key}".encode(), wbits=31)
    zipped = headers(account) | {"Content-Encoding": "gzip"}
    assert http.put(url(sim), data=body, headers=zipped).status_code == 204  # query-only key
    assert _last_call(sim).body == f"listenKey={key}"


@pytest.mark.parametrize("coding", ["br", "zstd", "gzip, br", "compress"])
def test_an_unsupported_content_encoding_is_a_journaled_415(
    sim: Simulator, http: requests.Session, account: Account, coding: str
) -> None:
    for body in (b"x", b""):  # an empty body names its coding too
        sent = headers(account) | {"Content-Encoding": coding}
        answer = http.post(url(sim), data=body, headers=sent)
        assert answer.status_code == 415 and "unsupported Content-Encoding" in answer.text
        assert "unsupported" in (_last_call(sim).violation or "")


@pytest.mark.parametrize(
    "body", [b"{}", b"x", b"\x1f\x8b", zlib.compress(b"listenKey=abc", wbits=31)[:-6]]
)
def test_a_truncated_compressed_body_sent_in_two_segments_is_answered(
    sim: Simulator, body: bytes
) -> None:
    # aiohttp's own decoding waited forever for such a body when headers and body came
    # in separate TCP segments (found by the REST fuzz); we decode bodies ourselves.
    import socket

    with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as raw:
        raw.sendall(
            f"POST {LISTEN_KEY_PATH} HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        raw.sendall(body)
        assert raw.recv(64).startswith(b"HTTP/1.1 400")


def test_a_compressed_body_that_inflates_past_the_cap_is_413(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    bomb = zlib.compress(b"a=" + b"b" * (defaults.MAX_REST_BODY + 10), 9, wbits=31)
    answer = http.post(url(sim), data=bomb, headers=headers(account) | {"Content-Encoding": "gzip"})
    assert answer.status_code == 413


def test_a_parameter_sent_twice_is_100400(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    answer = http.put(
        url(sim), params=[("listenKey", key), ("listenKey", "x")], headers=headers(account)
    )
    assert answer.json()["code"] == 100400 and "listenKey" in answer.json()["msg"]
    assert [k.expires_at_ms for k in sim.listen_keys()] == [
        sim.listen_keys()[0].created_ms + 3_600_000
    ]


def test_a_plain_get_of_a_websocket_path_is_a_journaled_400(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    answer = http.get(f"{sim.rest_url}/swap-market", params={"listenKey": key})
    assert answer.status_code == 400 and "websocket" in answer.text
    assert "not a websocket upgrade" in (_last_call(sim).violation or "")


def _raw_exchange(sim: Simulator, head: bytes, body: bytes = b"") -> bytes:
    """Send ``head`` (request line and headers, without the blank line), then ``body``;
    everything the server answers until it closes."""
    import socket

    with socket.create_connection(("127.0.0.1", sim.port), timeout=5) as raw:
        raw.sendall(head + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n" + body)
        answer = b""
        while chunk := raw.recv(4096):
            answer += chunk
    return answer


@pytest.mark.parametrize("expect", [b"\xe4", b"100-continu\xc3\xa9", b"foo"])
@pytest.mark.parametrize(
    "path", [LISTEN_KEY_PATH, "/openApi/spot/v1/nope", "/swap-market", "/_sim/faults"]
)
def test_an_expect_other_than_100_continue_is_a_journaled_417_not_a_500(
    sim: Simulator, account: Account, caplog: pytest.LogCaptureFixture, expect: bytes, path: str
) -> None:
    # aiohttp's own handler answered a non-UTF-8 Expect with a 500 (UnicodeEncodeError).
    with caplog.at_level(logging.INFO):
        answer = _raw_exchange(
            sim,
            f"PUT {path}?listenKey=k HTTP/1.1\r\nX-BX-APIKEY: {account.api_key}\r\n".encode()
            + b"Content-Length: 0\r\nExpect: "
            + expect
            + b"\r\n",
        )
    assert answer.startswith(b"HTTP/1.1 417"), answer
    assert b"Content-Type: text/plain" in answer and b"is not 100-continue" in answer
    call = _last_call(sim)
    assert (call.method, call.path, call.status) == ("PUT", path, 417)
    assert "is not 100-continue" in (call.violation or "")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_expect_100_continue_still_gets_100_continue_then_the_answer(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    answer = _raw_exchange(
        sim,
        f"PUT {LISTEN_KEY_PATH}?listenKey={key} HTTP/1.1\r\n"
        f"X-BX-APIKEY: {account.api_key}\r\nContent-Length: 2\r\n"
        "Expect: 100-Continue\r\n".encode(),
        b"{}",
    )
    assert answer.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200"), answer
    assert _last_call(sim).status == 200 and _last_call(sim).violation is None


def test_long_bodies_are_journaled_cut_with_their_true_size(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    body = "x=" + "y" * (defaults.JOURNAL_TEXT_LIMIT * 2)
    http.post(url(sim), data=body, headers=headers(account))
    call = _last_call(sim)
    assert len(call.body) == defaults.JOURNAL_TEXT_LIMIT and call.full_size == len(body)


@pytest.mark.parametrize("code", [999, 1004, 1005, 1006, 1015, 2999, 5000])
def test_close_sockets_refuses_codes_that_may_not_be_sent(sim: Simulator, code: int) -> None:
    with pytest.raises(ValueError, match="may not be sent"):
        sim.close_sockets(code=code)


def test_close_sockets_refuses_a_reason_over_123_bytes(sim: Simulator) -> None:
    with pytest.raises(ValueError, match="123 bytes"):
        sim.close_sockets(reason="é" * 62)
