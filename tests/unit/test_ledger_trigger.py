"""USDT-M ``TRIGGER_MARKET`` (what ccxt sends for ``create_order(..., {"stopPrice": ..})``
or ``triggerPrice``): a market order that fires when the trigger price is reached from
where the price was when it was placed, in either direction; mandatory ``quantity`` and
``stopPrice`` (BingX's place-order page); ``workingType`` picks the mark or last price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bingx_sim.ledger import Ledger, OrderRequest, Refused, render
from bingx_sim.schemas import validate

D = Decimal
KEY = "key-1"


def ledger(mode: str = "hedge") -> Ledger:
    book = Ledger(position_mode=mode)  # type: ignore[arg-type]
    book.open_account(KEY, {"USDT": "10000"})
    book.set_price("BTC-USDT", "50000", now_ms=1)
    return book


def trigger(side: str = "BUY", stop: str = "52000", **fields: Any) -> OrderRequest:
    fields.setdefault("position_side", "LONG")
    return OrderRequest(
        "BTC-USDT", side, "TRIGGER_MARKET", quantity=D("0.1"), stop_price=D(stop), **fields
    )


def kinds(effects: list[Any]) -> list[str]:
    out = []
    for _, product, event in effects:
        validate(event, product=product)
        if event["e"] == "ORDER_TRADE_UPDATE":
            out.append(f"OTU {event['o']['x']}/{event['o']['X']}")
        else:
            out.append(f"AU {event['a']['m']}")
    return out


@pytest.mark.parametrize(
    ("stop", "fires_at", "stays_at"), [("52000", "52000", "51999"), ("48000", "48000", "48001")]
)
def test_a_trigger_fires_in_the_direction_it_was_placed_in(
    stop: str, fires_at: str, stays_at: str
) -> None:
    book = ledger()
    placed, effects = book.place_order(KEY, trigger(stop=stop), now_ms=2)
    assert kinds(effects) == ["OTU NEW/NEW"]
    assert (
        effects[0][2]["o"]["o"] == "TRIGGER_MARKET"
        and effects[0][2]["o"]["sp"] == f"{stop}.00000000"
    )
    assert render.rest_status(book, placed) == "NEW"  # an untriggered conditional
    assert book.frozen_margin(book.accounts[KEY]) == 0  # it holds nothing until it fires
    assert book.set_price("BTC-USDT", stays_at, now_ms=3) == []
    effects = book.set_price("BTC-USDT", fires_at, now_ms=4)
    assert kinds(effects) == ["AU ORDER", "OTU TRADE/FILLED"]
    assert effects[1][2]["o"]["L"] == f"{fires_at}.00000000"  # a market fill at the last price
    [position] = book.positions(KEY)
    assert position.qty == D("0.1")


def test_a_trigger_at_the_current_price_fires_at_once() -> None:
    book = ledger()
    placed, effects = book.place_order(KEY, trigger(stop="50000"), now_ms=2)
    assert placed.status == "FILLED"
    assert kinds(effects) == ["OTU NEW/NEW", "AU ORDER", "OTU TRADE/FILLED"]


def test_a_trigger_follows_the_last_price_with_contract_price() -> None:
    book = ledger()
    book.place_order(KEY, trigger(stop="51000", working_type="CONTRACT_PRICE"), now_ms=2)
    assert book.set_price("BTC-USDT", "52000", last="50500", now_ms=3) == []  # the mark moved
    assert (
        kinds(book.set_price("BTC-USDT", "50000", last="51000", now_ms=4))[-1] == "OTU TRADE/FILLED"
    )


def test_a_closing_trigger_needs_a_position_and_closes_it() -> None:
    book = ledger()
    with pytest.raises(Refused) as caught:
        book.place_order(KEY, trigger("SELL", "45000"), now_ms=2)
    assert caught.value.error.code == 101205
    book.place_order(
        KEY,
        OrderRequest("BTC-USDT", "BUY", "MARKET", quantity=D("0.1"), position_side="LONG"),
        now_ms=3,
    )
    book.place_order(KEY, trigger("SELL", "45000"), now_ms=4)
    effects = book.set_price("BTC-USDT", "44000", now_ms=5)
    assert kinds(effects)[-1] == "OTU TRADE/FILLED"
    assert book.positions(KEY) == []


def test_a_trigger_needs_its_stop_price_and_cannot_close_the_whole_position() -> None:
    book = ledger("oneway")
    before = book.snapshot()
    for request, says in (
        (OrderRequest("BTC-USDT", "BUY", "TRIGGER_MARKET", quantity=D("0.1")), "stopPrice is must"),
        (
            OrderRequest(
                "BTC-USDT", "SELL", "TRIGGER_MARKET", stop_price=D(1), close_position=True
            ),
            "closePosition only supports STOP_MARKET and TAKE_PROFIT_MARKET",
        ),
    ):
        with pytest.raises(Refused) as caught:
            book.place_order(KEY, request, now_ms=2)
        assert caught.value.error.code == 109400 and says in caught.value.error.msg
    assert book.snapshot() == before


def test_a_fired_opening_trigger_the_margin_no_longer_covers_is_cancelled() -> None:
    book = ledger()
    placed, _ = book.place_order(KEY, trigger(stop="52000"), now_ms=2)
    book.withdraw(KEY, "USDT", "9999", now_ms=3)
    effects = book.set_price("BTC-USDT", "52000", now_ms=4)
    assert kinds(effects) == ["OTU CANCELED/CANCELED"]
    assert book.accounts[KEY].orders[placed.order_id].status == "CANCELED"
