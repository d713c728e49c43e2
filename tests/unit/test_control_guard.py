"""Who may drive the control API, and what bodies it takes (bingx_sim.rules.control_guard)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingx_sim import defaults
from bingx_sim.rules.control_guard import BodyTooLarge, Refusal, parse_body, refusal

PORT = 8080


def check(
    method: str = "POST",
    host: str | None = f"127.0.0.1:{PORT}",
    origin: str | None = None,
    content_type: str | None = "application/json",
    *,
    local_host: str = "127.0.0.1",
    token_set: bool = False,
) -> Refusal | None:
    return refusal(
        method=method,
        host=host,
        origin=origin,
        content_type=content_type,
        local_host=local_host,
        local_port=PORT,
        token_set=token_set,
    )


@pytest.mark.parametrize(
    "host", [f"127.0.0.1:{PORT}", f"localhost:{PORT}", "localhost", f"[::1]:{PORT}", "127.0.0.2"]
)
def test_loopback_hosts_are_let_in(host: str) -> None:
    assert check(host=host) is None


@pytest.mark.parametrize(
    "host", [f"evil.example:{PORT}", "evil.example", "", None, "10.0.0.1", "a@127.0.0.1", "["]
)
def test_other_hosts_are_refused_403(host: str | None) -> None:
    refused = check(host=host)
    assert refused is not None and refused.status == 403 and "Host" in refused.reason


def test_the_address_the_request_arrived_on_counts_as_ours() -> None:
    assert check(host=f"192.168.1.5:{PORT}", local_host="192.168.1.5") is None
    assert check(host=f"192.168.1.6:{PORT}", local_host="192.168.1.5") is not None


def test_with_a_token_the_host_is_not_checked() -> None:
    assert check(host="sandbox.internal:8080", token_set=True) is None


@pytest.mark.parametrize(
    "origin", [f"http://127.0.0.1:{PORT}", f"http://localhost:{PORT}", f"http://[::1]:{PORT}"]
)
def test_the_sandboxs_own_origin_is_let_in(origin: str) -> None:
    assert check(origin=origin) is None


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        f"http://evil.example:{PORT}",
        "http://127.0.0.1:9999",
        "http://127.0.0.1",
        f"https://127.0.0.1:{PORT}",
        "null",
        "",
        f"http://127.0.0.1:{PORT}/path",
    ],
)
def test_any_other_origin_is_refused_even_with_a_token(origin: str) -> None:
    for token_set in (False, True):
        refused = check(origin=origin, token_set=token_set)
        assert refused is not None and refused.status == 403 and "Origin" in refused.reason


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_state_changes_need_a_json_content_type(content_type: str | None) -> None:
    refused = check(content_type=content_type)
    assert refused is not None and refused.status == 415
    assert check(method="GET", content_type=content_type) is None


def test_a_delete_needs_no_content_type_but_a_named_one_must_be_json() -> None:
    """``curl -X DELETE`` sends none; a browser preflights any cross-origin DELETE."""
    assert check(method="DELETE", content_type=None) is None
    assert check(method="delete", content_type=None) is None
    for named in ("", "text/plain", "application/x-www-form-urlencoded"):
        refused = check(method="DELETE", content_type=named)
        assert refused is not None and refused.status == 415
    for method in ("POST", "PUT", "PATCH"):
        refused = check(method=method, content_type=None)
        assert refused is not None and refused.status == 415
    evil = check(method="DELETE", content_type=None, origin="http://evil.example")
    assert evil is not None and evil.status == 403
    rebound = check(method="DELETE", content_type=None, host=f"evil.example:{PORT}")
    assert rebound is not None and rebound.status == 403


def test_json_content_type_with_parameters_is_json() -> None:
    assert check(content_type="Application/JSON; charset=utf-8") is None


@given(
    host=st.one_of(st.none(), st.text(max_size=30)),
    origin=st.one_of(st.none(), st.text(max_size=30)),
    content_type=st.one_of(st.none(), st.text(max_size=30)),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]),
    token_set=st.booleans(),
)
def test_refusal_never_raises_and_only_lets_in_what_the_rules_allow(
    host: str | None, origin: str | None, content_type: str | None, method: str, token_set: bool
) -> None:
    refused = check(method, host, origin, content_type, token_set=token_set)
    if refused is None:
        assert origin is None or origin.startswith("http://")
        if method not in ("GET", "OPTIONS") and not (method == "DELETE" and content_type is None):
            assert (content_type or "").split(";")[0].strip().lower() == "application/json"
    else:
        assert refused.status in (403, 415) and refused.reason


def test_parse_body_takes_an_object_or_nothing() -> None:
    assert parse_body(b"") == {} and parse_body(b"  ") == {}
    assert parse_body(b'{"advance": 1.5}') == {"advance": 1.5}


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"[1]", "object"),
        (b"nope", "not JSON"),
        (b'{"advance": Infinity}', "not a number"),
        (b'{"advance": NaN}', "not a number"),
        (b'{"advance": 1e400}', "out of range"),
        (b'{"a": "\xff"}', "UTF-8"),
        (b"[" * 60_000, "nests deeper"),
        (b'{"a":' + b"[" * 20 + b"]" * 20 + b"}", "nests deeper"),
    ],
)
def test_parse_body_refuses_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_body(raw)


def test_parse_body_bounds_the_size() -> None:
    with pytest.raises(BodyTooLarge):
        parse_body(b'{"a": "' + b"x" * defaults.CONTROL_MAX_BODY + b'"}')


@given(st.binary(max_size=200))
def test_parse_body_answers_any_bytes_with_an_object_or_value_error(raw: bytes) -> None:
    try:
        parsed: Any = parse_body(raw)
    except ValueError:
        return
    assert isinstance(parsed, dict)
