"""The reference data ``load_markets`` reads (``bingx_sim.ledger.markets``): it covers the
USDT-M contract table, and keeps BingX's field names and JSON types (number or string,
integer or decimal, boolean) as the recorded answers show them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bingx_sim.ledger import CONTRACTS, markets


def test_every_usdt_m_coin_has_a_spot_symbol_and_a_currency() -> None:
    coins = {c.asset for c in CONTRACTS.values()} | {c.currency for c in CONTRACTS.values()}
    assert coins <= set(markets.COINS)
    assert set(CONTRACTS) <= set(markets.SPOT_SYMBOLS)  # BTC-USDT ... DOGE-USDT
    assert {"BTC-USD", "ETH-USD"} <= set(markets.COINM_CONTRACTS)
    # Every coin a spot or coin-M row names is in the currency list too.
    named = {s.split("-")[0] for s in (*markets.SPOT_SYMBOLS, *markets.COINM_CONTRACTS)}
    assert named <= set(markets.COINS)


def test_spot_rows_keep_bingx_names_and_types() -> None:
    data = json.loads(markets.wire_json(markets.spot_symbols()))
    assert set(data) == {"symbols"}
    row = next(r for r in data["symbols"] if r["symbol"] == "BTC-USDT")
    assert list(row) == [
        "symbol", "minQty", "maxQty", "minNotional", "maxNotional", "status", "tickSize",
        "stepSize", "apiStateSell", "apiStateBuy", "timeOnline", "offTime", "maintainTime",
        "displayName",
    ]  # fmt: skip
    for name in ("minQty", "maxQty", "minNotional", "maxNotional", "tickSize", "stepSize"):
        assert isinstance(row[name], int | float) and not isinstance(row[name], bool), name
    assert row["status"] == 1 and isinstance(row["status"], int)
    assert row["apiStateSell"] is True and row["apiStateBuy"] is True
    assert (row["tickSize"], row["stepSize"], row["minNotional"]) == (0.01, 0.00001, 5)
    assert all(isinstance(row[n], int) for n in ("timeOnline", "offTime", "maintainTime"))


def test_coinm_rows_keep_bingx_names_and_types() -> None:
    [btc] = markets.coinm_contracts("BTC-USD")
    assert btc == {
        "symbol": "BTC-USD",
        "pricePrecision": 1,
        "minTickSize": "100",
        "minTradeValue": "100",
        "minQty": "1.00000000",
        "status": 1,
        "timeOnline": 1710738000000,
        "displayName": "BTC-USD",
    }
    assert [c["symbol"] for c in markets.coinm_contracts()] == ["BTC-USD", "ETH-USD"]


def test_currencies_keep_bingx_names_and_types() -> None:
    [btc] = markets.currencies("BTC")
    assert (btc["coin"], btc["name"]) == ("BTC", "BTC")
    native, bep20 = btc["networkList"]
    assert native == {
        "name": "BTC",
        "network": "BTC",
        "isDefault": True,
        "minConfirm": 2,
        "withdrawEnable": True,
        "depositEnable": True,
        "withdrawFee": "0.00004",
        "withdrawMax": "64.77131128",
        "withdrawMin": "0.000046",
        "depositMin": "0.00009",
        "withdrawPrecision": 8,
        "depositPrecision": 8,
        "contractAddress": "",
        "needTagOrMemo": "false",
        "displayName": "BTC",
    }
    assert (bep20["network"], bep20["displayName"], bep20["depositPrecision"]) == (
        "BEP20",
        "BTCBEP20",
        18,
    )
    assert [c["coin"] for c in markets.currencies("NOPE")] == []


@pytest.mark.parametrize(
    ("symbol", "count"), [(None, len(markets.SPOT_SYMBOLS)), ("ETH-USDT", 1), ("NOPE-USDT", 0)]
)
def test_a_symbol_selects_its_row(symbol: str | None, count: int) -> None:
    assert len(markets.spot_symbols(symbol)["symbols"]) == count


def test_each_product_answers_in_its_own_envelope() -> None:
    assert list(markets.spot_answer([])) == ["code", "msg", "debugMsg", "data"]
    assert markets.coinm_answer([], 5) == {"code": 0, "msg": "", "timestamp": 5, "data": []}
    assert list(markets.coinm_answer([], 5)) == ["code", "msg", "timestamp", "data"]
    assert markets.currencies_answer([], 5) == {"code": 0, "timestamp": 5, "data": []}


def test_wire_json_writes_decimals_in_plain_notation() -> None:
    payload = {"a": Decimal("0.00001"), "b": [Decimal("5"), True, None, "x"], "c": 1}
    text = markets.wire_json(payload)
    assert text == b'{"a":0.00001,"b":[5,true,null,"x"],"c":1}'
    assert json.loads(text) == {"a": 0.00001, "b": [5, True, None, "x"], "c": 1}
