"""The ledger's account operations: transfers, funding, liquidation, leverage, margin type,
position mode and close-all, each with its events and its refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bingx_sim.ledger import Ledger, OrderRequest
from tests.unit.test_ledger_orders import KEY, frames, kinds, ledger, order, refused

D = Decimal


def long_btc(book: Ledger, qty: str = "0.01") -> None:
    side = "LONG" if book.accounts[KEY].hedge else "BOTH"
    book.place_order(KEY, order(quantity=D(qty), position_side=side), now_ms=1)


# ============================================================================= transfers


def test_deposit_and_withdraw_push_balance_changes_and_income_rows() -> None:
    book = ledger()
    balance, effects = book.deposit(KEY, "USDT", "250.5", now_ms=1)
    assert balance == D("1250.5") and kinds(effects) == ["AU DEPOSIT"]
    [event] = frames(effects)
    assert event["a"]["B"][0]["bc"] == "250.50000000" and event["a"]["P"] == []
    _, effects = book.withdraw(KEY, "USDT", "50", now_ms=2)
    assert frames(effects)[0]["a"]["B"][0]["bc"] == "-50.00000000"
    assert [r.amount for r in book.income_of(KEY, income_type="TRANSFER")] == [D("250.5"), -50]


def test_a_withdrawal_above_the_available_margin_is_refused() -> None:
    book = ledger()
    long_btc(book)
    available = book.available_margin(book.accounts[KEY])
    refused(book, lambda: book.withdraw(KEY, "USDT", available + D("0.01"), now_ms=2), 101204)
    refused(book, lambda: book.deposit(KEY, "USDT", "-1", now_ms=2), 109400)


def test_an_unknown_key_opens_an_empty_account_unless_told_not_to() -> None:
    book = Ledger()
    book.deposit("new", "USDT", "10", now_ms=1)
    assert book.accounts["new"].wallet == {"USDT": D(10)}
    strict = Ledger(auto_open=False)
    refused(strict, lambda: strict.deposit("new", "USDT", "10", now_ms=1), 100413)


# =============================================================================== funding


def test_funding_longs_pay_when_the_rate_is_positive() -> None:
    book = ledger()
    long_btc(book)
    book.open_account("short", {"USDT": "1000"})
    book.place_order("short", order(side="SELL", quantity=D("0.01"), position_side="SHORT"),
                     now_ms=1)  # fmt: skip
    before = book.accounts[KEY].wallet["USDT"]
    effects = book.funding("BTC-USDT", "0.0001", now_ms=2)
    assert kinds(effects) == ["AU FUNDING_FEE", "AU FUNDING_FEE"]
    payer, receiver = frames(effects)
    assert payer["a"]["B"][0]["bc"] == "-0.06400000" and payer["a"]["P"] == []  # cross
    assert receiver["a"]["B"][0]["bc"] == "0.06400000"
    assert book.accounts[KEY].wallet["USDT"] == before - D("0.064")
    [row] = book.income_of(KEY, income_type="FUNDING_FEE")
    assert row.amount == D("-0.064") and row.symbol == "BTC-USDT"


def test_funding_of_an_isolated_position_also_pushes_the_position() -> None:
    book = ledger()
    book.set_margin_type(KEY, "BTC-USDT", "ISOLATED", now_ms=0)
    long_btc(book)
    [event] = frames(book.funding("BTC-USDT", "-0.0001", now_ms=2))
    assert event["a"]["B"][0]["bc"] == "0.06400000"
    [held] = event["a"]["P"]
    assert held["mt"] == "isolated" and held["iw"] == "128.00000000"
    assert event["a"]["B"][0]["cw"] == fmt8(book.accounts[KEY].wallet["USDT"] - 128)


def fmt8(value: Decimal) -> str:
    return f"{value:.8f}"


# =========================================================================== liquidation


def test_liquidation_closes_at_the_mark_and_takes_the_whole_margin() -> None:
    book = ledger()
    long_btc(book)
    book.place_order(KEY, order(kind="LIMIT", price=D("60000"), quantity=D("0.01")), now_ms=2)
    before = book.accounts[KEY].wallet["USDT"]
    book.set_price("BTC-USDT", "52000", last="61000", now_ms=3)
    orders, effects = book.liquidate(KEY, "BTC-USDT", now_ms=4)
    assert kinds(effects) == ["OTU CANCELED/CANCELED", "AU ORDER", "OTU CALCULATED/FILLED"]
    trade = frames(effects)[-1]["o"]
    assert (trade["o"], trade["L"], trade["n"]) == ("LIQUIDATION", "52000.00000000", "0.00000000")
    assert trade["rp"] == "-128.00000000"  # the whole margin: 0.01 * 64000 / 5
    assert book.accounts[KEY].wallet["USDT"] == before - 128
    assert book.positions(KEY) == [] and orders[0].status == "FILLED"
    rows = {r.income_type: r.amount for r in book.income_of(KEY, symbol="BTC-USDT")}
    assert rows["REALIZED_PNL"] == D(-120) and rows["INSURANCE_CLEAR"] == D(-8)
    refused(book, lambda: book.liquidate(KEY, "BTC-USDT", now_ms=5), 101205)


# ============================================================================== settings


def test_set_leverage_pushes_a_config_update_and_changes_the_margin() -> None:
    book = ledger()
    long_btc(book)
    value, effects = book.set_leverage(KEY, "BTC-USDT", "LONG", 10, now_ms=2)
    [event] = frames(effects)
    assert value == 10 and event["e"] == "ACCOUNT_CONFIG_UPDATE"
    assert event["ac"] == {"s": "BTC-USDT", "l": 10, "S": 5, "mt": "cross"}
    assert book.used_margin(book.accounts[KEY]) == D("64")


@pytest.mark.parametrize(("side", "value"), [("BOTH", 10), ("LONG", 0), ("SHORT", 126)])
def test_set_leverage_refusals(side: str, value: int) -> None:
    book = ledger()
    refused(book, lambda: book.set_leverage(KEY, "BTC-USDT", side, value, now_ms=1), 109400)


def test_lowering_leverage_below_what_the_margin_covers_is_refused() -> None:
    book = ledger(balance="200")
    long_btc(book)  # 128 of margin at 5x
    error = refused(book, lambda: book.set_leverage(KEY, "BTC-USDT", "LONG", 2, now_ms=2),
                    109400)  # fmt: skip
    assert error.error.msg == "margin is not enough"


def test_one_way_leverage_takes_both() -> None:
    book = ledger("oneway")
    book.set_leverage(KEY, "ETH-USDT", "BOTH", 20, now_ms=1)
    account = book.accounts[KEY]
    assert book.leverage_for(account, "ETH-USDT", "SHORT") == 20


def test_margin_type_cannot_change_under_a_position_or_an_order() -> None:
    book = ledger()
    long_btc(book)
    refused(book, lambda: book.set_margin_type(KEY, "BTC-USDT", "ISOLATED", now_ms=2), 109400)
    kind, effects = book.set_margin_type(KEY, "ETH-USDT", "ISOLATED", now_ms=2)
    assert kind == "ISOLATED" and frames(effects)[0]["ac"]["mt"] == "isolated"
    refused(book, lambda: book.set_margin_type(KEY, "ETH-USDT", "SEPARATE_ISOLATED", now_ms=3),
            109400)  # fmt: skip


def test_position_mode_cannot_change_under_exposure() -> None:
    book = ledger()
    long_btc(book)
    refused(book, lambda: book.set_position_mode(KEY, "oneway", now_ms=2), 104103)
    book.close_all_positions(KEY, now_ms=3)
    mode, effects = book.set_position_mode(KEY, "oneway", now_ms=4)
    assert mode == "oneway" and effects == [] and not book.accounts[KEY].hedge


# ============================================================================= close all


@pytest.mark.parametrize("mode", ["hedge", "oneway"])
def test_close_all_positions_closes_each_with_a_market_order(mode: str) -> None:
    book = ledger(mode)
    long_btc(book)
    side = "SHORT" if mode == "hedge" else "BOTH"
    book.place_order(KEY, OrderRequest("ETH-USDT", "SELL", "MARKET", quantity=D("0.1"),
                                       position_side=side), now_ms=1)  # fmt: skip
    ids, effects = book.close_all_positions(KEY, now_ms=2)
    assert len(ids) == 2 and book.positions(KEY) == []
    assert kinds(effects) == ["OTU NEW/NEW", "AU ORDER", "OTU TRADE/FILLED"] * 2


def test_the_query_views() -> None:
    book = ledger()
    long_btc(book)
    figures = book.balance(KEY)
    assert figures.wallet == D("999.68") and figures.used == D(128) and figures.frozen == 0
    assert figures.available == figures.wallet - figures.used
    assert figures.realised == D("-0.32") and figures.equity == figures.wallet
    assert book.position_mode_of(KEY) == "hedge" and book.leverage_of(KEY, "BTC-USDT") == (5, 5)
    assert book.balance("nobody").wallet == 0 and "nobody" not in book.accounts
