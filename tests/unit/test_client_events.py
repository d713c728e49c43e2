"""bingx.events.parse_event on what the exchange should not send: odd numbers become 0,
unknown types stay readable, and nothing raises."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bingx import events


def _balance(**fields: object) -> events.Balance:
    event = events.parse_event(
        {"e": "ACCOUNT_UPDATE", "E": 1, "a": {"B": [{"a": "USDT", **fields}]}}
    )
    assert isinstance(event, events.AccountUpdate) and not isinstance(event, events.UnknownEvent)
    (balance,) = event.balances
    return balance


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("12.5", Decimal("12.5")),
        (7, Decimal(7)),
        (0.25, Decimal("0.25")),
        ("not a number", Decimal(0)),
        ("", Decimal(0)),
        (True, Decimal(0)),
        (None, Decimal(0)),
        ([1], Decimal(0)),
        # Too long for str(): ValueError inside, 0 outside.
        pytest.param(10**5000, Decimal(0), id="int-too-long-to-print"),
    ],
)
def test_money_fields_read_what_is_a_number_and_zero_otherwise(sent: object, read: Decimal) -> None:
    assert _balance(wb=sent).wallet_balance == read


@pytest.mark.parametrize(
    ("sent", "read"),
    [(2**62 + 1, 2**62 + 1), ("42", 42), ("x", 0), (1e400, 0), (2**64, 0), (None, 0)],
)
def test_ids_read_64_bit_integers_and_zero_otherwise(sent: object, read: int) -> None:
    event = events.parse_event({"e": "ORDER_TRADE_UPDATE", "E": 1, "o": {"i": sent}})
    assert isinstance(event, events.OrderUpdate) and event.order_id == read


def test_an_event_type_this_client_does_not_model_stays_readable() -> None:
    event = events.parse_event({"e": "TRADE_LITE", "E": 5, "x": 1})
    assert type(event) is events.UnknownEvent
    assert (event.type, event.event_time, event.problem, event.raw["x"]) == ("TRADE_LITE", 5, "", 1)
    untyped = events.parse_event({"E": 6})
    assert type(untyped) is events.UnknownEvent and untyped.type == "unknown"


def test_a_known_type_with_a_malformed_body_says_what_was_wrong() -> None:
    event = events.parse_event({"e": "ACCOUNT_UPDATE", "E": 7, "a": {"B": 1}})
    assert type(event) is events.UnknownEvent
    assert event.type == "ACCOUNT_UPDATE" and event.event_time == 7
    assert event.problem == "TypeError: expected a list of objects, got int"


def test_an_error_frame_is_a_stream_error() -> None:
    event = events.parse_event({"code": 80014, "msg": "unexpected message", "id": "x"})
    assert isinstance(event, events.StreamError)
    assert (event.code, event.msg) == (80014, "unexpected message")


def test_an_order_update_types_the_trigger_and_fill_fields() -> None:
    from bingx_sim import events as build

    frame = build.order_trade_update(
        status="PARTIALLY_FILLED",
        last_filled_price="64010.5",
        cumulative_quote="640.105",
        trigger_price="63000",
        reduce_only=True,
        working_type="CONTRACT_PRICE",
    )
    parsed = events.parse_event(frame)
    assert isinstance(parsed, events.OrderUpdate)
    assert (parsed.last_filled_price, parsed.cumulative_quote, parsed.trigger_price) == (
        Decimal("64010.5"),
        Decimal("640.105"),
        Decimal("63000"),
    )
    assert parsed.reduce_only and parsed.working_type == "CONTRACT_PRICE"
    old = events.parse_event({"e": "ORDER_TRADE_UPDATE", "E": 1, "o": {"s": "BTC-USDT", "i": 1}})
    assert isinstance(old, events.OrderUpdate)  # a 2023 frame without them: zeros and False
    assert (old.cumulative_quote, old.trigger_price, old.reduce_only) == (
        Decimal(0),
        Decimal(0),
        False,
    )
