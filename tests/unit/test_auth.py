"""Request checks: API key, signature over the raw bytes as sent, timestamp window."""

from __future__ import annotations

import pytest

from bingx_sim.rules import errors
from bingx_sim.rules.auth import authenticate, sign, strip_signature
from bingx_sim.rules.listen_keys import Account
from bingx_sim.rules.options import ContractOptions

# BingX's published example (``docs/contract.md``, source S1).
S1_SECRET = "mheO6dR8ovSsxZQCOYEFCtelpuxcWGTfHw7te326y6jOwq5WpvFQ9JNljoTwBXZGv5It07m9RXSPpDQEK2w"
ACCOUNT = Account("api-key", "the-secret")
NOW = 1_700_000_000_000


def check(query: str, body: str = "", api_key: str | None = "api-key", **options: object) -> object:
    opts, rest = ContractOptions.split(dict(options))
    assert not rest
    return authenticate(
        api_key,
        query,
        body,
        find_account={ACCOUNT.api_key: ACCOUNT}.get,
        options=opts,
        wall_now_ms=NOW,
    )


def signed(query: str, secret: str = ACCOUNT.api_secret, encoding: str = "hex") -> str:
    return f"{query}&signature={sign(secret, query, encoding)}"


def test_s1_golden_vector_query_only_unsorted() -> None:
    payload = "symbol=BTC-USDT&timestamp=1667872120843&side=LONG&leverage=6"
    assert sign(S1_SECRET, payload).startswith("4f581ecd")
    assert sign(S1_SECRET, payload).endswith("ec2bf")


def test_s1_golden_vector_query_plus_body_without_ampersand() -> None:
    payload = "symbol=BTC-USDT&timestamp=1668159715051" + "side=LONG&leverage=6"
    assert sign(S1_SECRET, payload).startswith("8b756b01")
    assert sign(S1_SECRET, payload).endswith("d47d")


def test_strip_signature_keeps_order_and_returns_value() -> None:
    assert strip_signature("b=2&signature=abc&a=1") == ("b=2&a=1", "abc")
    assert strip_signature("") == ("", None)
    assert strip_signature("signature=a%2Bb%3D") == ("", "a+b=")
    assert strip_signature("a=1&signature") == ("a=1", "")  # present, empty: not unsigned


def test_missing_api_key_is_null_apikey() -> None:
    assert check("", api_key=None) == errors.NULL_API_KEY_ERROR


def test_unknown_api_key_is_incorrect_apikey() -> None:
    assert check("", api_key="nope") == errors.INCORRECT_API_KEY_ERROR


def test_unsigned_call_is_accepted() -> None:
    assert check("listenKey=abc") == ACCOUNT


def test_signature_in_insertion_order_is_verified() -> None:
    assert check(signed(f"timestamp={NOW}&listenKey=abc")) == ACCOUNT


def test_signature_over_query_and_body_concatenated() -> None:
    query, body = f"timestamp={NOW}", "listenKey=abc"
    sig = sign(ACCOUNT.api_secret, query + body)
    assert check(query, f"{body}&signature={sig}") == ACCOUNT


def test_a_sorted_rebuild_is_not_what_the_server_verifies() -> None:
    query = f"timestamp={NOW}&listenKey=abc"
    sorted_sig = sign(ACCOUNT.api_secret, f"listenKey=abc&timestamp={NOW}")
    assert check(f"{query}&signature={sorted_sig}") == errors.SIGNATURE_ERROR


def test_wrong_secret_fails_with_100001() -> None:
    assert check(signed(f"timestamp={NOW}", secret="wrong")) == errors.SIGNATURE_ERROR


def test_base64_signature_is_refused_by_default_and_accepted_on_request() -> None:
    query = signed(f"timestamp={NOW}", encoding="base64")
    assert check(query) == errors.SIGNATURE_ERROR
    assert check(query, signature_encodings={"hex", "base64"}) == ACCOUNT


@pytest.mark.parametrize("skew", [-5001, 5001])
def test_stale_or_future_timestamp_fails_with_100421(skew: int) -> None:
    assert check(signed(f"timestamp={NOW + skew}")) == errors.TIMESTAMP_ERROR


@pytest.mark.parametrize("skew", [-5000, 0, 5000])
def test_timestamp_inside_the_window_is_fine(skew: int) -> None:
    assert check(signed(f"timestamp={NOW + skew}")) == ACCOUNT


def test_recv_window_narrows_the_window() -> None:
    assert check(signed(f"timestamp={NOW - 3000}&recvWindow=2000")) == errors.TIMESTAMP_ERROR
    assert check(signed(f"timestamp={NOW - 1500}&recvWindow=2000")) == ACCOUNT


def test_recv_window_over_the_documented_maximum_is_refused() -> None:
    # BingX documents "maximum is 5000": a larger recvWindow is an invalid argument.
    over = check(signed(f"timestamp={NOW}&recvWindow=5001"))
    assert isinstance(over, errors.ApiError) and over.code == errors.ARGUMENTS_INVALID
    assert check(signed(f"timestamp={NOW - 4000}&recvWindow=5000")) == ACCOUNT
    wide = check(signed(f"timestamp={NOW - 9000}&recvWindow=10000"), max_recv_window_ms=30_000)
    assert wide == ACCOUNT


def test_recv_window_zero_means_the_default() -> None:
    assert check(signed(f"timestamp={NOW - 4000}&recvWindow=0")) == ACCOUNT
    assert check(signed(f"timestamp={NOW - 6000}&recvWindow=0")) == errors.TIMESTAMP_ERROR


@pytest.mark.parametrize(
    "stamp",
    [
        f"+{NOW}",
        f" {NOW}",
        f"{NOW:_}",
        str(NOW).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        f"{NOW}.0",
        f"-{NOW}",
        "9" * 20,
    ],
)
def test_timestamps_are_ascii_digits_only(stamp: str) -> None:
    from urllib.parse import quote

    assert check(signed(f"timestamp={quote(stamp)}")) == errors.TIMESTAMP_ERROR


@pytest.mark.parametrize("query", ["timestamp=soon", "timestamp=1&recvWindow=x", ""])
def test_signed_without_a_usable_timestamp_fails_with_100421(query: str) -> None:
    assert check(signed(query).lstrip("&")) == errors.TIMESTAMP_ERROR


def test_unsigned_but_stale_timestamp_is_still_checked() -> None:
    assert check(f"timestamp={NOW - 60_000}") == errors.TIMESTAMP_ERROR


def test_required_mode_refuses_unsigned_calls() -> None:
    assert check("listenKey=abc", signature="required") == errors.NULL_SIGNATURE_ERROR


def test_off_mode_ignores_a_bad_signature() -> None:
    assert check("signature=garbage", signature="off") == ACCOUNT


def test_non_ascii_signature_is_a_mismatch_not_a_crash() -> None:
    assert check(f"timestamp={NOW}&signature=%C3%A9") == errors.SIGNATURE_ERROR
