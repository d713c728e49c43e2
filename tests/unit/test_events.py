"""Event builders use the exchange's field names and types (``docs/contract.md``)."""

from __future__ import annotations

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
    } <= set(order)
    assert isinstance(order["q"], str)
    assert events.order_trade_update()["o"]["i"] != order["i"]


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
    update = events.spot_account_update(reason="INIT")
    assert update["a"]["m"] == "INIT" and "P" not in update["a"] and "lk" in update["a"]["B"][0]
