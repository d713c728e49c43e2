"""The reference data on the wire: what ccxt's ``load_markets`` reads besides the USDT-M
contracts (spot symbols, coin-M contracts: public; the currency list: signed), each in
its product's own envelope, bytes as the exchange writes them."""

from __future__ import annotations

import requests

from bingx_sim import Account, Simulator
from tests.trading import public, signed

SPOT = "/openApi/spot/v1/common/symbols"
COINM = "/openApi/cswap/v1/market/contracts"
CURRENCIES = "/openApi/wallets/v1/capital/config/getall"


def test_spot_symbols_are_public_in_the_spot_envelope(
    sim: Simulator, http: requests.Session
) -> None:
    response = http.get(f"{sim.rest_url}{SPOT}", params={"symbol": "BTC-USDT"})
    assert response.status_code == 200
    assert response.content.startswith(b'{"code":0,"msg":"","debugMsg":"","data":{"symbols":[')
    assert b'"stepSize":0.00001,' in response.content  # a number, in plain notation
    [btc] = response.json()["data"]["symbols"]
    assert (btc["symbol"], btc["tickSize"], btc["apiStateBuy"]) == ("BTC-USDT", 0.01, True)
    every = public(http, sim, SPOT)["data"]["symbols"]
    assert {"BTC-USDT", "ETH-USDT", "DOGE-USDT"} <= {s["symbol"] for s in every}


def test_coinm_contracts_are_public_with_a_timestamp(
    sim: Simulator, http: requests.Session
) -> None:
    answer = public(http, sim, COINM)
    assert list(answer) == ["code", "msg", "timestamp", "data"]
    assert abs(answer["timestamp"] - sim.now_ms()) < 60_000
    assert [c["symbol"] for c in answer["data"]] == ["BTC-USD", "ETH-USD"]
    assert public(http, sim, COINM, symbol="ETH-USD")["data"][0]["minTickSize"] == "10"


def test_currencies_are_signed_and_answer_without_msg(
    sim: Simulator, http: requests.Session
) -> None:
    account: Account = sim.add_account()
    answer = signed(http, sim, account, "GET", CURRENCIES)
    assert list(answer) == ["code", "timestamp", "data"]
    assert {c["coin"] for c in answer["data"]} >= {"USDT", "BTC", "ETH", "DOGE"}
    [usdt] = signed(http, sim, account, "GET", CURRENCIES, coin="USDT")["data"]
    assert [n["network"] for n in usdt["networkList"]] == ["TRC20", "ERC20"]
    sim.expect_errors("missing signature")
    unsigned = http.get(f"{sim.rest_url}{CURRENCIES}", headers={"X-BX-APIKEY": account.api_key})
    assert unsigned.json()["code"] == 100412
