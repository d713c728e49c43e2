"""Event builders use the exchange's field names and types (``docs/contract.md``)."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from bingx_sim import events


def test_account_update_shape() -> None:
    event = events.account_update(event_time=1)
    assert (event["e"], event["E"], event["T"]) == ("ACCOUNT_UPDATE", 1, 1)
    assert set(event["a"]) == {"m", "B", "P"}
    assert set(event["a"]["B"][0]) == {"a", "wb", "cw", "bc"}
    assert set(event["a"]["P"][0]) == {"s", "pa", "ep", "up", "mt", "iw", "ps", "cr"}
    assert all(isinstance(v, str) for v in event["a"]["B"][0].values())  # money is a string


def test_order_trade_update_has_a_big_integer_id_and_string_money() -> None:
    order = events.order_trade_update()["o"]
    assert isinstance(order["i"], int) and order["i"] > 2**53
    assert {
        "s",
        "c",
        "i",
        "S",
        "o",
        "q",
        "p",
        "ap",
        "x",
        "X",
        "N",
        "n",
        "T",
        "wt",
        "ps",
        "rp",
        "z",
        "l",
        "L",
        "Z",
        "sp",
        "ro",
    } <= set(order)
    assert isinstance(order["q"], str)
    assert events.order_trade_update()["o"]["i"] != order["i"]


def test_order_trade_update_defaults_for_cost_trigger_and_reduce_only() -> None:
    order = events.order_trade_update()["o"]
    # Z = z * ap, written as swap money is; no trigger; not reduce-only; L = ap
    assert (order["z"], order["ap"], order["Z"]) == ("0.01000000", "64000.00000000", "640.00000000")
    assert (order["sp"], order["ro"], order["L"]) == ("0", False, order["ap"])
    resting = events.order_trade_update(execution_type="NEW", status="NEW")["o"]
    assert (resting["z"], resting["l"], resting["Z"]) == ("0.00000000", "0.00000000", "0.00000000")
    partial = events.order_trade_update(
        status="PARTIALLY_FILLED", filled_quantity="0.004", average_price="64010.5"
    )["o"]
    assert partial["Z"] == "256.04200000"


def test_order_trade_update_takes_what_the_account_model_knows() -> None:
    order = events.order_trade_update(
        order_type="STOP_MARKET",
        order_id="1711312357852147712",
        cumulative_quote="12.50000000",
        trigger_price="63000.00000000",
        reduce_only=True,
        last_filled_price="64001.00000000",
    )["o"]
    assert order["i"] == "1711312357852147712"
    assert (order["Z"], order["sp"], order["ro"]) == ("12.50000000", "63000.00000000", True)
    assert (order["L"], order["ap"]) == ("64001.00000000", "64000.00000000")


def test_order_trade_update_cannot_guess_a_cost_from_non_numbers() -> None:
    with pytest.raises(ValueError, match="cumulative_quote"):
        events.order_trade_update(average_price="")
    assert events.order_trade_update(average_price="", cumulative_quote="0")["o"]["Z"] == "0"


def test_coinm_builders_name_coinm_symbols() -> None:
    assert events.coinm_account_update()["a"]["P"][0]["s"] == "BTC-USD"
    assert events.coinm_order_trade_update()["o"]["s"] == "BTC-USD"
    assert events.coinm_account_config_update()["ac"]["s"] == "BTC-USD"
    assert events.coinm_config_snapshot()["ac"]["s"] == "BTC-USD"
    assert events.coinm_account_config_update(event_time=5)["e"] == "ACCOUNT_CONFIG_UPDATE"
    assert events.coinm_config_snapshot(event_time=5)["e"] == "SNAPSHOT"


def test_coinm_order_trade_update_sends_z_only_when_told() -> None:
    """z * ap is not an inverse contract's quote value, so coin-M does not guess one."""
    assert "Z" not in events.coinm_order_trade_update()["o"]
    told = events.coinm_order_trade_update(cumulative_quote="0.00015625")["o"]
    assert told["Z"] == "0.00015625" and (told["sp"], told["ro"]) == ("0", False)
    assert "Z" not in events.coinm_order_trade_update(average_price="")["o"]


def test_config_update_uses_numbers() -> None:
    event = events.account_config_update(long_leverage=12, short_leverage=9)
    assert event["ac"] == {"s": "BTC-USDT", "l": 12, "S": 9, "mt": "cross"}


def test_listen_key_expired_and_default_time_follows_the_freeze() -> None:
    with freeze_time("2024-01-01"):
        event = events.listen_key_expired("k")
    assert event == {"e": "listenKeyExpired", "E": 1704067200000, "listenKey": "k"}


def test_spot_events() -> None:
    report = events.spot_execution_report()
    assert report["e"] == "executionReport" and isinstance(report["q"], float)
    assert isinstance(report["i"], int) and report["i"] > 2**53 and "C" in report
    assert (
        events.spot_execution_report(order_id="1702245001712369664")["i"] == "1702245001712369664"
    )
    update = events.spot_account_update(reason="INIT")
    assert update["a"]["m"] == "INIT" and "P" not in update["a"] and "lk" in update["a"]["B"][0]
