"""Request parameters are read one strict way everywhere (bingx_sim.rules.params)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingx_sim.rules.params import BodyError, ascii_int, decode_body, inflate_body, parse_params


@given(st.integers(min_value=0, max_value=10**19 - 1))
def test_ascii_int_reads_every_plain_decimal(value: int) -> None:
    assert ascii_int(str(value)) == value


@given(st.text(max_size=25))
def test_ascii_int_accepts_exactly_ascii_digit_strings(text: str) -> None:
    plain = 1 <= len(text) <= 19 and all(c in "0123456789" for c in text)
    assert (ascii_int(text) is not None) is plain


def test_ascii_int_refuses_what_python_int_would_take() -> None:
    for text in ("+1", "-1", " 1", "1 ", "1_000", "١٢٣", "1.0", "", "9" * 20):
        assert ascii_int(text) is None, text


def test_decode_body_is_utf8_or_nothing() -> None:
    assert decode_body("listenKey=é".encode()) == "listenKey=é"
    assert decode_body(b"a=\xff\xfe") is None


@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=8), max_size=5))
def test_distinct_names_parse_back_without_a_duplicate(params: dict[str, str]) -> None:
    parsed = parse_params(urlencode(params), "")
    assert parsed.query == params and parsed.duplicate is None


def test_a_name_sent_twice_in_one_place_is_reported_first_value_kept() -> None:
    parsed = parse_params("listenKey=a&listenKey=b", "")
    assert parsed.duplicate == "listenKey" and parsed.query["listenKey"] == "a"
    assert parse_params("", "timestamp=1&timestamp=2").duplicate == "timestamp"


def test_the_query_wins_over_the_body_and_that_is_no_duplicate() -> None:
    parsed = parse_params("timestamp=1", "timestamp=2&recvWindow=5")
    assert parsed.duplicate is None
    assert parsed.merged == {"timestamp": "1", "recvWindow": "5"}


@given(st.binary(max_size=300), st.sampled_from(["gzip", "x-gzip", "deflate", "", "identity"]))
def test_inflate_body_undoes_each_supported_coding(raw: bytes, coding: str) -> None:
    import zlib

    sent = {"gzip": 31, "x-gzip": 31, "deflate": 15}.get(coding)
    encoded = zlib.compress(raw, wbits=sent) if sent else raw
    assert inflate_body(encoded, coding, 1000) == raw


def test_inflate_body_undoes_a_chain_last_coding_first() -> None:
    import zlib

    twice = zlib.compress(zlib.compress(b"a=1", wbits=15), wbits=31)
    assert inflate_body(twice, "deflate, gzip", 100) == b"a=1"


@pytest.mark.parametrize(
    ("raw", "coding", "status"),
    [
        (b"x", "br", 415),
        (b"x", "gzip", 400),
        (b"", "gzip", 400),
        (b"\x1f\x8b\x08\x00", "gzip", 400),
        (b"{}", "deflate", 400),
    ],
)
def test_inflate_body_refuses_with_the_http_status(raw: bytes, coding: str, status: int) -> None:
    with pytest.raises(BodyError) as refused:
        inflate_body(raw, coding, 100)
    assert refused.value.status == status


def test_inflate_body_never_holds_more_than_the_limit() -> None:
    import zlib

    bomb = zlib.compress(b"\0" * 50_000_000, 9, wbits=31)
    with pytest.raises(BodyError) as refused:
        inflate_body(bomb, "gzip", 1_000_000)
    assert refused.value.status == 413
