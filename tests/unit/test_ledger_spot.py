"""The spot ledger: free and locked per asset, MARKET (a buy by quote, a sell by
quantity) and LIMIT orders, truncation, fees in the asset received, spot's own error
codes, and the events it pushes (``docs/account-model.md``, "Spot"). Every event is
checked against the shipped schema as a spot socket would receive it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from bingx_sim.ledger import Refused, SpotLedger, SpotOrderRequest
from bingx_sim.ledger.spot import SPOT_SYMBOLS, SpotAccount
from bingx_sim.rules.event_types import SPOT_TOPICS, frame_for
from bingx_sim.schemas import validate

D = Decimal
KEY = "spot-key"
Effect = tuple[str, str, dict[str, Any]]


def frames(effects: list[Effect]) -> list[dict[str, Any]]:
    """The events as a subscribed spot socket receives them, each schema-checked."""
    out = []
    for api_key, product, event in effects:
        assert (api_key, product) == (KEY, "spot")
        frame = frame_for(event, "spot", SPOT_TOPICS, "spot")
        assert frame is not None
        validate(frame, product="spot")
        out.append(event)
    return out


def kinds(effects: list[Effect]) -> list[str]:
    return [
        f"ER {e['x']}/{e['X']}" if e["e"] == "executionReport" else f"AU {e['a']['m']}"
        for e in frames(effects)
    ]


def book(**balances: str) -> SpotLedger:
    made = SpotLedger()
    made.open_account(KEY, balances or {"USDT": "10000"})
    made.set_price("BTC-USDT", "50000", now_ms=1)
    return made


def order(side: str = "BUY", kind: str = "LIMIT", **fields: Any) -> SpotOrderRequest:
    return SpotOrderRequest(
        symbol=fields.pop("symbol", "BTC-USDT"), side=side, order_type=kind, **fields
    )


def refused(ledger: SpotLedger, call: Any, code: int, says: str = "") -> Refused:
    before = ledger.snapshot()
    with pytest.raises(Refused) as caught:
        call()
    assert caught.value.error.code == code, caught.value.error
    assert says in caught.value.error.msg
    assert ledger.snapshot() == before
    return caught.value


def wallet(ledger: SpotLedger, asset: str) -> tuple[Decimal, Decimal]:
    account = ledger.accounts[KEY]
    return account.free.get(asset, D(0)), account.locked.get(asset, D(0))


def test_a_market_buy_spends_its_quote_and_pays_the_fee_in_the_coin_it_buys() -> None:
    ledger = book()
    placed, effects = ledger.place_order(
        KEY, order(kind="MARKET", quote_order_qty=D("1000")), now_ms=2
    )
    # floor(1000 / 50000, 5 decimals) = 0.02 BTC for 1000 USDT; 0.1 % of 0.02 BTC is the fee
    assert (placed.status, placed.executed_qty, placed.orig_qty) == ("FILLED", D("0.02"), D(0))
    assert wallet(ledger, "USDT") == (D("9000"), D(0))
    assert wallet(ledger, "BTC") == (D("0.01998"), D(0))
    assert kinds(effects) == ["ER NEW/NEW", "AU ORDER", "ER TRADE/FILLED"]
    trade = effects[2][2]
    # As the real frame of a market buy by quote: q 0, Q the quote, fee in the coin.
    assert (trade["q"], trade["Q"], trade["l"], trade["z"], trade["L"]) == (
        0,
        1000,
        0.02,
        0.02,
        50000,
    )
    assert (trade["n"], trade["N"], trade["Z"], trade["Y"], trade["m"]) == (
        -2e-05,
        "BTC",
        1000,
        1000,
        False,
    )
    assert trade["t"] > 0 and trade["T"] == 2 and trade["O"] == 2
    balances = {b["a"]: b for b in effects[1][2]["a"]["B"]}
    assert balances["BTC"] == {"a": "BTC", "bc": "0", "cw": "0.01998", "lk": "0", "wb": "0.01998"}


def test_a_market_buy_keeps_the_quote_it_could_not_spend() -> None:
    ledger = book()
    ledger.set_price("BTC-USDT", "62308", now_ms=2)
    placed, _ = ledger.place_order(KEY, order(kind="MARKET", quote_order_qty=D("5")), now_ms=3)
    # 5 / 62308 = 0.0000802...: 0.00008 BTC (5 decimals) for 4.98464 USDT
    assert placed.executed_qty == D("0.00008")
    assert wallet(ledger, "USDT")[0] == D("10000") - D("0.00008") * 62308


def test_a_market_sell_receives_the_quote_less_the_fee() -> None:
    ledger = book(BTC="1")
    placed, effects = ledger.place_order(KEY, order("SELL", "MARKET", quantity=D("0.5")), now_ms=2)
    assert placed.status == "FILLED" and placed.fee_asset == "USDT"
    assert wallet(ledger, "BTC") == (D("0.5"), D(0))
    assert wallet(ledger, "USDT") == (D("25000") - D("25"), D(0))  # 0.1 % of 25000
    assert effects[2][2]["N"] == "USDT" and effects[2][2]["n"] == -25


def test_a_market_buy_by_quantity_uses_the_quantity_first() -> None:
    ledger = book()
    request = order(kind="MARKET", quote_order_qty=D("9999"), quantity=D("0.01"))
    placed, _ = ledger.place_order(KEY, request, now_ms=2)
    assert placed.executed_qty == D("0.01") and placed.orig_qty == D("0.01")


def test_a_resting_limit_locks_its_notional_and_fills_as_maker_when_the_price_reaches_it() -> None:
    ledger = book()
    placed, effects = ledger.place_order(KEY, order(quantity=D("0.1"), price=D("49000")), now_ms=2)
    assert placed.status == "PENDING"
    assert kinds(effects) == ["ER NEW/PENDING", "AU ORDER"]
    assert effects[1][2]["a"]["B"] == [
        {"a": "USDT", "bc": "0", "cw": "10000", "lk": "4900", "wb": "10000"}
    ]
    assert wallet(ledger, "USDT") == (D("5100"), D("4900"))
    assert ledger.set_price("BTC-USDT", "49500", now_ms=3) == []
    effects = ledger.set_price("BTC-USDT", "48000", now_ms=4)
    assert kinds(effects) == ["AU ORDER", "ER TRADE/FILLED"]
    assert effects[1][2]["L"] == 49000 and effects[1][2]["m"] is True
    assert wallet(ledger, "USDT") == (D("5100"), D(0))
    assert wallet(ledger, "BTC") == (D("0.0999"), D(0))


def test_a_resting_sell_locks_the_coin_and_a_cancel_unlocks_it() -> None:
    ledger = book(BTC="1")
    placed, _ = ledger.place_order(
        KEY, order("SELL", quantity=D("0.4"), price=D("60000")), now_ms=2
    )
    assert wallet(ledger, "BTC") == (D("0.6"), D("0.4"))
    cancelled, effects = ledger.cancel_order(KEY, "BTC-USDT", order_id=placed.order_id, now_ms=3)
    assert cancelled.status == "CANCELED"
    assert kinds(effects) == ["ER CANCELED/CANCELED", "AU ORDER"]
    assert wallet(ledger, "BTC") == (D("1"), D(0))
    refused(
        ledger,
        lambda: ledger.cancel_order(KEY, "BTC-USDT", order_id=placed.order_id, now_ms=4),
        100400,
        "CANCELLED already",
    )


def test_a_marketable_limit_fills_at_once_at_the_last_price_as_taker() -> None:
    ledger = book()
    placed, effects = ledger.place_order(KEY, order(quantity=D("0.1"), price=D("51000")), now_ms=2)
    assert placed.status == "FILLED" and placed.avg_price == 50000
    assert kinds(effects) == ["ER NEW/PENDING", "AU ORDER", "ER TRADE/FILLED"]
    assert wallet(ledger, "USDT") == (D("5000"), D(0))


@pytest.mark.parametrize("tif", ["IOC", "FOK"])
def test_an_ioc_or_fok_that_cannot_fill_is_cancelled_without_locking(tif: str) -> None:
    ledger = book()
    placed, effects = ledger.place_order(
        KEY, order(quantity=D("0.1"), price=D("40000"), time_in_force=tif), now_ms=2
    )
    assert placed.status == "CANCELED"
    assert kinds(effects) == ["ER NEW/PENDING", "ER CANCELED/CANCELED"]
    assert wallet(ledger, "USDT") == (D("10000"), D(0))


def test_a_post_only_that_would_take_is_refused_and_one_that_rests_is_placed() -> None:
    ledger = book()
    refused(
        ledger,
        lambda: ledger.place_order(
            KEY, order(quantity=D("0.1"), price=D("50000"), time_in_force="PostOnly"), now_ms=2
        ),
        100400,
        "PostOnly",
    )
    placed, _ = ledger.place_order(
        KEY, order(quantity=D("0.1"), price=D("40000"), time_in_force="PostOnly"), now_ms=2
    )
    assert placed.status == "PENDING" and placed.time_in_force == "PostOnly"


def test_extra_precision_is_truncated_not_refused() -> None:
    ledger = book()
    placed, _ = ledger.place_order(
        KEY, order(quantity=D("0.123456789"), price=D("40000.129")), now_ms=2
    )
    assert (placed.orig_qty, placed.price) == (D("0.12345"), D("40000.12"))
    by_quote, _ = ledger.place_order(
        KEY, order(quote_order_qty=D("100"), price=D("40000")), now_ms=3
    )
    assert by_quote.orig_qty == D("0.0025")


def test_partial_fills_by_hand_keep_the_rest_locked() -> None:
    ledger = book()
    placed, _ = ledger.place_order(KEY, order(quantity=D("0.1"), price=D("49000")), now_ms=2)
    order_id = placed.order_id
    _, effects = ledger.fill(KEY, order_id, "0.03", now_ms=3)
    assert kinds(effects) == ["AU ORDER", "ER TRADE/PARTIALLY_FILLED"]
    assert wallet(ledger, "USDT") == (D("5100"), D("3430"))  # 0.07 x 49000 still locked
    _, effects = ledger.fill(KEY, order_id, "0.07", "48000", now_ms=4)  # a better price
    assert kinds(effects)[-1] == "ER TRADE/FILLED"
    assert wallet(ledger, "USDT") == (D("5100") + D("0.07") * 1000, D(0))  # the saving is freed
    refused(ledger, lambda: ledger.fill(KEY, order_id, "0.01", now_ms=5), 100404)
    again, _ = ledger.place_order(KEY, order(quantity=D("0.1"), price=D("49000")), now_ms=6)
    for qty, price in (
        ("0", None),
        ("0.2", None),
        ("0.000001", None),
        ("0.01", "49500"),
        ("0.01", "-1"),
    ):
        refused(
            ledger, lambda q=qty, p=price: ledger.fill(KEY, again.order_id, q, p, now_ms=7), 100400
        )
    refused(ledger, lambda: ledger.fill("nobody", again.order_id, "0.01", now_ms=7), 100404)


@pytest.mark.parametrize(
    ("request_", "code", "says"),
    [
        (order(symbol="NOPE-USDT", quantity=D(1), price=D(1)), 100421, "contract not exist"),
        (order(side="HOLD", quantity=D(1), price=D(1)), 100400, "side"),
        (order(kind="TRIGGER_MARKET", quantity=D(1)), 100400, "not supported by bingx-sim"),
        (order(kind="OCO", quantity=D(1)), 100400, "not a valid order type"),
        (order(quantity=D(1), price=D(1), time_in_force="GTD"), 100400, "timeInForce"),
        (
            order(quantity=D(1), price=D(1), client_order_id="no-hyphens"),
            100400,
            "newClientOrderId",
        ),
        (order(quantity=D("0.1")), 100400, "lte 0"),
        (order(quantity=D("0.1"), price=D("0.001")), 100400, "lte 0"),
        (order(price=D(49000)), 100400, "quantity or quoteOrderQty"),
        (order(quantity=D("0.000001"), price=D(49000)), 100400, "volume and value is 0.0"),
        (order(quote_order_qty=D("0.0001"), price=D(49000)), 100400, "volume and value is 0.0"),
        (order(quantity=D("0.0001"), price=D(49000)), 100400, "minVolume:5, entrustVolume: 4.9"),
        (order(kind="MARKET", quantity=D("0.01")), 100400, "quoteOrderQty is required"),
        (order(kind="MARKET", quote_order_qty=D("0")), 100400, "volume and value is 0.0"),
        (order(kind="MARKET", quote_order_qty=D("0.0001")), 100400, "volume and value is 0.0"),
        (order(kind="MARKET", quote_order_qty=D("4")), 100400, "entrust volume too low"),
        (order("SELL", "MARKET", quote_order_qty=D("100")), 100400, "quantity is required"),
        (order(kind="MARKET", quote_order_qty=D("10001")), 100202, "Insufficient assets"),
        (order(quantity=D("1"), price=D("49000")), 100202, "Insufficient assets"),
        (order("SELL", quantity=D("1"), price=D("49000")), 100202, "Insufficient assets"),
    ],
)
def test_refusals_answer_spot_codes_and_change_nothing(
    request_: SpotOrderRequest, code: int, says: str
) -> None:
    ledger = book()
    refused(ledger, lambda: ledger.place_order(KEY, request_, now_ms=2), code, says)


def test_client_ids_are_unique_and_find_their_order() -> None:
    ledger = book()
    placed, _ = ledger.place_order(
        KEY, order(quantity=D("0.1"), price=D("40000"), client_order_id="Bot_1"), now_ms=2
    )
    refused(
        ledger,
        lambda: ledger.place_order(
            KEY, order(quantity=D("0.1"), price=D("40000"), client_order_id="Bot_1"), now_ms=3
        ),
        100400,
        "already been used",
    )
    assert ledger.find_order(KEY, "BTC-USDT", client_order_id="Bot_1") == placed
    with pytest.raises(Refused) as caught:
        ledger.find_order(KEY, "ETH-USDT", order_id=placed.order_id)
    assert caught.value.error.code == 100404
    with pytest.raises(Refused) as caught:
        ledger.find_order(KEY, "NOPE-USDT", order_id=placed.order_id)
    assert caught.value.error.code == 100204
    refused(ledger, lambda: ledger.cancel_order("nobody", "BTC-USDT", order_id=1, now_ms=3), 100400)
    refused(
        ledger,
        lambda: ledger.cancel_order(KEY, "ETH-USDT", order_id=placed.order_id, now_ms=3),
        100400,
    )


def test_cancel_all_cancels_the_open_orders_of_a_symbol_or_all() -> None:
    ledger = book(BTC="1", ETH="10")
    ledger.place_order(KEY, order("SELL", quantity=D("0.1"), price=D("60000")), now_ms=2)
    ledger.place_order(
        KEY, order("SELL", symbol="ETH-USDT", quantity=D("1"), price=D("4000")), now_ms=3
    )
    cancelled, effects = ledger.cancel_all(KEY, "ETH-USDT", now_ms=4)
    assert [o.symbol for o in cancelled] == ["ETH-USDT"] and len(effects) == 2
    cancelled, _ = ledger.cancel_all(KEY, now_ms=5)
    assert [o.symbol for o in cancelled] == ["BTC-USDT"]
    assert ledger.cancel_all("nobody", now_ms=6) == ([], [])
    with pytest.raises(Refused):
        ledger.cancel_all(KEY, "NOPE-USDT", now_ms=6)


def test_deposits_and_withdrawals_move_free_and_push_their_reason() -> None:
    ledger = SpotLedger()
    balance, effects = ledger.deposit(KEY, "USDT", "100.5", now_ms=1)  # opens the wallet
    assert balance == D("100.5") and kinds(effects) == ["AU DEPOSIT"]
    assert effects[0][2]["a"]["B"][0]["bc"] == "100.5"
    balance, effects = ledger.withdraw(KEY, "USDT", "0.5", now_ms=2)
    assert balance == 100 and effects[0][2]["a"]["B"][0]["bc"] == "-0.5"
    refused(ledger, lambda: ledger.withdraw(KEY, "USDT", "101", now_ms=3), 100202)
    refused(ledger, lambda: ledger.withdraw(KEY, "USDT", "-1", now_ms=3), 100400)
    refused(ledger, lambda: ledger.deposit(KEY, "USDT", "lots", now_ms=3), 100400)
    refused(ledger, lambda: ledger.deposit("new", "USDT", "0", now_ms=3), 100400)
    assert "new" not in ledger.accounts


def test_the_wallet_balance_knob_says_what_wb_reports() -> None:
    ledger = SpotLedger(wallet_balance="free")
    ledger.open_account(KEY, {"USDT": "1000"})
    _, effects = ledger.place_order(KEY, order(quantity=D("0.01"), price=D("40000")), now_ms=1)
    assert effects[1][2]["a"]["B"] == [
        {"a": "USDT", "bc": "0", "cw": "600", "lk": "400", "wb": "600"}
    ]
    with pytest.raises(ValueError, match="wallet_balance"):
        SpotLedger(wallet_balance="all")  # type: ignore[arg-type]


def test_accounts_prices_and_symbols_are_checked() -> None:
    ledger = SpotLedger(prices={"BTC-USDT": "100"}, symbols=[SPOT_SYMBOLS["BTC-USDT"]])
    assert ledger.prices["BTC-USDT"].last == 100 and list(ledger.symbols) == ["BTC-USDT"]
    with pytest.raises(ValueError, match="positive"):
        SpotLedger(prices={"BTC-USDT": "0"})
    ledger.open_account(KEY)
    with pytest.raises(ValueError, match="already exists"):
        ledger.open_account(KEY)
    with pytest.raises(ValueError, match=">= 0"):
        ledger.open_account("other", {"USDT": "-1"})
    for bad in ("0", "x"):
        refused(ledger, lambda b=bad: ledger.set_price("BTC-USDT", b, now_ms=1), 100400)
    refused(ledger, lambda: ledger.set_price("NOPE-USDT", "1", now_ms=1), 100204)
    assert ledger.account("ghost") == SpotAccount(api_key="ghost", user_id="")
    strict = SpotLedger(auto_open=False)
    refused(strict, lambda: strict.deposit("ghost", "USDT", "1", now_ms=1), 100413)


def test_history_and_fills_filter_and_page() -> None:
    ledger = book()
    first, _ = ledger.place_order(KEY, order(kind="MARKET", quote_order_qty=D("100")), now_ms=10)
    second, _ = ledger.place_order(KEY, order(quantity=D("0.01"), price=D("40000")), now_ms=20)
    assert ledger.order_history(KEY) == [second, first]  # newest first
    assert ledger.order_history(KEY, status="FILLED", order_type="MARKET") == [first]
    assert ledger.order_history(KEY, start_ms=15, end_ms=25) == [second]
    assert ledger.order_history(KEY, from_order_id=second.order_id) == [second]
    assert ledger.order_history(KEY, "ETH-USDT") == []
    [fill] = ledger.fills_of(KEY, "BTC-USDT")
    assert fill.order_id == first.order_id and fill.quote == D("100")
    assert ledger.fills_of(KEY, "BTC-USDT", order_id=second.order_id) == []
    assert (
        ledger.fills_of(KEY, "BTC-USDT", start_ms=11)
        == ledger.fills_of(KEY, "BTC-USDT", end_ms=9)
        == []
    )
    assert ledger.fills_of(KEY, "BTC-USDT", from_id=fill.trade_id + 1) == []
    assert ledger.open_orders(KEY, "BTC-USDT") == [second]


def test_the_overview_lists_every_asset_the_wallet_holds() -> None:
    ledger = book(USDT="10", BTC="0.5")
    event = ledger.overview(KEY, now_ms=7)
    assert event["a"]["m"] == "INIT" and event["E"] == 7
    assert [b["a"] for b in event["a"]["B"]] == ["USDT", "BTC"]
    validate(event, product="spot")
    assert ledger.overview("nobody", now_ms=7)["a"]["B"] == []
