"""The coin-M (inverse) ledger: contracts of a USD size margined in the coin, inverse PnL
``contracts * size * (1/entry - 1/mark)``, harmonic entries, coin fees, coin-M events and
the coin-M REST answers (``docs/account-model.md``, "Coin-M"). Property tests pin the
arithmetic to the formula; every event is checked against the coin-M schemas."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bingx_sim.ledger import (
    COINM_CONTRACTS,
    CONTRACTS,
    InverseLedger,
    OrderRequest,
    Refused,
    inverse_wire,
)
from bingx_sim.ledger.money import round_to
from bingx_sim.schemas import validate

D = Decimal
KEY = "coin-key"
SIZE = D(100)  # BTC-USD: 100 USD a contract


def book(balance: str = "1", **options: Any) -> InverseLedger:
    made = InverseLedger(**options)
    made.open_account(KEY, {"BTC": balance})
    return made


def buy(qty: int, side: str = "BUY", position_side: str = "LONG", **fields: Any) -> OrderRequest:
    return OrderRequest(
        "BTC-USD",
        side,
        fields.pop("kind", "MARKET"),
        quantity=D(qty),
        position_side=position_side,
        **fields,
    )


def frames(effects: list[tuple[str, str, dict[str, Any]]]) -> list[dict[str, Any]]:
    for api_key, product, event in effects:
        assert (api_key, product) == (KEY, "coinm")
        validate(event, product="coinm")
    return [event for _, _, event in effects]


ONE = Decimal(1)


def close(got: Decimal, expected: Decimal, scale: Decimal = ONE) -> bool:
    """Equal to the ledger's precision: 1/price does not terminate, so the ledger keeps
    28 significant digits of it, and a PnL is a small difference of two such terms."""
    return abs(got - expected) <= scale * D("1e-22")


prices = st.integers(20_000, 120_000).map(D)
quantities = st.integers(1, 50)


@settings(max_examples=60, deadline=None)
@given(entry=prices, mark=prices, qty=quantities, short=st.booleans())
def test_unrealized_pnl_is_contracts_times_size_times_the_inverse_price_move(
    entry: Decimal, mark: Decimal, qty: int, short: bool
) -> None:
    ledger = book("100")
    ledger.set_price("BTC-USD", entry, now_ms=1)
    side, position_side = ("SELL", "SHORT") if short else ("BUY", "LONG")
    ledger.place_order(KEY, buy(qty, side, position_side), now_ms=2)
    ledger.set_price("BTC-USD", mark, now_ms=3)
    [position] = ledger.positions(KEY)
    signed = -qty if short else qty
    # 1/price does not terminate: the ledger's 28 significant digits, not more
    assert close(ledger.unrealized(position), signed * SIZE * (1 / entry - 1 / mark))
    assert round_to(position.entry, 8) == entry
    account = ledger.accounts[KEY]
    assert close(ledger.position_margin(account, position), qty * SIZE / entry / 5)
    figures = ledger.balance(KEY, "BTC")
    # Coin-M's available margin counts unrealized PnL (the recorded coin-M balance).
    expected = figures.wallet + figures.unrealized - figures.used - figures.frozen
    assert close(figures.available, expected, D(100))
    assert close(figures.equity, figures.wallet + figures.unrealized, D(100))


@settings(max_examples=60, deadline=None)
@given(opened=prices, closed=prices, qty=quantities)
def test_closing_books_the_inverse_pnl_and_the_coin_fees_exactly(
    opened: Decimal, closed: Decimal, qty: int
) -> None:
    ledger = book("100")
    ledger.set_price("BTC-USD", opened, now_ms=1)
    ledger.place_order(KEY, buy(qty), now_ms=2)
    ledger.set_price("BTC-USD", closed, now_ms=3)
    _, effects = ledger.place_order(KEY, buy(qty, "SELL"), now_ms=4)
    realized = round_to(qty * SIZE * (1 / opened - 1 / closed), 8)
    fees = -round_to(qty * SIZE / opened * D("0.0005"), 8) - round_to(
        qty * SIZE / closed * D("0.0005"), 8
    )
    assert ledger.accounts[KEY].wallet["BTC"] == 100 + realized + fees
    trade = frames(effects)[-1]["o"]
    assert (D(trade["rp"]), trade["N"]) == (realized, "BTC")
    assert ledger.positions(KEY) == []


def test_the_entry_of_a_grown_position_is_the_harmonic_mean_of_its_fills() -> None:
    ledger = book("10")
    ledger.set_price("BTC-USD", "50000", now_ms=1)
    ledger.place_order(KEY, buy(10), now_ms=2)
    ledger.set_price("BTC-USD", "60000", now_ms=3)
    ledger.place_order(KEY, buy(20), now_ms=4)
    [position] = ledger.positions(KEY)
    assert close(position.entry, D(30) / (D(10) / 50000 + D(20) / 60000))
    assert close(ledger.unrealized(position), 30 * SIZE * (1 / position.entry - D(1) / 60000))


def test_a_market_buy_pushes_coin_m_frames_with_the_fee_in_the_coin() -> None:
    ledger = book()
    ledger.set_price("BTC-USD", "64000", now_ms=1)
    order, effects = ledger.place_order(KEY, buy(10), now_ms=2)
    new, update, trade = frames(effects)
    assert (new["o"]["x"], update["a"]["m"], trade["o"]["X"]) == ("NEW", "ORDER", "FILLED")
    assert "Z" not in trade["o"] and "iw" not in update["a"]["P"][0]
    # 10 contracts x 100 USD / 64000 x 0.05 % = 0.0000078125 BTC, booked as 0.00000781
    assert (trade["o"]["n"], trade["o"]["N"]) == ("-0.00000781", "BTC")
    assert update["a"]["B"] == [
        {"a": "BTC", "wb": "0.99999219", "cw": "0.99999219", "bc": "0.00000000"}
    ]
    assert order.order_id > 1_820_000_000_000_000_000  # its own id range


def test_coin_m_refusals_name_their_product() -> None:
    ledger = book()
    with pytest.raises(Refused) as caught:
        ledger.place_order(KEY, OrderRequest("BTC-USDT", "BUY", "MARKET", quantity=D(1)), now_ms=1)
    assert "/openApi/cswap/v1/market/contracts" in caught.value.error.msg
    with pytest.raises(Refused) as caught:
        ledger.place_order(
            KEY, OrderRequest("BTC-USD", "BUY", "MARKET", quantity=D("1.5")), now_ms=1
        )
    assert "precision" in caught.value.error.msg  # whole contracts
    with pytest.raises(Refused) as caught:
        ledger.place_order(KEY, OrderRequest("ETH-USD", "BUY", "MARKET", quantity=D(0)), now_ms=1)
    assert caught.value.error.code == 109400
    with pytest.raises(Refused) as caught:
        ledger.place_order(KEY, buy(10_000), now_ms=1)  # 10 000 contracts: 3.1 BTC of margin
    assert caught.value.error.code == 101204


def test_the_minimum_is_in_contracts_and_usd() -> None:
    small = InverseLedger(
        contracts=[
            replace(COINM_CONTRACTS["BTC-USD"], trade_min_quantity=D(2), trade_min_usdt=D(500))
        ]
    )
    small.open_account(KEY, {"BTC": "1"})
    with pytest.raises(Refused) as caught:
        small.place_order(KEY, buy(1), now_ms=1)
    assert caught.value.error.msg == "The minimum order amount is 2 Cont."
    with pytest.raises(Refused) as caught:
        small.place_order(KEY, buy(3), now_ms=1)  # 300 USD < 500
    assert "greater than 500u" in caught.value.error.msg


def test_funding_and_liquidation_are_paid_in_the_coin() -> None:
    ledger = book()
    ledger.set_price("BTC-USD", "50000", now_ms=1)
    ledger.place_order(KEY, buy(10), now_ms=2)
    [funded] = frames(ledger.funding("BTC-USD", "0.001", now_ms=3))
    # a long pays rate x contracts x size / mark = 0.001 x 1000 / 50000 = 0.00002 BTC
    assert funded["a"]["B"][0]["bc"] == "-0.00002000"
    _, effects = ledger.liquidate(KEY, "BTC-USD", now_ms=4)
    assert frames(effects)[-1]["o"]["o"] == "LIQUIDATION"
    assert ledger.positions(KEY) == []


def test_the_ledger_takes_inverse_contracts_and_a_status_style_only() -> None:
    with pytest.raises(ValueError, match="inverse contracts"):
        InverseLedger(contracts=CONTRACTS)
    with pytest.raises(ValueError, match="statuses"):
        InverseLedger(statuses="lower")  # type: ignore[arg-type]
    assert InverseLedger(prices={"BTC-USD": "70000"}).prices["BTC-USD"].mark == 70000


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ("recorded", ["Pending", "Filled", "CANCELLED"]),
        ("upper", ["PENDING", "FILLED", "CANCELLED"]),
    ],
)
def test_rest_spells_statuses_as_recorded_or_in_upper_case(
    statuses: str, expected: list[str]
) -> None:
    ledger = book("10", statuses=statuses)
    ledger.set_price("BTC-USD", "50000", now_ms=1)
    resting, _ = ledger.place_order(KEY, buy(1, kind="LIMIT", price=D(40000)), now_ms=2)
    filled, _ = ledger.place_order(KEY, buy(1), now_ms=3)
    assert inverse_wire.rest_status(ledger, resting) == expected[0]
    assert inverse_wire.rest_status(ledger, filled) == expected[1]
    ledger.cancel_order(KEY, "BTC-USD", order_id=resting.order_id, now_ms=4)
    assert inverse_wire.rest_status(ledger, resting) == expected[2]


def test_an_isolated_coin_m_position_closes_to_an_empty_entry() -> None:
    ledger = book()
    ledger.set_margin_type(KEY, "BTC-USD", "ISOLATED", now_ms=1)
    ledger.place_order(KEY, buy(10), now_ms=2)
    _, effects = ledger.place_order(KEY, buy(10, "SELL"), now_ms=3)
    closed = frames(effects)[1]["a"]["P"][0]
    assert (closed["pa"], closed["ep"], closed["mt"]) == ("0.00000000", "0.00000000", "isolated")
