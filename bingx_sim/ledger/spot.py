"""The spot account model: a pure ledger of spot wallets (``free`` and ``locked`` per
asset), spot orders and fills, under last prices the test sets.

A separate wallet from USDT-M and coin-M, as on BingX: nothing here reads or moves the
futures ledgers. Pure and synchronous like :class:`~bingx_sim.ledger.Ledger`: every
mutating call takes ``now_ms``, ids come from counters with fixed starts (a range of
their own), a refusal raises :class:`~bingx_sim.ledger.codes.Refused` and changes
nothing, and success returns ``(result, effects)``, the effects being the spot stream
events (``executionReport`` and ``ACCOUNT_UPDATE``) as ``(api_key, "spot", event)``.

The rules, with their evidence (``docs/account-model.md``, "Spot"):

* MARKET: a BUY needs ``quoteOrderQty`` and buys ``floor(quote / last, step)``; a SELL
  needs ``quantity`` (BingX's place-order page). Both fill at once at the last price.
* LIMIT (GTC, IOC, FOK, PostOnly): a marketable one fills at once at the last price as
  taker; otherwise GTC/PostOnly rest and **lock** what they may spend (a BUY its
  ``quantity * price`` of the quote asset, a SELL its quantity of the base asset) and
  fill at their own price as maker once the last price reaches them; IOC/FOK leftovers
  are cancelled.
* Extra precision is **truncated**, not refused ("it will be successfully submitted
  with 0.1234", BingX's place-order page).
* Fees are taken from the asset received: the base on a buy, the quote on a sell (real
  ``executionReport`` frames: ``N:"LTC"`` on a buy, ``N:"USDT"`` on a sell).
* Money is exact :class:`~decimal.Decimal` (no rounding is booked), so ``free + locked``
  moves by exactly what the stream shows.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal

from bingx_sim import events
from bingx_sim.rules.errors import ApiError

from .codes import Refused
from .index import Ladder, open_ids
from .money import ZERO, InvalidAmount, num, plain, to_decimal
from .state import Prices

__all__ = [
    "FIRST_SPOT_ORDER_ID",
    "SPOT_OPEN_STATUSES",
    "SPOT_PRICES",
    "SPOT_SYMBOLS",
    "SpotAccount",
    "SpotCodes",
    "SpotFill",
    "SpotLedger",
    "SpotOrder",
    "SpotOrderRequest",
    "SpotSymbol",
    "SpotTotals",
    "WalletBalance",
]

Event = dict[str, Any]
Effect = tuple[str, str, Event]
PRODUCT: Final = "spot"

FIRST_SPOT_ORDER_ID: Final = 1_810_000_000_000_000_001
"""Spot order ids: 19 digits above 2**53 like BingX's, in a range of their own."""
_FIRST_SPOT_TRADE_ID: Final = 36_000_001  # spot fill ids are small integers (36767057)
_FIRST_USER_ID: Final = 1_000_001

SPOT_OPEN_STATUSES: Final = frozenset({"NEW", "PENDING", "PARTIALLY_FILLED"})
_UNSUPPORTED: Final = frozenset(
    {"TAKE_STOP_LIMIT", "TAKE_STOP_MARKET", "TRIGGER_LIMIT", "TRIGGER_MARKET"}
)
_TIME_IN_FORCE: Final = frozenset({"GTC", "IOC", "FOK", "PostOnly"})
_CLIENT_ID: Final = re.compile(r"[A-Za-z0-9_]{1,40}")

WalletBalance = Literal["total", "free"]


# =========================================================================== symbols


@dataclass(frozen=True, slots=True)
class SpotSymbol:
    """One spot pair: the row ``GET /openApi/spot/v1/common/symbols`` answers (wire names
    in comments) and the rules its orders are checked against, plus its fee rates."""

    symbol: str  # symbol, BASE-QUOTE
    min_qty: Decimal  # minQty (deprecated by BingX: minNotional / price)
    max_qty: Decimal  # maxQty (deprecated by BingX: maxNotional / price)
    min_notional: Decimal  # minNotional
    max_notional: Decimal  # maxNotional
    tick_size: Decimal  # tickSize
    step_size: Decimal  # stepSize
    status: int = 1  # status: 0 offline, 1 online, 5 pre-open, 25 suspended
    api_state_buy: bool = True  # apiStateBuy
    api_state_sell: bool = True  # apiStateSell
    time_online: int = 0  # timeOnline (0 in every recorded row)
    off_time: int = 0  # offTime
    maintain_time: int = 0  # maintainTime
    maker_fee_rate: Decimal = Decimal("0.001")  # not in the row: user/commissionRate
    taker_fee_rate: Decimal = Decimal("0.001")

    @property
    def base(self) -> str:
        return self.symbol.split("-")[0]

    @property
    def quote(self) -> str:
        return self.symbol.split("-")[1]

    def wire(self) -> Event:
        """The symbols row, numbers as :class:`~decimal.Decimal` (written as plain JSON
        numbers by :func:`~bingx_sim.ledger.money.wire_json`)."""
        return {
            "symbol": self.symbol,
            "minQty": self.min_qty,
            "maxQty": self.max_qty,
            "minNotional": self.min_notional,
            "maxNotional": self.max_notional,
            "status": self.status,
            "tickSize": self.tick_size,
            "stepSize": self.step_size,
            "apiStateSell": self.api_state_sell,
            "apiStateBuy": self.api_state_buy,
            "timeOnline": self.time_online,
            "offTime": self.off_time,
            "maintainTime": self.maintain_time,
            "displayName": self.symbol,
        }


def _spot(
    symbol: str, qty: tuple[str, str], notional: tuple[str, str], tick: str, step: str
) -> SpotSymbol:
    return SpotSymbol(
        symbol=symbol,
        min_qty=Decimal(qty[0]),
        max_qty=Decimal(qty[1]),
        min_notional=Decimal(notional[0]),
        max_notional=Decimal(notional[1]),
        tick_size=Decimal(tick),
        step_size=Decimal(step),
    )


SPOT_SYMBOLS: Mapping[str, SpotSymbol] = MappingProxyType(
    {
        s.symbol: s
        for s in (
            # Recorded: ccxt ts/src/test/static/markets/bingx.json (the info of each spot
            # market); field names and types from JKorf/BingX.Net's GetSymbols.txt.
            _spot(
                "BTC-USDT",
                ("0.0001826", "18.2663756"),
                ("5", "5260122.38270638"),
                "0.01",
                "0.00001",
            ),
            _spot(
                "SOL-USDT", ("0.2395", "23957.8343"), ("5", "12757751.04936593"), "0.01", "0.0001"
            ),
            _spot("LTC-USDT", ("0.0537", "5376.3441"), ("5", "2193405.48863296"), "0.01", "0.0001"),
            _spot("ADA-USDT", ("13.27", "1327316.17"), ("5", "2006885.82387116"), "0.0001", "0.01"),
            _spot("XRP-USDT", ("11.21", "1121352.81"), ("5", "4527307.65147932"), "0.0001", "0.01"),
            # Inferred: ETH like BTC's pattern at ETH's price (minQty = 5 / 3400 on the
            # step); DOGE like the recorded TRX-USDT row, a coin of similar price.
            _spot("ETH-USDT", ("0.0015", "1470.5882"), ("5", "5000000"), "0.01", "0.0001"),
            _spot("DOGE-USDT", ("33.4", "33333333.3"), ("5", "5000000"), "0.00001", "0.1"),
        )
    }
)
"""The default spot pairs, keyed by symbol. Fee rates: 0.1 % maker and taker, what the
real frames show on market orders (``n = -0.0000802`` on ``l = 0.0802``) and ccxt's
default; a real account's ``commissionRate`` depends on its VIP level."""

SPOT_PRICES: Mapping[str, Decimal] = MappingProxyType(
    {
        "BTC-USDT": Decimal("64000"),
        "ETH-USDT": Decimal("3400"),
        "SOL-USDT": Decimal("150"),
        "LTC-USDT": Decimal("95.61"),
        "ADA-USDT": Decimal("0.45"),
        "XRP-USDT": Decimal("0.6"),
        "DOGE-USDT": Decimal("0.15"),
    }
)
"""Starting last prices of the spot pairs (separate from the perpetuals' prices)."""


# =========================================================================== records


@dataclass(frozen=True, slots=True)
class SpotOrderRequest:
    """A spot place-order request after parsing; ``None``: not sent."""

    symbol: str
    side: str
    order_type: str
    quantity: Decimal | None = None
    quote_order_qty: Decimal | None = None
    price: Decimal | None = None
    time_in_force: str | None = None
    client_order_id: str | None = None


@dataclass(slots=True)
class SpotOrder:
    """One spot order. ``orig_qty`` is 0 for a MARKET buy sized by ``quote_order_qty``
    (the real frame's ``q:0``); ``price`` is the limit price, or the last price when a
    MARKET order was placed. ``locked`` is what the order still holds locked (quote on a
    buy, base on a sell). ``fee`` is negative, in ``fee_asset`` (the asset received)."""

    order_id: int
    symbol: str
    side: str
    order_type: str
    orig_qty: Decimal
    price: Decimal
    quote_order_qty: Decimal
    time_in_force: str
    client_order_id: str
    time: int
    update_time: int
    fee_asset: str
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    fee: Decimal = ZERO
    locked: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in SPOT_OPEN_STATUSES

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO


@dataclass(frozen=True, slots=True)
class SpotFill:
    """One spot execution; ``fee`` negative, in ``fee_asset``."""

    trade_id: int
    order_id: int
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    fee: Decimal
    fee_asset: str
    maker: bool
    time: int

    @property
    def quote(self) -> Decimal:
        return self.qty * self.price


@dataclass(slots=True)
class SpotTotals:
    """Running sums per asset: ``free + locked = initial + deposits - withdrawals +
    received - paid + fees`` (fees negative)."""

    initial: Decimal = ZERO
    deposits: Decimal = ZERO
    withdrawals: Decimal = ZERO
    received: Decimal = ZERO
    paid: Decimal = ZERO
    fees: Decimal = ZERO


@dataclass(slots=True)
class SpotAccount:
    """One API key's spot wallet."""

    api_key: str
    user_id: str
    free: dict[str, Decimal] = field(default_factory=dict)
    locked: dict[str, Decimal] = field(default_factory=dict)
    totals: dict[str, SpotTotals] = field(default_factory=dict)
    orders: dict[int, SpotOrder] = field(default_factory=dict)
    client_ids: dict[str, int] = field(default_factory=dict)
    fills: list[SpotFill] = field(default_factory=list)

    def total(self, asset: str) -> Decimal:
        return self.free.get(asset, ZERO) + self.locked.get(asset, ZERO)

    @property
    def assets(self) -> list[str]:
        """Every asset the wallet has held, in order of first appearance."""
        return list(dict.fromkeys([*self.free, *self.locked]))


# ============================================================================= codes


class SpotCodes:
    """Spot's own error codes and messages (one set: the 2025-10 renames were USDT-M's).
    BingX's spot place-order page lists the messages quoted here; the few marked
    *inferred* are our wording."""

    @staticmethod
    def refuse(code: int, msg: str) -> Refused:
        return Refused(ApiError(code, msg))

    def invalid(self, detail: str) -> Refused:
        """100400, spot's "invalid parameter"."""
        return self.refuse(100400, detail)

    def unsupported(self, feature: str) -> Refused:
        return self.invalid(f"{feature} is not supported by bingx-sim")

    def unknown_symbol(self, symbol: str) -> Refused:
        """A pair that does not exist, on a read: 100204 "no data" (wording inferred)."""
        return self.refuse(100204, f"{symbol} symbol does not exist")

    def symbol_not_tradable(self) -> Refused:
        """Placing an order on a pair that does not exist (the place-order page)."""
        return self.refuse(100421, "CheckUserAndSymbol: contract not exist")

    def insufficient(self) -> Refused:
        return self.refuse(100202, "Insufficient assets, please verify the assets status")

    def below_min_notional(self, user_id: str, minimum: Decimal, value: Decimal) -> Refused:
        return self.invalid(
            "check limit entrust value fail, entrust volume too low, userID: "
            f"{user_id}, minVolume:{plain(minimum)}, entrustVolume: {plain(value)}"
        )

    def zero_volume(self) -> Refused:
        return self.invalid("check param fail:entrust volume and value is 0.0")

    def bad_price(self) -> Refused:
        return self.invalid("price can't be lte 0 in limit order")

    def order_not_found(self) -> Refused:
        return self.refuse(100404, "order does not exist")

    def cannot_cancel(self) -> Refused:
        return self.invalid(
            "the order you want to cancel is FILLED or CANCELLED already, or is not a valid "
            "order id ,please verify"
        )


# ============================================================================ ledger


class SpotLedger:
    """Every spot wallet, order and fill of one exchange, and the spot last prices.

    One class, long because it is one book: the rules (orders, locks, fills, fees), its
    indexes and savepoint, and the queries all read and write the same records, and
    splitting them would pass the book's internals between modules.

    Knobs (``docs/account-model.md``, "Spot"):

    * ``wallet_balance`` — what a spot ``ACCOUNT_UPDATE`` reports as ``wb`` (and ``cw``):
      ``"total"`` (``free + locked``, as BingX.Net's model names ``wb``; the default) or
      ``"free"`` (how ccxt reads ``wb``). Every recorded frame has ``lk`` 0, so both fit.
    * ``auto_open`` — an unknown key gets an empty wallet on its first mutating call.
    """

    PRODUCT: ClassVar[str] = PRODUCT

    def __init__(
        self,
        *,
        symbols: Mapping[str, SpotSymbol] | Iterable[SpotSymbol] = SPOT_SYMBOLS,
        prices: Mapping[str, str | Decimal] | None = None,
        wallet_balance: WalletBalance = "total",
        auto_open: bool = True,
        now_ms: int = 0,
    ) -> None:
        if wallet_balance not in ("total", "free"):
            raise ValueError("wallet_balance must be 'total' or 'free'")
        table = symbols.values() if isinstance(symbols, Mapping) else symbols
        self.symbols: dict[str, SpotSymbol] = {s.symbol: s for s in table}
        self.codes = SpotCodes()
        self.wallet_balance: WalletBalance = wallet_balance
        self.auto_open = auto_open
        self.accounts: dict[str, SpotAccount] = {}
        self.prices: dict[str, Prices] = {}
        given = dict(SPOT_PRICES) | {k: to_decimal(v) for k, v in (prices or {}).items()}
        for symbol in self.symbols:
            start = given.get(symbol, Decimal(1))
            if start <= 0:
                raise ValueError(f"the starting price of {symbol} must be positive")
            self.prices[symbol] = Prices(start, start, start, now_ms, start, start, start)
        self._next = {"order": FIRST_SPOT_ORDER_ID, "trade": _FIRST_SPOT_TRADE_ID}
        self._next_user = _FIRST_USER_ID
        # Derived indexes (see ``index.py``): open order ids per account and symbol, and
        # every account's resting orders per symbol by price (BUYs, SELLs).
        self._open: dict[str, tuple[SpotAccount, int, dict[str, set[int]]]] = {}
        self._by_seq: dict[int, SpotAccount] = {}
        self._seq = 0
        self._ladders: dict[str, tuple[Ladder, Ladder]] = {
            s: (Ladder(), Ladder()) for s in self.symbols
        }

    # ====================================================================== accounts

    def open_account(
        self, api_key: str, balances: Mapping[str, str | Decimal] | None = None
    ) -> SpotAccount:
        """Create ``api_key``'s spot wallet with ``balances`` free (starting amounts,
        not deposits: no event)."""
        if api_key in self.accounts:
            raise ValueError(f"spot account {api_key!r} already exists")
        parsed: dict[str, Decimal] = {}
        for asset, amount in (balances or {}).items():
            value = to_decimal(amount)
            if value < 0:
                raise ValueError(f"a starting balance is >= 0: {amount!r}")
            parsed[asset] = value
        account = SpotAccount(api_key=api_key, user_id=str(self._next_user))
        self._next_user += 1
        for asset, value in parsed.items():
            account.free[asset] = value
            account.locked[asset] = ZERO
            account.totals[asset] = SpotTotals(initial=value)
        self.accounts[api_key] = account
        self._new_index(account)
        return account

    def account(self, api_key: str) -> SpotAccount:
        """``api_key``'s wallet for reading (a fresh empty one, not stored, if unknown)."""
        found = self.accounts.get(api_key)
        return found if found is not None else SpotAccount(api_key=api_key, user_id="")

    def deposit(
        self, api_key: str, asset: str, amount: str | Decimal, *, now_ms: int
    ) -> tuple[Decimal, list[Effect]]:
        """Credit ``amount`` free: ``ACCOUNT_UPDATE m=DEPOSIT``. The new free balance."""
        value = self._amount(amount)
        restore = self._savepoint(api_key)
        try:
            account = self._account(api_key)
            self._move(account, asset, value, "deposits")
        except BaseException:
            restore()
            raise
        effect = self._wallet_effect(account, "DEPOSIT", {asset: value}, now_ms)
        return account.free[asset], [effect]

    def withdraw(
        self, api_key: str, asset: str, amount: str | Decimal, *, now_ms: int
    ) -> tuple[Decimal, list[Effect]]:
        """Debit ``amount`` of the free balance (100202 above it): ``m=WITHDRAW``."""
        value = self._amount(amount)
        restore = self._savepoint(api_key)
        try:
            account = self._account(api_key)
            if value > account.free.get(asset, ZERO):
                raise self.codes.insufficient()
            self._move(account, asset, -value, "withdrawals")
        except BaseException:
            restore()
            raise
        change = {asset: -value}
        return account.free[asset], [self._wallet_effect(account, "WITHDRAW", change, now_ms)]

    # ======================================================================== prices

    def set_price(self, symbol: str, price: str | Decimal, *, now_ms: int) -> list[Effect]:
        """Move ``symbol``'s last price and fill the resting limits it reaches, at their
        own price as maker (a BUY when ``last <= price``, a SELL when ``last >= price``);
        accounts in opening order, orders by id."""
        self.symbol(symbol)
        value = self._decimal(price, "price")
        if value <= 0:
            raise self.codes.invalid("price must be greater than 0")
        prices = self.prices[symbol]
        prices.mark = prices.last = prices.index = value
        prices.time = now_ms
        prices.high, prices.low = max(prices.high, value), min(prices.low, value)
        effects: list[Effect] = []
        # Only the resting orders the price reaches (found by bisection), in (account,
        # order id) order; a fill moves no price and opens no order.
        buys, sells = self._ladders[symbol]
        for seq, order_id in sorted(buys.at_or_above(value) + sells.at_or_below(value)):
            account = self._by_seq[seq]
            order = account.orders[order_id]
            if order.is_open and self._crossed(order):
                effects += self._execute(
                    account, order, order.remaining, order.price, maker=True, now_ms=now_ms
                )
        return effects

    # ======================================================================== orders

    def place_order(
        self, api_key: str, request: SpotOrderRequest, *, now_ms: int
    ) -> tuple[SpotOrder, list[Effect]]:
        """Validate (truncating extra precision), then place: a MARKET order or a
        marketable LIMIT fills at once at the last price as taker; a resting LIMIT locks
        its funds; an IOC/FOK that cannot fill is cancelled."""
        restore = self._savepoint(api_key)
        try:
            account = self._account(api_key)
            order = self._new_order(account, request, now_ms)
            effects = self._submit(account, order, now_ms)
        except BaseException:
            restore()
            raise
        return order, effects

    def cancel_order(
        self,
        api_key: str,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
        now_ms: int,
    ) -> tuple[SpotOrder, list[Effect]]:
        """Cancel an open order: its locked funds return to free. One that is filled,
        cancelled or unknown answers 100400 (BingX's cancel message)."""
        self.symbol(symbol)
        account = self.accounts.get(api_key)
        order = None
        if account is not None:
            found = self._lookup(account, order_id, client_order_id)
            order = found if found is not None and found.symbol == symbol else None
        if account is None or order is None or not order.is_open:
            raise self.codes.cannot_cancel()
        return order, self._cancel(account, order, now_ms)

    def cancel_all(
        self, api_key: str, symbol: str | None = None, *, now_ms: int
    ) -> tuple[list[SpotOrder], list[Effect]]:
        """Cancel every open order (of ``symbol``), oldest first."""
        if symbol is not None:
            self.symbol(symbol)
        account = self.accounts.get(api_key)
        cancelled = self.open_orders(api_key, symbol)
        effects: list[Effect] = []
        for order in cancelled:
            assert account is not None
            effects += self._cancel(account, order, now_ms)
        return cancelled, effects

    def fill(
        self,
        api_key: str,
        order_id: int,
        qty: str | Decimal,
        price: str | Decimal | None = None,
        *,
        now_ms: int,
    ) -> tuple[SpotOrder, list[Effect]]:
        """Force a (partial) maker fill of a resting limit order, at its own price or a
        better one (``price``): the test's way to get any partial-fill shape."""
        account = self.accounts.get(api_key)
        order = None if account is None else account.orders.get(order_id)
        if account is None or order is None or not order.is_open:
            raise self.codes.order_not_found()
        info = self.symbol(order.symbol)
        amount = self._decimal(qty, "qty")
        if amount <= 0 or amount > order.remaining or amount % info.step_size:
            raise self.codes.invalid(
                f"qty must be in (0, {plain(order.remaining)}] in steps of {plain(info.step_size)}"
            )
        at = order.price if price is None else self._decimal(price, "price")
        worse = at > order.price if order.side == "BUY" else at < order.price
        if at <= 0 or worse:
            raise self.codes.invalid("a forced fill is at the order's price or a better one")
        return order, self._execute(account, order, amount, at, maker=True, now_ms=now_ms)

    # ======================================================================= queries

    def symbol(self, symbol: str) -> SpotSymbol:
        """The pair ``symbol``; an unknown one answers 100204."""
        found = self.symbols.get(symbol)
        if found is None:
            raise self.codes.unknown_symbol(symbol)
        return found

    def snapshot(self) -> object:
        """A deep, comparable copy of the whole state."""
        return copy.deepcopy((self.accounts, self.prices, self._next, self._next_user))

    def open_orders(self, api_key: str, symbol: str | None = None) -> list[SpotOrder]:
        """Orders still open, oldest first."""
        account = self.accounts.get(api_key)
        if account is None:
            return []
        return [account.orders[i] for i in open_ids(self._index_of(account)[2], symbol)]

    def find_order(
        self,
        api_key: str,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> SpotOrder:
        """One order by id or client id within ``symbol`` (100404 if none)."""
        self.symbol(symbol)
        found = self._lookup(self.account(api_key), order_id, client_order_id)
        if found is None or found.symbol != symbol:
            raise self.codes.order_not_found()
        return found

    def order_history(
        self,
        api_key: str,
        symbol: str | None = None,
        *,
        from_order_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        status: str | None = None,
        order_type: str | None = None,
    ) -> list[SpotOrder]:
        """Every order (open ones too), newest first, as BingX pages its history."""
        chosen = [
            o
            for o in self.account(api_key).orders.values()
            if (symbol is None or o.symbol == symbol)
            and (from_order_id is None or o.order_id >= from_order_id)
            and (start_ms is None or o.time >= start_ms)
            and (end_ms is None or o.time <= end_ms)
            and (status is None or o.status == status)
            and (order_type is None or o.order_type == order_type)
        ]
        return chosen[::-1]

    def fills_of(
        self,
        api_key: str,
        symbol: str,
        *,
        order_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        from_id: int | None = None,
        limit: int = 500,
    ) -> list[SpotFill]:
        """Executions in ``symbol``, oldest first, at most ``limit``."""
        rows = [
            f
            for f in self.account(api_key).fills
            if f.symbol == symbol
            and (order_id is None or f.order_id == order_id)
            and (start_ms is None or f.time >= start_ms)
            and (end_ms is None or f.time <= end_ms)
            and (from_id is None or f.trade_id >= from_id)
        ]
        return rows[:limit]

    # ===================================================================== internals

    def _decimal(self, value: str | Decimal, name: str) -> Decimal:
        try:
            return to_decimal(value)
        except InvalidAmount:
            raise self.codes.invalid(f"{name} must be a number") from None

    def _amount(self, amount: str | Decimal) -> Decimal:
        value = self._decimal(amount, "amount")
        if value <= 0:
            raise self.codes.invalid("amount must be greater than 0")
        return value

    def _account(self, api_key: str) -> SpotAccount:
        found = self.accounts.get(api_key)
        if found is not None:
            return found
        if not self.auto_open:
            raise self.codes.refuse(100413, "Incorrect apiKey")
        return self.open_account(api_key)

    def _take(self, counter: str) -> int:
        value = self._next[counter]
        self._next[counter] = value + 1
        return value

    @staticmethod
    def _lookup(
        account: SpotAccount, order_id: int | None, client_order_id: str | None
    ) -> SpotOrder | None:
        if order_id is None and client_order_id:
            order_id = account.client_ids.get(client_order_id)
        return None if order_id is None else account.orders.get(order_id)

    def _savepoint(self, api_key: str) -> Callable[[], None]:
        """What one call on ``api_key`` can change, and a function that puts it back.
        The calls that take one (deposit, withdraw, place) change no order but the one
        they create, so undo removes the orders created; the rest is small maps."""
        counters, next_user = dict(self._next), self._next_user
        prices = {s: copy.copy(p) for s, p in self.prices.items()}
        account = self.accounts.get(api_key)
        if account is None:

            def forget() -> None:
                self._next, self._next_user, self.prices = counters, next_user, prices
                made = self.accounts.pop(api_key, None)
                if made is not None:
                    for order in made.orders.values():
                        self._unindex(made, order)
                    index = self._open.pop(api_key, None)
                    if index is not None:
                        self._by_seq.pop(index[1], None)

            return forget
        acct = account
        free, locked = dict(acct.free), dict(acct.locked)
        totals = {a: copy.copy(t) for a, t in acct.totals.items()}
        n_fills = len(acct.fills)

        def restore() -> None:
            created_to = self._next["order"]
            self._next, self._next_user, self.prices = counters, next_user, prices
            acct.free, acct.locked, acct.totals = free, locked, totals
            for order_id in range(counters["order"], created_to):
                removed = acct.orders.pop(order_id, None)
                if removed is None:
                    continue
                client_id = removed.client_order_id
                if client_id and acct.client_ids.get(client_id) == order_id:
                    del acct.client_ids[client_id]
                self._unindex(acct, removed)
            del acct.fills[n_fills:]

        return restore

    # -- indexes (derived from the orders; see ``index.py``) -----------------------------

    def _new_index(self, account: SpotAccount) -> tuple[SpotAccount, int, dict[str, set[int]]]:
        self._seq += 1
        index: tuple[SpotAccount, int, dict[str, set[int]]] = (account, self._seq, {})
        self._open[account.api_key] = index
        self._by_seq[self._seq] = account
        return index

    def _index_of(self, account: SpotAccount) -> tuple[SpotAccount, int, dict[str, set[int]]]:
        index = self._open.get(account.api_key)
        if index is None or index[0] is not account:
            index = self._new_index(account)  # an account stored by hand: index it now
            for order in account.orders.values():
                self._sync(account, order)
        return index

    def _ladder(self, order: SpotOrder) -> Ladder | None:
        if order.order_type != "LIMIT":
            return None
        buys, sells = self._ladders[order.symbol]
        return buys if order.side == "BUY" else sells

    def _sync(self, account: SpotAccount, order: SpotOrder) -> None:
        """Bring the indexes in step with ``order`` as it is now (call after a change)."""
        _, seq, by_symbol = self._index_of(account)
        ids = by_symbol.get(order.symbol)
        listed = ids is not None and order.order_id in ids
        if order.is_open and not listed:
            by_symbol.setdefault(order.symbol, set()).add(order.order_id)
            ladder = self._ladder(order)
            if ladder is not None:
                ladder.add(order.price, seq, order.order_id)
        elif listed and not order.is_open:
            self._unindex(account, order)

    def _unindex(self, account: SpotAccount, order: SpotOrder) -> None:
        _, seq, by_symbol = self._index_of(account)
        ids = by_symbol.get(order.symbol)
        if ids is not None and order.order_id in ids:
            ids.discard(order.order_id)
            ladder = self._ladder(order)
            if ladder is not None:
                ladder.remove(order.price, seq, order.order_id)

    def check_indexes(self) -> None:
        """For tests: raise ``AssertionError`` unless the open-order index and the price
        ladders equal a full recomputation from the orders."""
        expected: dict[int, list[tuple[Decimal, int, int]]] = {}
        for api_key, account in self.accounts.items():
            index = self._open.get(api_key)
            if (
                index is None
                or index[0] is not account
                or self._by_seq.get(index[1]) is not account
            ):
                raise AssertionError(f"{api_key}: no index")
            open_now: dict[str, set[int]] = {}
            for order in account.orders.values():
                if order.is_open:
                    open_now.setdefault(order.symbol, set()).add(order.order_id)
                    ladder = self._ladder(order)
                    if ladder is not None:
                        row = (order.price, index[1], order.order_id)
                        expected.setdefault(id(ladder), []).append(row)
            listed = {s: ids for s, ids in index[2].items() if ids}
            if listed != open_now:
                raise AssertionError(f"{api_key}: open orders {listed} != {open_now}")
        for symbol, ladders in self._ladders.items():
            for ladder in ladders:
                want = sorted(expected.get(id(ladder), []))
                if ladder.entries != want:
                    raise AssertionError(f"{symbol}: ladder {ladder.entries} != {want}")

    def _move(self, account: SpotAccount, asset: str, amount: Decimal, term: str) -> None:
        """Move the free balance by ``amount`` and add its magnitude to ``term``."""
        account.free[asset] = account.free.get(asset, ZERO) + amount
        account.locked.setdefault(asset, ZERO)
        totals = account.totals.setdefault(asset, SpotTotals())
        magnitude = -amount if term in ("withdrawals", "paid") else amount
        setattr(totals, term, getattr(totals, term) + magnitude)

    def _lock(self, account: SpotAccount, asset: str, amount: Decimal) -> None:
        """Move ``amount`` from free to locked (negative: back)."""
        account.free[asset] = account.free.get(asset, ZERO) - amount
        account.locked[asset] = account.locked.get(asset, ZERO) + amount

    def _crossed(self, order: SpotOrder) -> bool:
        """Has the last price reached a resting limit (a BUY at or below its price)?"""
        last = self.prices[order.symbol].last
        return last <= order.price if order.side == "BUY" else last >= order.price

    def _marketable(self, order: SpotOrder) -> bool:
        last = self.prices[order.symbol].last
        return order.price >= last if order.side == "BUY" else order.price <= last

    def _new_order(self, account: SpotAccount, request: SpotOrderRequest, now_ms: int) -> SpotOrder:
        """Check ``request`` and build the order (not stored), truncating extra precision;
        refused without changing anything."""
        codes = self.codes
        info = self.symbols.get(request.symbol)
        if info is None:
            raise codes.symbol_not_tradable()
        side, kind = request.side, request.order_type
        if side not in ("BUY", "SELL"):
            raise codes.invalid("side must be BUY or SELL")
        if kind in _UNSUPPORTED:
            raise codes.unsupported(f"order type {kind}")
        if kind not in ("MARKET", "LIMIT"):
            raise codes.invalid(f"type {kind!r} is not a valid order type")
        tif = request.time_in_force or "GTC"
        if tif not in _TIME_IN_FORCE:
            raise codes.invalid("timeInForce must be GTC, IOC, FOK or PostOnly")
        client_id = request.client_order_id or ""
        if client_id:
            if _CLIENT_ID.fullmatch(client_id) is None:
                raise codes.invalid("newClientOrderId is 1 to 40 letters, numbers and _ characters")
            if client_id in account.client_ids:  # wording inferred
                raise codes.invalid(f"newClientOrderId {client_id} has already been used")
        last = self.prices[info.symbol].last
        quote = ZERO
        if kind == "LIMIT":
            if request.price is None or request.price <= 0:
                raise codes.bad_price()
            price = _truncate(request.price, info.tick_size)
            if price <= 0:
                raise codes.bad_price()
            qty = self._limit_quantity(request, info, price)
            value = qty * price
        elif side == "BUY":
            if request.quote_order_qty is None:  # wording inferred
                raise codes.invalid("quoteOrderQty is required for a MARKET BUY order")
            price = last
            if request.quantity is not None:  # "quantity will be used first"
                qty = self._positive_quantity(request.quantity, info)
                value = qty * last
            else:
                quote = request.quote_order_qty
                if quote <= 0:
                    raise codes.zero_volume()
                qty, value = ZERO, quote
                if _truncate(quote / last, info.step_size) <= 0:
                    raise codes.zero_volume()
        else:
            if request.quantity is None:  # wording inferred
                raise codes.invalid("quantity is required for a MARKET SELL order")
            price = last
            qty = self._positive_quantity(request.quantity, info)
            value = qty * last
        if value < info.min_notional:
            raise codes.below_min_notional(account.user_id, info.min_notional, value)
        order = SpotOrder(
            order_id=self._next["order"],
            symbol=info.symbol,
            side=side,
            order_type=kind,
            orig_qty=qty,
            price=price,
            quote_order_qty=quote,
            time_in_force=tif if kind == "LIMIT" else "GTC",
            client_order_id=client_id,
            time=now_ms,
            update_time=now_ms,
            fee_asset=info.base if side == "BUY" else info.quote,
        )
        if kind == "LIMIT" and tif == "PostOnly" and self._marketable(order):
            raise codes.invalid(  # wording inferred: spot's PostOnly refusal is unrecorded
                "The PostOnly order would be executed immediately as a taker, so it is rejected"
            )
        spend_asset = info.quote if side == "BUY" else info.base
        spend = value if side == "BUY" else qty
        if spend > account.free.get(spend_asset, ZERO):
            raise codes.insufficient()
        return order

    def _limit_quantity(
        self, request: SpotOrderRequest, info: SpotSymbol, price: Decimal
    ) -> Decimal:
        if request.quantity is not None:
            return self._positive_quantity(request.quantity, info)
        if request.quote_order_qty is not None and request.quote_order_qty > 0:
            qty = _truncate(request.quote_order_qty / price, info.step_size)
            if qty <= 0:
                raise self.codes.zero_volume()
            return qty
        raise self.codes.invalid("quantity or quoteOrderQty is required for a LIMIT order")

    def _positive_quantity(self, quantity: Decimal, info: SpotSymbol) -> Decimal:
        qty = _truncate(quantity, info.step_size)
        if qty <= 0:
            raise self.codes.zero_volume()
        return qty

    def _submit(self, account: SpotAccount, order: SpotOrder, now_ms: int) -> list[Effect]:
        self._take("order")
        account.orders[order.order_id] = order
        if order.client_order_id:
            account.client_ids[order.client_order_id] = order.order_id
        if order.order_type == "LIMIT":
            order.status = "PENDING"
        self._sync(account, order)
        effects = [self._report(account, order, "NEW", None, now_ms)]
        info = self.symbols[order.symbol]
        last = self.prices[order.symbol].last
        if order.order_type == "MARKET":
            qty = order.orig_qty
            if order.quote_order_qty:
                qty = _truncate(order.quote_order_qty / last, info.step_size)
            return effects + self._execute(account, order, qty, last, maker=False, now_ms=now_ms)
        if self._marketable(order):
            return effects + self._execute(
                account, order, order.remaining, last, maker=False, now_ms=now_ms
            )
        if order.time_in_force in ("IOC", "FOK"):
            return effects + self._cancel(account, order, now_ms)
        asset = info.quote if order.side == "BUY" else info.base
        order.locked = order.orig_qty * order.price if order.side == "BUY" else order.orig_qty
        self._lock(account, asset, order.locked)
        return [*effects, self._wallet_effect(account, "ORDER", {asset: ZERO}, now_ms)]

    def _execute(
        self,
        account: SpotAccount,
        order: SpotOrder,
        qty: Decimal,
        price: Decimal,
        *,
        maker: bool,
        now_ms: int,
    ) -> list[Effect]:
        """One fill: pay (from the order's locked funds if it rests), receive less the
        fee, then ``ACCOUNT_UPDATE`` (both assets) and the ``TRADE`` report."""
        info = self.symbols[order.symbol]
        rate = info.maker_fee_rate if maker else info.taker_fee_rate
        if order.side == "BUY":
            paid_asset, paid, got_asset, got = info.quote, qty * price, info.base, qty
            release = qty * order.price  # what this quantity had locked, if it rests
        else:
            paid_asset, paid, got_asset, got = info.base, qty, info.quote, qty * price
            release = qty
        if order.locked > 0:
            release = min(release, order.locked)
            order.locked -= release
            self._lock(account, paid_asset, -release)
        fee = -(got * rate)
        self._move(account, paid_asset, -paid, "paid")
        self._move(account, got_asset, got, "received")
        self._move(account, got_asset, fee, "fees")
        order.executed_qty += qty
        order.cum_quote += qty * price
        order.fee += fee
        order.update_time = now_ms
        done = order.order_type == "MARKET" or order.remaining <= 0
        order.status = "FILLED" if done else "PARTIALLY_FILLED"
        self._sync(account, order)
        fill = SpotFill(
            trade_id=self._take("trade"),
            order_id=order.order_id,
            symbol=order.symbol,
            side=order.side,
            qty=qty,
            price=price,
            fee=fee,
            fee_asset=got_asset,
            maker=maker,
            time=now_ms,
        )
        account.fills.append(fill)
        prices = self.prices[order.symbol]
        prices.volume += qty
        prices.quote_volume += qty * price
        prices.last_qty = qty
        changes = {info.base: ZERO, info.quote: ZERO}
        return [
            self._wallet_effect(account, "ORDER", changes, now_ms),
            self._report(account, order, "TRADE", fill, now_ms),
        ]

    def _cancel(self, account: SpotAccount, order: SpotOrder, now_ms: int) -> list[Effect]:
        """Cancel an open order; its locked funds go back to free."""
        order.status = "CANCELED"
        order.update_time = now_ms
        self._sync(account, order)
        effects = [self._report(account, order, "CANCELED", None, now_ms)]
        if order.locked > 0:
            info = self.symbols[order.symbol]
            asset = info.quote if order.side == "BUY" else info.base
            self._lock(account, asset, -order.locked)
            order.locked = ZERO
            effects.append(self._wallet_effect(account, "ORDER", {asset: ZERO}, now_ms))
        return effects

    # ======================================================================== events

    def _report(
        self,
        account: SpotAccount,
        order: SpotOrder,
        execution_type: str,
        fill: SpotFill | None,
        now_ms: int,
    ) -> Effect:
        """``executionReport`` for ``order`` as it stands (``fill``: this frame's fill)."""
        event = events.spot_execution_report(
            symbol=order.symbol,
            side=order.side,
            order_type=order.order_type,
            quantity=num(order.orig_qty),
            price=num(order.price),
            execution_type=execution_type,
            status=order.status,
            order_id=order.order_id,
            client_order_id=order.client_order_id,
            last_filled_quantity=num(fill.qty if fill else ZERO),
            filled_quantity=num(order.executed_qty),
            last_filled_price=num(fill.price if fill else ZERO),
            commission=num(fill.fee if fill else ZERO),
            commission_asset=fill.fee_asset if fill else "",
            trade_time=fill.time if fill else 0,
            trade_id=fill.trade_id if fill else 0,
            order_time=order.time,
            cumulative_quote=num(order.cum_quote),
            last_quote=num(fill.quote if fill else ZERO),
            quote_order_quantity=num(order.quote_order_qty),
            maker=fill.maker if fill else False,
            event_time=now_ms,
        )
        return (account.api_key, PRODUCT, event)

    def balance_entry(self, account: SpotAccount, asset: str, change: Decimal) -> Event:
        """One ``a.B[]`` entry: ``wb``/``cw`` by ``wallet_balance``, ``lk`` the locked
        amount, ``bc`` the change; exact decimal strings."""
        locked = account.locked.get(asset, ZERO)
        wallet = account.free.get(asset, ZERO) + (locked if self.wallet_balance == "total" else 0)
        return {
            "a": asset,
            "bc": plain(change),
            "cw": plain(wallet),
            "lk": plain(locked),
            "wb": plain(wallet),
        }

    def overview(self, api_key: str, *, now_ms: int) -> Event:
        """``ACCOUNT_UPDATE`` with ``m=INIT`` and every asset the wallet holds: what the
        exchange sends a socket that subscribes to ``ACCOUNT_UPDATE``."""
        account = self.account(api_key)
        return events.spot_account_update(
            reason="INIT",
            balances=[self.balance_entry(account, a, ZERO) for a in account.assets],
            event_time=now_ms,
        )

    def _wallet_effect(
        self, account: SpotAccount, reason: str, changes: Mapping[str, Decimal], now_ms: int
    ) -> Effect:
        event = events.spot_account_update(
            reason=reason,
            balances=[self.balance_entry(account, a, c) for a, c in changes.items()],
            event_time=now_ms,
        )
        return (account.api_key, PRODUCT, event)


def _truncate(value: Decimal, step: Decimal) -> Decimal:
    """``value`` down to a multiple of ``step`` (BingX truncates extra precision)."""
    return (value // step) * step if value > 0 else value
