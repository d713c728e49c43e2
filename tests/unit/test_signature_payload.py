"""What a signature covers: the parameters as sent (BingX's rule, the default), or
sorted by name (how the bingx-python SDK signs), by ``signature_payload``."""

from __future__ import annotations

import pytest

from bingx_sim.rules import errors
from bingx_sim.rules.auth import authenticate, sign, sorted_payload
from bingx_sim.rules.listen_keys import Account
from bingx_sim.rules.options import ContractOptions

ACCOUNT = Account("api-key", "the-secret")
NOW = 1_700_000_000_000
SENT = f"symbol=BTC-USDT&side=BUY&type=MARKET&timestamp={NOW}"
SORTED = f"side=BUY&symbol=BTC-USDT&timestamp={NOW}&type=MARKET"


def check(query: str, body: str = "", **options: object) -> object:
    opts, _ = ContractOptions.split(dict(options))
    return authenticate(
        ACCOUNT.api_key,
        query,
        body,
        find_account={ACCOUNT.api_key: ACCOUNT}.get,
        options=opts,
        wall_now_ms=NOW,
    )


def test_sorted_payload_sorts_query_and_body_pairs_by_name_as_sent() -> None:
    assert sorted_payload(SENT, "") == SORTED
    assert sorted_payload("b=2&a=x%2By", "c=3") == "a=x%2By&b=2&c=3"
    assert sorted_payload("", "") == ""


@pytest.mark.parametrize(
    ("mode", "as_sent_ok", "sorted_ok"),
    [("as-sent", True, False), ("sorted", False, True), ("either", True, True)],
)
def test_each_mode_accepts_its_payloads(mode: str, as_sent_ok: bool, sorted_ok: bool) -> None:
    for payload, ok in ((SENT, as_sent_ok), (SORTED, sorted_ok)):
        signature = sign(ACCOUNT.api_secret, payload)
        got = check(f"{SENT}&signature={signature}", signature_payload=mode)
        assert (got == ACCOUNT) is ok, (mode, payload)
        if not ok:
            assert got == errors.SIGNATURE_ERROR


def test_a_sorted_signature_of_a_form_body_as_the_sdk_sends_it() -> None:
    body = f"symbol=BTC-USDT&side=BUY&timestamp={NOW}"
    signature = sign(ACCOUNT.api_secret, "side=BUY&symbol=BTC-USDT&timestamp=" + str(NOW), "base64")
    form = (
        f"{body}&signature={signature.replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}"
    )
    lenient = {"signature_payload": "sorted", "signature_encodings": {"hex", "base64"}}
    assert check("", form, **lenient) == ACCOUNT
    assert check("", form, signature_encodings={"hex", "base64"}) == errors.SIGNATURE_ERROR


def test_a_json_body_is_checked_as_sent_whatever_the_mode() -> None:
    body = '{"b":1,"a":2}'
    signature = sign(ACCOUNT.api_secret, f"timestamp={NOW}" + body)
    assert (
        check(f"timestamp={NOW}&signature={signature}", body, signature_payload="sorted") == ACCOUNT
    )
