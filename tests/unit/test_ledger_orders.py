"""The ledger's order operations: fills, fees, positions, margin, and the events they push
(``docs/account-model.md``). Every event is checked against the shipped JSON schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bingx_sim.ledger import Effect, Ledger, OrderRequest, Refused
from bingx_sim.schemas import validate

D = Decimal
KEY = "key-1"


def frames(effects: list[Effect]) -> list[dict[str, Any]]:
    """The events, each validated against its schema, all for the swap product."""
    for api_key, product, event in effects:
        assert product == "swap" and isinstance(api_key, str)
        validate(event, product="swap")
    return [event for _, _, event in effects]


def kinds(effects: list[Effect]) -> list[str]:
    """``e`` plus, for order updates, ``x/X``: the shape of a sequence at a glance."""
    out = []
    for event in frames(effects):
        if event["e"] == "ORDER_TRADE_UPDATE":
            out.append(f"OTU {event['o']['x']}/{event['o']['X']}")
        elif event["e"] == "ACCOUNT_UPDATE":
            out.append(f"AU {event['a']['m']}")
        else:
            out.append(str(event["e"]))
    return out


def ledger(mode: str = "hedge", balance: str = "1000", **options: Any) -> Ledger:
    book = Ledger(position_mode=mode, **options)  # type: ignore[arg-type]
    book.open_account(KEY, {"USDT": balance})
    return book


def order(
    symbol: str = "BTC-USDT", side: str = "BUY", kind: str = "MARKET", **fields: Any
) -> OrderRequest:
    return OrderRequest(symbol=symbol, side=side, order_type=kind, **fields)


def refused(book: Ledger, call: Any, code: int) -> Refused:
    """Run ``call``; it must be refused with ``code`` and change nothing."""
    before = book.snapshot()
    with pytest.raises(Refused) as caught:
        call()
    assert caught.value.error.code == code, caught.value.error
    assert book.snapshot() == before
    return caught.value


def wallet(book: Ledger) -> Decimal:
    return book.accounts[KEY].wallet["USDT"]


# ================================================================================ market


def test_a_market_order_fills_at_once_as_taker_at_the_last_price() -> None:
    book = ledger()
    placed, effects = book.place_order(KEY, order(quantity=D("0.01")), now_ms=1000)
    assert kinds(effects) == ["OTU NEW/NEW", "AU ORDER", "OTU TRADE/FILLED"]
    fee = D("0.01") * D("64000") * D("0.0005")
    assert wallet(book) == D(1000) - fee
    new, update, trade = frames(effects)
    assert new["o"]["z"] == "0.00000000" and new["o"]["i"] == placed.order_id > 2**53
    assert trade["o"]["l"] == trade["o"]["z"] == "0.01000000"
    assert trade["o"]["L"] == trade["o"]["ap"] == "64000.00000000"
    assert trade["o"]["n"] == "-0.32000000" and trade["o"]["N"] == "USDT"
    assert update["a"]["B"] == [
        {"a": "USDT", "wb": "999.68000000", "cw": "999.68000000", "bc": "0.00000000"}
    ]
    [held] = update["a"]["P"]
    assert (held["pa"], held["ep"], held["ps"], held["mt"]) == (
        "0.01000000",
        "64000.00000000",
        "LONG",
        "cross",
    )
    assert all(e["E"] == 1000 for e in frames(effects))
    [position] = book.positions(KEY)
    assert position.qty == D("0.01") and position.entry == D(64000)
    account = book.accounts[KEY]
    assert book.used_margin(account) == D("0.01") * 64000 / 5
    assert book.available_margin(account) == wallet(book) - D("128")


def test_the_entry_price_is_the_vwap_and_a_close_realizes_against_it() -> None:
    book = ledger()
    book.place_order(KEY, order(quantity=D("0.01")), now_ms=1)
    book.set_price("BTC-USDT", "66000", now_ms=2)
    book.place_order(KEY, order(quantity=D("0.01")), now_ms=3)
    [position] = book.positions(KEY)
    assert position.entry == D(65000)
    book.set_price("BTC-USDT", "67000", now_ms=4)
    _, effects = book.place_order(
        KEY, order(side="SELL", quantity=D("0.015"), position_side="LONG"), now_ms=5
    )
    trade = frames(effects)[-1]
    assert trade["o"]["rp"] == "30.00000000"  # (67000 - 65000) * 0.015
    [position] = book.positions(KEY)
    assert position.qty == D("0.005") and position.entry == D(65000)


def test_one_way_crossing_zero_restarts_the_entry_price() -> None:
    book = ledger("oneway")
    book.place_order(KEY, order(quantity=D("0.01")), now_ms=1)
    book.set_price("BTC-USDT", "63000", now_ms=2)
    _, effects = book.place_order(KEY, order(side="SELL", quantity=D("0.03")), now_ms=3)
    update, trade = frames(effects)[1:]
    assert trade["o"]["rp"] == "-10.00000000"
    assert update["a"]["P"][0]["pa"] == "-0.02000000"
    assert update["a"]["P"][0]["ps"] == "BOTH"
    [position] = book.positions(KEY)
    assert position.qty == D("-0.02") and position.entry == D(63000)


def test_quote_order_qty_buys_what_the_quote_amount_pays_for() -> None:
    book = ledger()
    placed, _ = book.place_order(KEY, order(quote_order_qty=D("100")), now_ms=1)
    assert placed.orig_qty == D("0.0015")  # floor(100 / 64000, 4 decimals)


# ================================================================================= limit


def test_a_resting_limit_freezes_margin_and_fills_as_maker_when_crossed() -> None:
    book = ledger()
    placed, effects = book.place_order(
        KEY, order(kind="LIMIT", price=D("63000"), quantity=D("0.01")), now_ms=1
    )
    assert kinds(effects) == ["OTU NEW/NEW"]
    account = book.accounts[KEY]
    frozen = D("630") / 5 + D("630") * D("0.0002")
    assert book.frozen_margin(account) == frozen
    assert book.available_margin(account) == D(1000) - frozen
    assert book.set_price("BTC-USDT", "63500", now_ms=2) == []
    effects = book.set_price("BTC-USDT", "62900", now_ms=3)
    assert kinds(effects) == ["AU ORDER", "OTU TRADE/FILLED"]
    trade = frames(effects)[-1]
    assert trade["o"]["L"] == "63000.00000000"  # its own price, not the last price
    assert trade["o"]["n"] == "-0.12600000"  # maker: 630 * 0.0002
    assert book.frozen_margin(account) == 0
    assert placed.status == "FILLED"


def test_a_marketable_limit_takes_at_the_last_price() -> None:
    book = ledger()
    _, effects = book.place_order(
        KEY, order(kind="LIMIT", price=D("65000"), quantity=D("0.01")), now_ms=1
    )
    assert kinds(effects) == ["OTU NEW/NEW", "AU ORDER", "OTU TRADE/FILLED"]
    assert frames(effects)[-1]["o"]["L"] == "64000.00000000"


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_ioc_and_fok_that_cannot_fill_expire(tif: str) -> None:
    book = ledger()
    placed, effects = book.place_order(
        KEY,
        order(kind="LIMIT", price=D("60000"), quantity=D("0.01"), time_in_force=tif),
        now_ms=1,
    )
    assert kinds(effects) == ["OTU NEW/NEW", "OTU EXPIRED/EXPIRED"]
    assert placed.status == "EXPIRED" and book.open_orders(KEY) == []


def test_post_only_that_would_take_is_refused_and_one_that_rests_is_kept() -> None:
    book = ledger()
    refused(
        book,
        lambda: book.place_order(
            KEY,
            order(kind="LIMIT", price=D("64000"), quantity=D("0.01"), time_in_force="PostOnly"),
            now_ms=1,
        ),
        101215,
    )
    placed, _ = book.place_order(
        KEY,
        order(kind="LIMIT", price=D("63999.9"), quantity=D("0.01"), time_in_force="PostOnly"),
        now_ms=2,
    )
    assert placed.is_open


def test_a_forced_partial_fill_then_the_rest() -> None:
    book = ledger()
    placed, _ = book.place_order(
        KEY, order(kind="LIMIT", price=D("63000"), quantity=D("0.01")), now_ms=1
    )
    first = book.fill(KEY, placed.order_id, "0.004", now_ms=2)[1]
    second = book.fill(KEY, placed.order_id, "0.006", now_ms=3)[1]
    assert kinds(first) == ["AU ORDER", "OTU TRADE/PARTIALLY_FILLED"]
    assert kinds(second) == ["AU ORDER", "OTU TRADE/FILLED"]
    lasts = [D(frames(e)[-1]["o"]["l"]) for e in (first, second)]
    assert sum(lasts) == D(frames(second)[-1]["o"]["z"]) == placed.executed_qty == D("0.01")


# ========================================================================== conditional


def test_a_stop_market_triggers_on_the_mark_and_fills_as_taker_at_the_last() -> None:
    book = ledger()
    book.place_order(KEY, order(quantity=D("0.01")), now_ms=1)
    stop, effects = book.place_order(
        KEY,
        order(side="SELL", kind="STOP_MARKET", stop_price=D("63000"), quantity=D("0.01"),
              position_side="LONG"),
        now_ms=2,
    )  # fmt: skip
    assert kinds(effects) == ["OTU NEW/NEW"]
    assert frames(effects)[0]["o"]["sp"] == "63000.00000000"
    assert book.set_price("BTC-USDT", "63000", last="64000", now_ms=3) != []
    assert stop.status == "FILLED" and book.positions(KEY) == []
    assert book.fills_of(KEY)[-1].price == D(64000) and not book.fills_of(KEY)[-1].maker


def test_a_contract_price_stop_ignores_the_mark() -> None:
    book = ledger()
    book.place_order(KEY, order(quantity=D("0.01")), now_ms=1)
    stop, _ = book.place_order(
        KEY,
        order(side="SELL", kind="STOP_MARKET", stop_price=D("63000"), quantity=D("0.01"),
              position_side="LONG", working_type="CONTRACT_PRICE"),
        now_ms=2,
    )  # fmt: skip
    assert book.set_price("BTC-USDT", "62000", last="63500", now_ms=3) == []
    assert stop.is_open
    effects = book.set_price("BTC-USDT", "62000", last="62999", now_ms=4)
    assert kinds(effects) == ["AU ORDER", "OTU TRADE/FILLED"]


def test_a_take_profit_with_close_position_closes_whatever_is_held() -> None:
    book = ledger()
    book.place_order(KEY, order(quantity=D("0.01")), now_ms=1)
    take, _ = book.place_order(
        KEY,
        order(side="SELL", kind="TAKE_PROFIT_MARKET", stop_price=D("66000"),
              position_side="LONG", close_position=True),
        now_ms=2,
    )  # fmt: skip
    book.place_order(KEY, order(quantity=D("0.02")), now_ms=3)
    book.set_price("BTC-USDT", "66000", now_ms=4)
    assert take.status == "FILLED" and take.executed_qty == D("0.03")
    assert book.positions(KEY) == []


@pytest.mark.parametrize(
    ("kind", "side", "stop", "code"),
    [
        ("STOP_MARKET", "SELL", "64000", 110411),
        ("STOP_MARKET", "BUY", "63000", 110412),
        ("TAKE_PROFIT_MARKET", "SELL", "63000", 110413),
    ],
)
def test_a_trigger_already_crossed_is_refused(kind: str, side: str, stop: str, code: int) -> None:
    book = ledger("oneway")
    book.place_order(KEY, order(quantity=D("0.01")), now_ms=1)
    request = order(side=side, kind=kind, stop_price=D(stop), quantity=D("0.01"))
    refused(book, lambda: book.place_order(KEY, request, now_ms=2), code)


# ========================================================================= reduce-only


def test_reduce_only_that_would_open_is_refused() -> None:
    book = ledger("oneway")
    request = order(side="SELL", quantity=D("0.01"), reduce_only=True)
    refused(book, lambda: book.place_order(KEY, request, now_ms=1), 101290)
    book.place_order(KEY, order(quantity=D("0.01")), now_ms=2)
    bigger = order(side="SELL", quantity=D("0.02"), reduce_only=True)
    refused(book, lambda: book.place_order(KEY, bigger, now_ms=3), 101290)


def test_a_resting_reduce_only_is_clipped_to_the_position_left() -> None:
    book = ledger("oneway")
    book.place_order(KEY, order(quantity=D("0.02")), now_ms=1)
    resting, _ = book.place_order(
        KEY,
        order(side="SELL", kind="LIMIT", price=D("65000"), quantity=D("0.02"), reduce_only=True),
        now_ms=2,
    )
    book.place_order(KEY, order(side="SELL", quantity=D("0.015")), now_ms=3)
    effects = book.set_price("BTC-USDT", "65000", now_ms=4)
    assert kinds(effects) == ["AU ORDER", "OTU TRADE/PARTIALLY_FILLED", "OTU CANCELED/CANCELED"]
    assert resting.executed_qty == D("0.005") and book.positions(KEY) == []


# ================================================================================ cancel


def test_cancel_pushes_canceled_and_rest_reads_cancelled() -> None:
    book = ledger()
    placed, _ = book.place_order(
        KEY,
        order(kind="LIMIT", price=D("60000"), quantity=D("0.01"), client_order_id="MyId"),
        now_ms=1,
    )
    assert placed.client_order_id == "myid"
    cancelled, effects = book.cancel_order(KEY, "BTC-USDT", client_order_id="MYID", now_ms=2)
    assert kinds(effects) == ["OTU CANCELED/CANCELED"]
    assert cancelled.status == "CANCELED" and book.frozen_margin(book.accounts[KEY]) == 0
    refused(book, lambda: book.cancel_order(KEY, "BTC-USDT", order_id=placed.order_id,
                                            now_ms=3), 109421)  # fmt: skip


@pytest.mark.parametrize(("codes", "filled", "missing"), [("2025-10", 109422, 109421),
                                                          ("legacy", 80018, 80016)])  # fmt: skip
def test_cancel_of_a_filled_or_unknown_order(codes: str, filled: int, missing: int) -> None:
    book = ledger(error_codes=codes)
    placed, _ = book.place_order(KEY, order(quantity=D("0.01")), now_ms=1)
    refused(book, lambda: book.cancel_order(KEY, "BTC-USDT", order_id=placed.order_id,
                                            now_ms=2), filled)  # fmt: skip
    refused(book, lambda: book.cancel_order(KEY, "BTC-USDT", order_id=12345, now_ms=2), missing)


def test_cancel_all_of_one_symbol() -> None:
    book = ledger()
    for price in ("60000", "61000"):
        book.place_order(KEY, order(kind="LIMIT", price=D(price), quantity=D("0.01")), now_ms=1)
    book.place_order(
        KEY, order("ETH-USDT", kind="LIMIT", price=D("3000"), quantity=D("0.1")), now_ms=1
    )
    cancelled, effects = book.cancel_all(KEY, "BTC-USDT", now_ms=2)
    assert len(cancelled) == 2 and kinds(effects) == ["OTU CANCELED/CANCELED"] * 2
    assert [o.symbol for o in book.open_orders(KEY)] == ["ETH-USDT"]


# ================================================================================ errors


def test_insufficient_margin_is_refused_and_changes_nothing() -> None:
    book = ledger(balance="100")
    request = order(quantity=D("0.01"))  # 128 USDT of margin at 5x
    error = refused(book, lambda: book.place_order(KEY, request, now_ms=1), 101204)
    assert error.error.msg == "Insufficient margin"


def test_an_unknown_symbol_is_refused_with_bingx_message() -> None:
    book = ledger()
    error = refused(
        book, lambda: book.place_order(KEY, order("CATI-USDT", quantity=D(1)), now_ms=1), 109400
    )
    assert error.error.msg.startswith("CATI-USDT,symbol not exist")


@pytest.mark.parametrize(
    ("mode", "side", "message"),
    [
        ("hedge", "BOTH", "In the Hedge mode, the 'PositionSide' field can only be set to LONG"),
        ("oneway", "LONG", "In the One-way mode, the 'PositionSide' field can only be set to BOTH"),
    ],
)
def test_the_wrong_position_side_for_the_mode(mode: str, side: str, message: str) -> None:
    book = ledger(mode)
    request = order(quantity=D("0.01"), position_side=side)
    error = refused(book, lambda: book.place_order(KEY, request, now_ms=1), 109400)
    assert error.error.msg.startswith(message)


def test_hedge_sell_without_position_side_closes_a_long_that_is_not_there() -> None:
    book = ledger()
    request = order(side="SELL", quantity=D("0.01"))
    refused(book, lambda: book.place_order(KEY, request, now_ms=1), 101205)
    reduce = order(side="SELL", quantity=D("0.01"), position_side="SHORT", reduce_only=True)
    refused(book, lambda: book.place_order(KEY, reduce, now_ms=1), 109400)


def test_a_duplicate_client_order_id_is_refused_whatever_its_case() -> None:
    book = ledger()
    book.place_order(KEY, order(quantity=D("0.001"), client_order_id="abc"), now_ms=1)
    again = order(quantity=D("0.001"), client_order_id="ABC")
    refused(book, lambda: book.place_order(KEY, again, now_ms=2), 101481)
    long_id = order(quantity=D("0.001"), client_order_id="x" * 41)
    refused(book, lambda: book.place_order(KEY, long_id, now_ms=2), 109400)


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (order(quantity=D("0.00001")), 109400),  # finer than the precision
        (order(quantity=D("0.0000")), 109400),
        (order("SOL-USDT", quantity=D("0")), 109400),
        (order("DOGE-USDT", quantity=D("10")), 101400),  # 1.5 USDT < 2 USDT
        (order(kind="LIMIT", quantity=D("0.01"), price=D("63000.05")), 109400),
        (order(kind="LIMIT", quantity=D("0.01")), 109400),
        (order(kind="TRAILING_STOP_MARKET", quantity=D("0.01")), 109400),
        (order(kind="BOGUS", quantity=D("0.01")), 109400),
        (order(side="HOLD", quantity=D("0.01")), 109400),
        (order(), 109400),
    ],
)
def test_invalid_orders_are_refused(request_: OrderRequest, code: int) -> None:
    book = ledger()
    refused(book, lambda: book.place_order(KEY, request_, now_ms=1), code)


def test_below_the_minimum_quantity() -> None:
    book = ledger(prices={"SOL-USDT": "150"})
    refused(book, lambda: book.place_order(KEY, order("ETH-USDT", quantity=D("0.001")),
                                           now_ms=1), 109400)  # fmt: skip
    book2 = Ledger(contracts=[book.contract("BTC-USDT")])
    book2.open_account(KEY, {"USDT": "1000"})
    error = refused(
        book2,
        lambda: book2.place_order(KEY, order(quote_order_qty=D("1")), now_ms=1),
        101400,
    )
    assert error.error.msg == "The minimum order amount is 0.0001 BTC."


def test_unsupported_features_say_so() -> None:
    book = ledger()
    error = refused(
        book,
        lambda: book.place_order(KEY, order(kind="TRIGGER_LIMIT", quantity=D(1)), now_ms=1),
        109400,
    )
    assert "not supported by bingx-sim" in error.error.msg and error.error.violation


def test_a_test_order_changes_nothing() -> None:
    book = ledger()
    before = book.snapshot()
    placed, effects = book.place_order(KEY, order(quantity=D("0.01")), now_ms=1, test=True)
    assert effects == [] and placed.status == "FILLED" and book.snapshot() == before
    refused(
        book,
        lambda: book.place_order(KEY, order(quantity=D("1")), now_ms=1, test=True),
        101204,
    )
