"""The ledger: every account of one fake BingX exchange, the prices it trades at, and the
rules that move money between them.

Pure and synchronous: no clock is read (every mutating call takes ``now_ms``), no I/O,
no randomness, ids come from counters with fixed starts, so the same script gives the
same answers and events byte for byte. Money is :class:`~decimal.Decimal`; amounts the
ledger computes (fees, realized PnL, funding) are booked rounded to eight decimals, the
precision the stream shows, so the wallet moves by exactly what the events report.

A refused call raises :class:`~bingx_sim.ledger.codes.Refused` and leaves the ledger as
it was (a savepoint is restored: the small maps are copied, the orders the call changed
are put back from an undo record). Every other mutating call returns ``(result,
effects)``: ``effects`` are the stream events BingX would push, in push order
(:mod:`bingx_sim.ledger.effects`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import TracebackType
from typing import Any, ClassVar, Final, Literal

from bingx_sim import events

from .codes import Codes, CodeSet
from .contracts import CONTRACTS, DEFAULT_PRICES, Contract
from .effects import Effect, config_change, order_update, stream_margin_type, wallet_change
from .index import EXACT, Ladder, RunningSum, Undo, open_ids
from .money import ZERO, InvalidAmount, floor_to, places_of, round_to, stream, to_decimal
from .state import (
    CONDITIONAL_TYPES,
    Account,
    Balance,
    Fill,
    Income,
    Order,
    Position,
    Prices,
    Totals,
)

__all__ = [
    "FIRST_ORDER_ID",
    "SUPPORTED_TYPES",
    "UNSUPPORTED_TYPES",
    "Ledger",
    "OrderRequest",
    "PositionMode",
]

PositionMode = Literal["hedge", "oneway"]

FIRST_ORDER_ID: Final = 1_800_000_000_000_000_001
"""Order ids count up from here: 19 digits, above 2**53 like BingX's, so a client that
parses them as floats is caught; a fixed start keeps runs reproducible."""
_FIRST_TRADE_ID: Final = 1_800_000_000_500_000_001
_FIRST_POSITION_ID: Final = 1_800_000_000_900_000_001
_FIRST_TRAN_ID: Final = 100_000_001
_FIRST_USER_ID: Final = 1_000_001

SUPPORTED_TYPES: Final = frozenset(
    {"MARKET", "LIMIT", "STOP_MARKET", "TAKE_PROFIT_MARKET", "TRIGGER_MARKET"}
)
UNSUPPORTED_TYPES: Final = frozenset(
    {
        "STOP",
        "TAKE_PROFIT",
        "TRIGGER_LIMIT",
        "TRAILING_STOP_MARKET",
        "TRAILING_TP_SL",
        "TWAP",
    }
)
_CLOSE_POSITION_TYPES: Final = frozenset({"STOP_MARKET", "TAKE_PROFIT_MARKET"})
_TIME_IN_FORCE: Final = frozenset({"GTC", "IOC", "FOK", "PostOnly"})
_WORKING_TYPES: Final = frozenset({"MARK_PRICE", "CONTRACT_PRICE"})
_MAX_CLIENT_ID: Final = 40


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A place-order request after parsing, before validation. ``None`` means the
    parameter was not sent; the ledger applies BingX's defaults."""

    symbol: str
    side: str
    order_type: str
    quantity: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    position_side: str | None = None
    time_in_force: str | None = None
    client_order_id: str | None = None
    reduce_only: bool = False
    close_position: bool = False
    working_type: str | None = None
    quote_order_qty: Decimal | None = None


PendingKey = tuple[str, str, str, str]
"""``(symbol, positionSide, side, kind)`` of a closing order, ``kind`` its type if it is a
stop, else ``""``: the orders ``_check_closing`` counts together."""


@dataclass(slots=True, eq=False)
class _AccountIndex:
    """Derived from one account's orders (kept in step by :meth:`Ledger._sync`): its open
    orders per symbol, their frozen margin per asset and their pending closing quantity
    per kind, as exact running sums."""

    account: Account
    seq: int  # the account's opening order: set_price matches accounts in this order
    open: dict[str, set[int]] = field(default_factory=dict)
    frozen: RunningSum[str] = field(default_factory=RunningSum)
    pending: RunningSum[PendingKey] = field(default_factory=RunningSum)


class _SymbolBook:
    """One symbol's open orders of every account, by the price that makes each one act:
    resting LIMITs by price per side, untriggered stops by trigger price per trigger
    source and direction."""

    __slots__ = ("buys", "sells", "stops")

    def __init__(self) -> None:
        self.buys = Ladder()  # a BUY fills when last <= price
        self.sells = Ladder()  # a SELL fills when last >= price
        self.stops: dict[tuple[bool, bool], Ladder] = {
            (last, rising): Ladder() for last in (False, True) for rising in (False, True)
        }

    def ladder(self, order: Order) -> tuple[Ladder, Decimal] | None:
        if order.order_type == "LIMIT":
            return (self.buys if order.side == "BUY" else self.sells), order.price
        if order.is_conditional and order.stop_price is not None:
            return self.stops[(order.working_type == "CONTRACT_PRICE", _rising(order))], (
                order.stop_price
            )
        return None

    def crossed(self, prices: Prices) -> list[tuple[int, int]]:
        """``(seq, order_id)`` of every order the prices reach, in matching order."""
        found = self.buys.at_or_above(prices.last) + self.sells.at_or_below(prices.last)
        for (last, rising), ladder in self.stops.items():
            source = prices.last if last else prices.mark
            found += ladder.at_or_below(source) if rising else ladder.at_or_above(source)
        found.sort()
        return found


def _pending_key(order: Order) -> PendingKey:
    kind = order.order_type if order.is_conditional else ""
    return (order.symbol, order.position_side, order.side, kind)


def _rising(order: Order) -> bool:
    """Does a stop fire on a rise to its trigger (else on a fall)? BingX's rules: a stop
    buys at or above its trigger and sells at or below it; a take-profit the reverse; a
    trigger order in the direction it was placed in (``Order.rising``)."""
    if order.rising is not None:
        return order.rising
    return (order.order_type == "STOP_MARKET") == (order.side == "BUY")


class _Savepoint:
    """What one call on an account can change: the small maps are copied; orders the
    call changes are copied just before their first change (:meth:`Ledger._touch`);
    orders it creates are removed. A context manager: an exception restores, and the
    undo record stops collecting on exit either way."""

    __slots__ = (
        "account",
        "api_key",
        "counters",
        "fills",
        "hedge",
        "income",
        "ledger",
        "leverages",
        "margin_types",
        "positions",
        "prices",
        "totals",
        "undo",
        "wallet",
    )

    def __init__(self, ledger: Ledger, api_key: str) -> None:
        self.ledger = ledger
        self.api_key = api_key
        self.counters = dict(ledger._next)
        self.prices = {s: copy.copy(p) for s, p in ledger.prices.items()}
        self.undo: Undo[Order] = Undo(self.counters["order"])
        acct = self.account = ledger.accounts.get(api_key)
        if acct is not None:
            self.wallet = dict(acct.wallet)
            self.totals = {a: copy.copy(t) for a, t in acct.totals.items()}
            self.positions = {k: copy.copy(p) for k, p in acct.positions.items()}
            self.margin_types = dict(acct.margin_types)
            self.leverages = {s: dict(v) for s, v in acct.leverages.items()}
            self.hedge = acct.hedge
            self.fills, self.income = len(acct.fills), len(acct.income)
        ledger._frames.append(self.undo)

    def __enter__(self) -> _Savepoint:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is not None:
                self.restore()
        finally:
            frames = self.ledger._frames
            if frames and frames[-1] is self.undo:
                frames.pop()
            elif self.undo in frames:
                frames.remove(self.undo)

    def restore(self) -> None:
        self.ledger._restore(self)


class Ledger:
    """All accounts, prices and contracts of one exchange.

    One concept, so one class, even though it is long: placing, matching, funding and
    liquidating all move the same money under the same invariants, and splitting them
    into mixins would only scatter the rules that must agree.

    Knobs (each documented in ``docs/account-model.md``):

    * ``position_mode`` — a new account's mode: ``"hedge"`` (dual side, the default:
      a fresh demo key came back ``dualSidePosition:"true"`` in 2026-07) or ``"oneway"``.
    * ``error_codes`` — ``"2025-10"`` (default) or ``"legacy"`` (pre-rename codes).
    * ``default_leverage`` (5, the leverage of the recorded positions) and
      ``default_margin_type`` (``CROSSED``, as the recorded margin-type answer).
    * ``rest_statuses`` — ``"real"`` (``PENDING``/``CANCELLED`` as REST spells them) or
      ``"normalized"`` (the stream's ``NEW``/``CANCELED`` everywhere); read by renderers.
    * ``place_order_shape`` — ``"wrapped"`` (``{"order":{...}}``) or ``"flat"``.
    * ``auto_open`` — an unknown API key gets an empty account on its first mutating call
      (True) or is refused with 100413 (False).

    The arithmetic of a contract's money (its value, PnL and entry averaging) lives in
    :meth:`value`, :meth:`pnl` and :meth:`notional`, so that
    :class:`~bingx_sim.ledger.inverse.InverseLedger` (coin-M) changes only those.
    """

    PRODUCT: ClassVar[str] = "swap"
    """The product whose sockets this ledger's events reach."""
    FIRST_IDS: ClassVar[Mapping[str, int]] = {
        "order": FIRST_ORDER_ID,
        "trade": _FIRST_TRADE_ID,
        "position": _FIRST_POSITION_ID,
        "tran": _FIRST_TRAN_ID,
        "user": _FIRST_USER_ID,
    }
    """Where each id counter starts (each product its own range, so ids never collide)."""
    CONTRACTS_PATH: ClassVar[str] = "/openApi/swap/v2/quote/contracts"
    """The contract list an unknown-symbol refusal points at."""

    def __init__(
        self,
        *,
        contracts: Mapping[str, Contract] | Iterable[Contract] = CONTRACTS,
        prices: Mapping[str, str | Decimal] | None = None,
        position_mode: PositionMode = "hedge",
        error_codes: CodeSet = "2025-10",
        default_leverage: int = 5,
        default_margin_type: str = "CROSSED",
        rest_statuses: Literal["real", "normalized"] = "real",
        place_order_shape: Literal["wrapped", "flat"] = "wrapped",
        auto_open: bool = True,
        now_ms: int = 0,
    ) -> None:
        if position_mode not in ("hedge", "oneway"):
            raise ValueError(f"position_mode must be 'hedge' or 'oneway', not {position_mode!r}")
        if default_margin_type not in ("CROSSED", "ISOLATED"):
            raise ValueError("default_margin_type must be CROSSED or ISOLATED")
        if rest_statuses not in ("real", "normalized"):
            raise ValueError("rest_statuses must be 'real' or 'normalized'")
        if place_order_shape not in ("wrapped", "flat"):
            raise ValueError("place_order_shape must be 'wrapped' or 'flat'")
        table = contracts.values() if isinstance(contracts, Mapping) else contracts
        self.contracts: dict[str, Contract] = {c.symbol: c for c in table}
        self.codes = Codes(error_codes)
        self.position_mode: PositionMode = position_mode
        self.default_leverage = default_leverage
        self.default_margin_type = default_margin_type
        self.rest_statuses = rest_statuses
        self.place_order_shape = place_order_shape
        self.auto_open = auto_open
        self.accounts: dict[str, Account] = {}
        self.prices: dict[str, Prices] = {}
        given = dict(DEFAULT_PRICES) | {k: to_decimal(v) for k, v in (prices or {}).items()}
        for symbol in self.contracts:
            start = given.get(symbol, Decimal(1))
            if start <= 0:
                raise ValueError(f"the starting price of {symbol} must be positive")
            self.prices[symbol] = Prices(
                mark=start,
                last=start,
                index=start,
                time=now_ms,
                open=start,
                high=start,
                low=start,
            )
        self._next: dict[str, int] = dict(self.FIRST_IDS)
        # Derived indexes (not part of the state a snapshot compares; see ``index.py``):
        self._indexes: dict[str, _AccountIndex] = {}
        self._by_seq: dict[int, Account] = {}
        self._seq = 0
        self._books: dict[str, _SymbolBook] = {s: _SymbolBook() for s in self.contracts}
        self._frames: list[Undo[Order]] = []  # the undo records of the open savepoints

    # ======================================================================= accounts

    def open_account(
        self,
        api_key: str,
        balances: Mapping[str, str | Decimal] | None = None,
        *,
        position_mode: PositionMode | None = None,
    ) -> Account:
        """Create ``api_key``'s account with starting wallet ``balances`` (default
        ``{"USDT": 0}``). Starting balances are not deposits: no event, no income row."""
        if api_key in self.accounts:
            raise ValueError(f"account {api_key!r} already exists")
        mode = self.position_mode if position_mode is None else position_mode
        if mode not in ("hedge", "oneway"):
            raise ValueError(f"position_mode must be 'hedge' or 'oneway', not {mode!r}")
        parsed: dict[str, Decimal] = {}
        for asset, amount in (balances if balances is not None else {"USDT": ZERO}).items():
            value = to_decimal(amount)
            if value < 0 or places_of(value) > 8:
                raise ValueError(f"a starting balance is >= 0 with <= 8 decimals: {amount!r}")
            parsed[asset] = value
        account = Account(api_key=api_key, user_id=str(self._take("user")), hedge=mode == "hedge")
        for asset, value in parsed.items():
            account.wallet[asset] = value
            account.totals[asset] = Totals(initial=value)
        self.accounts[api_key] = account
        self._new_index(account)
        return account

    def account(self, api_key: str) -> Account:
        """``api_key``'s account for reading; an unknown key reads as a fresh empty account
        (not stored). Do not mutate what this returns."""
        found = self.accounts.get(api_key)
        if found is not None:
            return found
        return Account(api_key=api_key, user_id="", hedge=self.position_mode == "hedge")

    def deposit(
        self, api_key: str, asset: str, amount: str | Decimal, *, now_ms: int
    ) -> tuple[Decimal, list[Effect]]:
        """Credit ``amount`` (a transfer in): ``ACCOUNT_UPDATE`` ``m=DEPOSIT``, a
        ``TRANSFER`` income row. Returns the new wallet balance."""
        value = self._transfer_amount(amount)
        with self._savepoint(api_key):
            account = self._account(api_key)
            self._book(account, asset, value, "deposits")
            self._income(account, "", "TRANSFER", value, asset, "Transfer", now_ms, "")
            effect = self._balance_effect(account, asset, "DEPOSIT", value, now_ms)
        return account.wallet[asset], [effect]

    def withdraw(
        self, api_key: str, asset: str, amount: str | Decimal, *, now_ms: int
    ) -> tuple[Decimal, list[Effect]]:
        """Debit ``amount`` (a transfer out); refused above the available margin."""
        value = self._transfer_amount(amount)
        with self._savepoint(api_key):
            account = self._account(api_key)
            if value > self.available_margin(account, asset):
                raise self.codes.insufficient_balance()
            self._book(account, asset, -value, "withdrawals")
            self._income(account, "", "TRANSFER", -value, asset, "Transfer", now_ms, "")
            effect = self._balance_effect(account, asset, "WITHDRAW", -value, now_ms)
        return account.wallet[asset], [effect]

    # ========================================================================= prices

    def set_price(
        self,
        symbol: str,
        mark: str | Decimal,
        *,
        last: str | Decimal | None = None,
        index: str | Decimal | None = None,
        now_ms: int,
    ) -> list[Effect]:
        """Move ``symbol``'s prices (last and index follow mark unless given) and run the
        matcher at once: resting limits the last price crosses fill at their own price as
        maker; stops whose trigger price (mark or last, by ``workingType``) crosses fill
        at the last price as taker. Accounts in opening order, orders by id."""
        self._contract(symbol)
        new_mark = self._positive_price(mark, "mark")
        new_last = new_mark if last is None else self._positive_price(last, "last")
        new_index = new_mark if index is None else self._positive_price(index, "index")
        prices = self.prices[symbol]
        prices.mark, prices.last, prices.index, prices.time = new_mark, new_last, new_index, now_ms
        prices.high = max(prices.high, new_last)
        prices.low = min(prices.low, new_last)
        effects: list[Effect] = []
        # Only the orders these prices reach can act (matching an order never moves the
        # prices, nor opens one): found by bisection, in (account, order id) order.
        for seq, order_id in self._books[symbol].crossed(prices):
            account = self._by_seq[seq]
            order = account.orders[order_id]
            if order.is_open:
                effects += self._match(account, order, now_ms)
        return effects

    def funding(self, symbol: str, rate: str | Decimal, *, now_ms: int) -> list[Effect]:
        """Settle funding at ``rate`` on every open position of ``symbol``: a position
        pays ``rate * signed qty * mark`` (longs pay when the rate is positive).
        ``ACCOUNT_UPDATE m=FUNDING_FEE`` per account: ``B`` always, ``P`` for isolated
        positions only, as BingX documents."""
        self._contract(symbol)
        try:
            value = to_decimal(rate)
        except InvalidAmount:
            raise self.codes.invalid("rate must be a decimal number") from None
        prices = self.prices[symbol]
        prices.funding_rate = value
        effects: list[Effect] = []
        for account in list(self.accounts.values()):
            held = sorted(
                (p for (s, _), p in account.positions.items() if s == symbol),
                key=lambda p: p.side,
            )
            contract = self._contract(symbol)
            asset = contract.margin_asset
            total = ZERO
            isolated: list[Position] = []
            for position in held:
                amount = -round_to(value * self.value(contract, position.qty, prices.mark), 8)
                if amount == 0:
                    continue
                total += amount
                self._income(
                    account, symbol, "FUNDING_FEE", amount, asset, "Funding Fee", now_ms, ""
                )
                if self.margin_type_of(account, symbol) == "ISOLATED":
                    isolated.append(position)
            if total == 0:
                continue
            self._book(account, asset, total, "funding")
            effects.append(
                wallet_change(
                    account.api_key,
                    reason="FUNDING_FEE",
                    balances=[self._balance_entry(account, asset, total)],
                    positions=[self._position_entry(account, p) for p in isolated],
                    now_ms=now_ms,
                    product=self.PRODUCT,
                )
            )
        return effects

    # ========================================================================= orders

    def place_order(
        self, api_key: str, request: OrderRequest, *, now_ms: int, test: bool = False
    ) -> tuple[Order, list[Effect]]:
        """Validate and place an order; a market or marketable limit order fills at once
        in full at the last price (taker). ``test=True`` validates and runs everything,
        then rolls it all back (``/trade/order/test``): the answer, no effects."""
        with self._savepoint(api_key) as savepoint:
            account = self._account(api_key)
            order = self._new_order(account, request, now_ms)
            effects = self._submit(account, order, now_ms)
            if test:
                savepoint.restore()
                return order, []
        return order, effects

    def cancel_order(
        self,
        api_key: str,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
        now_ms: int,
    ) -> tuple[Order, list[Effect]]:
        """Cancel an open order; a filled one answers 109422, an unknown, cancelled or
        expired one 109421. ``ORDER_TRADE_UPDATE`` ``CANCELED``."""
        order = self.find_order(api_key, symbol, order_id=order_id, client_order_id=client_order_id)
        if order.status == "FILLED":
            raise self.codes.order_filled()
        if not order.is_open:
            raise self.codes.order_not_found()
        account = self.accounts[api_key]
        return order, [self._cancel(account, order, "CANCELED", now_ms)]

    def cancel_all(
        self,
        api_key: str,
        symbol: str | None = None,
        *,
        order_type: str | None = None,
        now_ms: int,
    ) -> tuple[list[Order], list[Effect]]:
        """Cancel every open order (of ``symbol``, of ``order_type``), oldest first."""
        if symbol is not None:
            self._contract(symbol)
        account = self.accounts.get(api_key)
        if account is None:
            return [], []
        cancelled = [
            o
            for o in self.open_orders(api_key, symbol)
            if order_type is None or o.order_type == order_type
        ]
        effects = [self._cancel(account, o, "CANCELED", now_ms) for o in cancelled]
        return cancelled, effects

    def fill(
        self,
        api_key: str,
        order_id: int,
        qty: str | Decimal,
        price: str | Decimal | None = None,
        *,
        now_ms: int,
    ) -> tuple[Order, list[Effect]]:
        """Force a (partial) maker fill of a resting limit order, at its own price unless
        ``price`` is given: the test's way to get any partial-fill shape. Not margin
        checked (the test decides). Reduce-only and closing orders still never grow a
        position: the fill is clipped to what there is to close."""
        account = self.accounts.get(api_key)
        order = None if account is None else account.orders.get(order_id)
        if account is None or order is None:
            raise self.codes.order_not_found()
        if order.status == "FILLED":
            raise self.codes.order_filled()
        if not order.is_open:
            raise self.codes.order_not_found()
        if order.order_type != "LIMIT":
            raise self.codes.invalid("only a resting LIMIT order can be filled by hand")
        contract = self._contract(order.symbol)
        amount = self._decimal(qty, "qty")
        too_fine = places_of(amount) > contract.quantity_precision
        if amount <= 0 or amount > order.remaining or too_fine:
            raise self.codes.invalid(
                f"qty must be in (0, {order.remaining}] with at most "
                f"{contract.quantity_precision} decimals"
            )
        at = order.price if price is None else self._positive_price(price, "price")
        with self._savepoint(api_key):
            effects = self._fill_order(account, order, amount, at, maker=True, now_ms=now_ms)
        return account.orders[order_id], effects

    def liquidate(
        self, api_key: str, symbol: str, *, now_ms: int
    ) -> tuple[list[Order], list[Effect]]:
        """Liquidate ``api_key``'s positions in ``symbol``: its open orders there are
        cancelled, then each position closes at the mark price by a ``LIQUIDATION`` order
        (``x=CALCULATED``, ``X=FILLED``, no fee). The wallet loses the position's whole
        margin: the mark PnL is booked as ``REALIZED_PNL``, the rest of the margin as
        ``INSURANCE_CLEAR`` (the liquidation's ``rp`` reports the sum)."""
        self._contract(symbol)
        account = self.accounts.get(api_key)
        held = [] if account is None else self.positions(api_key, symbol)
        if account is None or not held:
            raise self.codes.no_position()
        with self._savepoint(api_key):
            effects: list[Effect] = []
            for order in self.open_orders(api_key, symbol):
                effects.append(self._cancel(account, order, "CANCELED", now_ms))
            orders: list[Order] = []
            mark = self.prices[symbol].mark
            for position in held:
                order = Order(
                    order_id=self._take("order"),
                    symbol=symbol,
                    side="SELL" if position.qty > 0 else "BUY",
                    position_side=position.side,
                    order_type="LIQUIDATION",
                    orig_qty=abs(position.qty),
                    price=mark,
                    stop_price=None,
                    time_in_force="GTC",
                    client_order_id="",
                    reduce_only=not account.hedge,
                    close_position=False,
                    working_type="MARK_PRICE",
                    leverage=self.leverage_for(account, symbol, position.direction),
                    time=now_ms,
                    update_time=now_ms,
                )
                account.orders[order.order_id] = order
                orders.append(order)
                effects += self._execute(
                    account,
                    order,
                    order.orig_qty,
                    mark,
                    maker=False,
                    now_ms=now_ms,
                    liquidation=True,
                )
        return orders, effects

    def close_all_positions(
        self, api_key: str, symbol: str | None = None, *, now_ms: int
    ) -> tuple[list[int], list[Effect]]:
        """Close every position (of ``symbol``) with a MARKET order each, as taker at the
        last price (``/trade/closeAllPositions``). Returns the closing order ids."""
        if symbol is not None:
            self._contract(symbol)
        if api_key not in self.accounts:
            return [], []
        with self._savepoint(api_key):
            account = self.accounts[api_key]
            ids: list[int] = []
            effects: list[Effect] = []
            for position in self.positions(api_key, symbol):
                request = OrderRequest(
                    symbol=position.symbol,
                    side="SELL" if position.qty > 0 else "BUY",
                    order_type="MARKET",
                    quantity=abs(position.qty),
                    position_side=position.side,
                    reduce_only=not account.hedge,
                )
                order = self._new_order(account, request, now_ms, internal=True)
                effects += self._submit(account, order, now_ms)
                ids.append(order.order_id)
        return ids, effects

    # ======================================================================= settings

    def set_leverage(
        self, api_key: str, symbol: str, side: str, leverage: int, *, now_ms: int
    ) -> tuple[int, list[Effect]]:
        """Set the leverage of ``side`` (``LONG``/``SHORT`` in hedge mode, ``BOTH`` in
        one-way mode, which sets both). Refused when the margin would no longer cover
        the positions and orders. ``ACCOUNT_CONFIG_UPDATE``."""
        contract = self._contract(symbol)
        with self._savepoint(api_key):
            account = self._account(api_key)
            allowed = ("LONG", "SHORT") if account.hedge else ("BOTH",)
            if side not in allowed:
                raise self.codes.position_side_for_mode(account.hedge, field="Side")
            sides = ("LONG", "SHORT") if side == "BOTH" else (side,)
            for each in sides:
                cap = contract.max_leverage(each)
                if not 1 <= leverage <= cap:
                    raise self.codes.invalid(f"leverage must be between 1 and {cap}")
            asset = contract.margin_asset
            before = self.available_margin(account, asset)
            for each in sides:
                account.leverages.setdefault(symbol, {})[each] = leverage
            self._refreeze_symbol(account, symbol)
            after = self.available_margin(account, asset)
            if after < 0 and after < before:
                raise self.codes.margin_not_enough()
        return leverage, [self._config_effect(account, symbol, now_ms)]

    def set_margin_type(
        self, api_key: str, symbol: str, margin_type: str, *, now_ms: int
    ) -> tuple[str, list[Effect]]:
        """``CROSSED`` or ``ISOLATED`` for ``symbol``; refused while the symbol has a
        position or an open order. ``ACCOUNT_CONFIG_UPDATE``."""
        self._contract(symbol)
        if margin_type == "SEPARATE_ISOLATED":
            raise self.codes.unsupported("marginType SEPARATE_ISOLATED")
        if margin_type not in ("CROSSED", "ISOLATED"):
            raise self.codes.invalid("marginType must be ISOLATED or CROSSED")
        with self._savepoint(api_key):
            account = self._account(api_key)
            if self.positions(api_key, symbol) or self.open_orders(api_key, symbol):
                raise self.codes.has_positions_or_orders()
            account.margin_types[symbol] = margin_type
        return margin_type, [self._config_effect(account, symbol, now_ms)]

    def set_position_mode(
        self, api_key: str, mode: PositionMode, *, now_ms: int
    ) -> tuple[PositionMode, list[Effect]]:
        """Switch hedge/one-way; refused (104103) while any position or open order
        exists. No event is documented for this change, so none is pushed."""
        if mode not in ("hedge", "oneway"):
            raise self.codes.invalid("dualSidePosition must be true or false")
        with self._savepoint(api_key):
            account = self._account(api_key)
            if account.positions or any(self._index_of(account).open.values()):
                raise self.codes.position_mode_locked()
            account.hedge = mode == "hedge"
        del now_ms  # kept for a uniform signature: every mutating call takes the time
        return mode, []

    # ======================================================================== queries

    def snapshot(self) -> object:
        """A deep, comparable copy of the whole state (accounts, prices, id counters):
        ``ledger.snapshot() == before`` is how a test shows a refusal changed nothing."""
        return copy.deepcopy((self.accounts, self.prices, self._next))

    def balance(self, api_key: str, asset: str = "USDT") -> Balance:
        """One asset's balance figures, exact (the renderers round them)."""
        account = self.account(api_key)
        totals = account.totals.get(asset, Totals())
        return Balance(
            asset=asset,
            wallet=account.wallet.get(asset, ZERO),
            equity=self.equity(account, asset),
            unrealized=self.unrealized_total(account, asset),
            realised=totals.realized + totals.fees + totals.funding + totals.insurance,
            available=self.available_margin(account, asset),
            used=self.used_margin(account, asset),
            frozen=self.frozen_margin(account, asset),
        )

    def position_mode_of(self, api_key: str) -> PositionMode:
        return "hedge" if self.account(api_key).hedge else "oneway"

    def leverage_of(self, api_key: str, symbol: str) -> tuple[int, int]:
        """``(long, short)`` leverage of ``symbol``."""
        self._contract(symbol)
        account = self.account(api_key)
        return (
            self.leverage_for(account, symbol, "LONG"),
            self.leverage_for(account, symbol, "SHORT"),
        )

    def positions(self, api_key: str, symbol: str | None = None) -> list[Position]:
        """Open positions, by symbol then side."""
        account = self.account(api_key)
        held = [p for p in account.positions.values() if symbol is None or p.symbol == symbol]
        return sorted(held, key=lambda p: (p.symbol, p.side))

    def open_orders(self, api_key: str, symbol: str | None = None) -> list[Order]:
        """Orders not yet in a terminal state (resting limits, untriggered stops), oldest
        first."""
        account = self.accounts.get(api_key)
        if account is None:
            return []
        return [account.orders[i] for i in open_ids(self._index_of(account).open, symbol)]

    def find_order(
        self,
        api_key: str,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """One order by id or client id (lowercased, as stored) within ``symbol``."""
        self._contract(symbol)
        if order_id is None and not client_order_id:
            raise self.codes.invalid(
                "Cannot have both orderId and clientOrderID fields empty,one must be filled"
            )
        account = self.account(api_key)
        if order_id is None and client_order_id:
            order_id = account.client_ids.get(client_order_id.lower())
        order = None if order_id is None else account.orders.get(order_id)
        if order is None or order.symbol != symbol:
            raise self.codes.order_not_found()
        return order

    def order_history(
        self,
        api_key: str,
        symbol: str | None = None,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 500,
        from_order_id: int | None = None,
        closed_only: bool = False,
    ) -> list[Order]:
        """All orders (open and closed; ``closed_only``: only those in a terminal state)
        by id, within ``[start_ms, end_ms]`` of their creation time, the oldest ``limit``
        of them from ``from_order_id`` on."""
        chosen = [
            o
            for o in self.account(api_key).orders.values()
            if (symbol is None or o.symbol == symbol)
            and not (closed_only and o.is_open)
            and (start_ms is None or o.time >= start_ms)
            and (end_ms is None or o.time <= end_ms)
            and (from_order_id is None or o.order_id >= from_order_id)
        ]
        return chosen[:limit]

    def fills_of(
        self,
        api_key: str,
        symbol: str | None = None,
        *,
        order_id: int | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> list[Fill]:
        """Executions, oldest first."""
        return [
            f
            for f in self.account(api_key).fills
            if (symbol is None or f.symbol == symbol)
            and (order_id is None or f.order_id == order_id)
            and (start_ms is None or f.time >= start_ms)
            and (end_ms is None or f.time <= end_ms)
        ]

    def income_of(
        self,
        api_key: str,
        symbol: str | None = None,
        *,
        income_type: str | None = None,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 100,
    ) -> list[Income]:
        """Income rows (``REALIZED_PNL``, ``FUNDING_FEE``, ``TRADING_FEE``,
        ``TRANSFER``, ``INSURANCE_CLEAR``), oldest first, at most ``limit``."""
        rows = [
            r
            for r in self.account(api_key).income
            if (symbol is None or r.symbol == symbol)
            and (income_type is None or r.income_type == income_type)
            and (start_ms is None or r.time >= start_ms)
            and (end_ms is None or r.time <= end_ms)
        ]
        return rows[:limit]

    def commission_rates(self, symbol: str | None = None) -> tuple[Decimal, Decimal]:
        """``(taker, maker)`` of ``symbol``, or of the first contract (the account-wide
        answer of ``/v2/user/commissionRate``)."""
        contract = self._contract(symbol) if symbol else next(iter(self.contracts.values()))
        return contract.taker_fee_rate, contract.maker_fee_rate

    def leverage_for(self, account: Account, symbol: str, direction: str) -> int:
        """The leverage of ``direction`` (``LONG``/``SHORT``) in ``symbol``."""
        return account.leverages.get(symbol, {}).get(direction, self.default_leverage)

    def margin_type_of(self, account: Account, symbol: str) -> str:
        """``CROSSED`` or ``ISOLATED``."""
        return account.margin_types.get(symbol, self.default_margin_type)

    # -- margin arithmetic (public: the renderers and the invariant tests use it) --------

    def value(self, contract: Contract, qty: Decimal, price: Decimal) -> Decimal:
        """What ``qty`` contracts are worth at ``price`` in the margin asset (signed like
        ``qty``): ``qty * price`` on a linear contract."""
        return qty * price

    def notional(self, contract: Contract, qty: Decimal, price: Decimal) -> Decimal:
        """The order size the minimum-notional rule reads (``tradeMinUSDT``)."""
        return qty * price

    def pnl(self, contract: Contract, entry: Decimal, price: Decimal, qty: Decimal) -> Decimal:
        """The PnL of ``qty`` (signed) held from ``entry`` to ``price``:
        ``(price - entry) * qty`` on a linear contract."""
        return (price - entry) * qty

    def entry_cost(self, contract: Contract, qty: Decimal, price: Decimal) -> Decimal:
        """What a fill adds to a position's ``open_cost`` (see :class:`Position`)."""
        return qty * price

    def position_margin(self, account: Account, position: Position) -> Decimal:
        """Initial margin: ``value(|qty|, entry) / leverage`` (``|qty| * entry / lev``)."""
        lev = self.leverage_for(account, position.symbol, position.direction)
        contract = self._contract(position.symbol)
        return self.value(contract, abs(position.qty), position.entry) / lev

    def unrealized(self, position: Position) -> Decimal:
        """``pnl(entry → mark)``: ``(mark - entry) * signed qty`` on a linear contract."""
        contract = self._contract(position.symbol)
        mark = self.prices[position.symbol].mark
        return self.pnl(contract, position.entry, mark, position.qty)

    def isolated_margin(self, account: Account, position: Position) -> Decimal:
        """The stream's ``iw``: the position margin if isolated, else 0."""
        if self.margin_type_of(account, position.symbol) != "ISOLATED":
            return ZERO
        return self.position_margin(account, position)

    def order_frozen(self, account: Account, order: Order) -> Decimal:
        """Margin a resting limit order holds: the part that would open a position,
        ``qty * price * (1/leverage + maker fee)`` (so its maker fill cannot overdraw).
        Stops hold nothing until they trigger; closing orders hold nothing."""
        if not order.is_open or order.order_type != "LIMIT":
            return ZERO
        opening = self._opening_qty(account, order, order.remaining)
        if opening <= 0:
            return ZERO
        contract = self._contract(order.symbol)
        lev = self.leverage_for(account, order.symbol, self._direction(account, order))
        notional = self.value(contract, opening, order.price)
        return notional / lev + notional * contract.maker_fee_rate

    def used_margin(self, account: Account, asset: str = "USDT") -> Decimal:
        return sum(
            (
                self.position_margin(account, p)
                for p in account.positions.values()
                if self._contract(p.symbol).margin_asset == asset
            ),
            ZERO,
        )

    def frozen_margin(self, account: Account, asset: str = "USDT") -> Decimal:
        """``Σ order_frozen`` over the open orders: a running sum kept by :meth:`_sync`
        (exact, rounded to the context's precision here), so O(1) in the orders."""
        index = self._indexes.get(account.api_key)
        if index is not None and index.account is account:
            total = index.frozen.total(asset)
            return ZERO if total is None else +total
        return sum(
            (
                self.order_frozen(account, o)
                for o in account.orders.values()
                if o.is_open and self._contract(o.symbol).margin_asset == asset
            ),
            ZERO,
        )

    def unrealized_total(self, account: Account, asset: str = "USDT") -> Decimal:
        return sum(
            (
                self.unrealized(p)
                for p in account.positions.values()
                if self._contract(p.symbol).margin_asset == asset
            ),
            ZERO,
        )

    def available_margin(self, account: Account, asset: str = "USDT") -> Decimal:
        """``balance - usedMargin - freezedMargin``; unrealized PnL is not added (as in the
        recorded v3 balance answers)."""
        wallet = account.wallet.get(asset, ZERO)
        return wallet - self.used_margin(account, asset) - self.frozen_margin(account, asset)

    def equity(self, account: Account, asset: str = "USDT") -> Decimal:
        """``balance + Σ unrealized``."""
        return account.wallet.get(asset, ZERO) + self.unrealized_total(account, asset)

    def cross_wallet(self, account: Account, asset: str = "USDT") -> Decimal:
        """The stream's ``cw``: wallet minus the isolated positions' margins."""
        isolated = sum(
            (
                self.isolated_margin(account, p)
                for p in account.positions.values()
                if self._contract(p.symbol).margin_asset == asset
            ),
            ZERO,
        )
        return account.wallet.get(asset, ZERO) - isolated

    def closable(self, account: Account, order: Order) -> Decimal:
        """How much of its position a closing order can still close right now."""
        if account.hedge:
            held = account.positions.get((order.symbol, order.position_side))
            return abs(held.qty) if held is not None else ZERO
        held = account.positions.get((order.symbol, "BOTH"))
        qty = held.qty if held is not None else ZERO
        if (order.side == "BUY" and qty < 0) or (order.side == "SELL" and qty > 0):
            return abs(qty)
        return ZERO

    def is_closing(self, account: Account, order: Order) -> bool:
        """Hedge: SELL+LONG or BUY+SHORT; one-way: reduce-only or close-position."""
        if account.hedge:
            return (order.side, order.position_side) in (("SELL", "LONG"), ("BUY", "SHORT"))
        return order.reduce_only or order.close_position

    def contract(self, symbol: str) -> Contract:
        """The contract of ``symbol``; unknown → 109400 with BingX's message."""
        return self._contract(symbol)

    # ====================================================================== internals

    def _take(self, counter: str) -> int:
        value = self._next[counter]
        self._next[counter] = value + 1
        return value

    def _contract(self, symbol: str) -> Contract:
        found = self.contracts.get(symbol)
        if found is None:
            raise self.codes.unknown_symbol(symbol, self.CONTRACTS_PATH)
        return found

    def _account(self, api_key: str) -> Account:
        """The account a mutating call works on (opened empty on first use if
        ``auto_open``); call after taking the savepoint so a refusal undoes the opening."""
        found = self.accounts.get(api_key)
        if found is not None:
            return found
        if not self.auto_open:
            raise self.codes.refuse(100413, "Incorrect apiKey")
        return self.open_account(api_key)

    def _decimal(self, value: str | Decimal, name: str) -> Decimal:
        try:
            return to_decimal(value)
        except InvalidAmount:
            raise self.codes.invalid(f"{name} must be a number") from None

    def _positive_price(self, value: str | Decimal, name: str) -> Decimal:
        price = self._decimal(value, name)
        if price <= 0:
            raise self.codes.invalid(f"{name} must be greater than 0")
        return price

    def _transfer_amount(self, amount: str | Decimal) -> Decimal:
        value = self._decimal(amount, "amount")
        if value <= 0 or places_of(value) > 8:
            raise self.codes.invalid("amount must be > 0 with at most 8 decimals")
        return value

    def _savepoint(self, api_key: str) -> _Savepoint:
        """Capture what any one call on ``api_key`` can change (``with`` it: an exception
        puts it back). Append-only history (fills, income) is truncated, orders created
        are removed, orders changed are put back from the copies :meth:`_touch` took,
        and the small maps are copied whole: nothing here grows with the orders."""
        return _Savepoint(self, api_key)

    def _restore(self, saved: _Savepoint) -> None:
        created_to = self._next["order"]
        self._next = saved.counters
        self.prices = saved.prices
        acct = saved.account
        if acct is None:
            made = self.accounts.pop(saved.api_key, None)
            if made is not None:
                for order in made.orders.values():
                    self._unindex(made, order)
                index = self._indexes.pop(saved.api_key, None)
                if index is not None:
                    self._by_seq.pop(index.seq, None)
            return
        leverages = acct.leverages
        acct.wallet = saved.wallet
        acct.totals = saved.totals
        acct.positions = saved.positions
        acct.margin_types = saved.margin_types
        acct.leverages = saved.leverages
        acct.hedge = saved.hedge
        traded: set[str] = set()
        for order_id in range(saved.undo.first_new, created_to):
            removed = acct.orders.pop(order_id, None)
            if removed is None:
                continue
            client_id = removed.client_order_id
            if client_id and acct.client_ids.get(client_id) == order_id:
                del acct.client_ids[client_id]
            self._unindex(acct, removed)
            traded.add(removed.symbol)
        for order_id, copied in saved.undo.saved.items():
            acct.orders[order_id] = copied
            self._sync(acct, copied)
            traded.add(copied.symbol)
        del acct.fills[saved.fills :]
        del acct.income[saved.income :]
        # A frozen margin depends on the leverage and, one-way, on the position.
        stale = {
            s
            for s in leverages.keys() | acct.leverages.keys()
            if leverages.get(s) != acct.leverages.get(s)
        }
        if not acct.hedge:
            stale |= traded
        for symbol in sorted(stale):
            self._refreeze_symbol(acct, symbol)

    # -- indexes (derived from the orders; see ``index.py``) -----------------------------

    def _new_index(self, account: Account) -> _AccountIndex:
        self._seq += 1
        index = _AccountIndex(account, self._seq)
        self._indexes[account.api_key] = index
        self._by_seq[index.seq] = account
        return index

    def _index_of(self, account: Account) -> _AccountIndex:
        index = self._indexes.get(account.api_key)
        if index is None or index.account is not account:
            index = self._new_index(account)  # an account stored by hand: index it now
            for order in account.orders.values():
                self._sync(account, order)
        return index

    def _touch(self, order: Order) -> None:
        """Call before changing an order: each open savepoint keeps a copy of the order
        as it was, unless the order is newer than the savepoint (then undo removes it)."""
        for undo in self._frames:
            if order.order_id < undo.first_new and order.order_id not in undo.saved:
                undo.saved[order.order_id] = copy.copy(order)

    def _sync(self, account: Account, order: Order) -> None:
        """Bring the indexes in step with ``order`` as it is now (call after a change)."""
        index = self._index_of(account)
        order_id = order.order_id
        symbol = order.symbol
        ids = index.open.get(symbol)
        listed = ids is not None and order_id in ids
        if order.is_open and not listed:
            index.open.setdefault(symbol, set()).add(order_id)
            place = self._books[symbol].ladder(order)
            if place is not None:
                place[0].add(place[1], index.seq, order_id)
        elif listed and not order.is_open:
            self._delist(index, order)
        self._reprice(index, account, order)

    def _unindex(self, account: Account, order: Order) -> None:
        """Forget ``order`` (removed by an undo) in every index."""
        index = self._index_of(account)
        ids = index.open.get(order.symbol)
        if ids is not None and order.order_id in ids:
            self._delist(index, order)
        index.frozen.set(order.order_id, "", ZERO)
        index.pending.set(order.order_id, _pending_key(order), ZERO)

    def _delist(self, index: _AccountIndex, order: Order) -> None:
        index.open[order.symbol].discard(order.order_id)
        place = self._books[order.symbol].ladder(order)
        if place is not None:
            place[0].remove(place[1], index.seq, order.order_id)

    def _reprice(self, index: _AccountIndex, account: Account, order: Order) -> None:
        """``order``'s frozen margin and pending closing quantity in the running sums."""
        asset = self._contract(order.symbol).margin_asset
        index.frozen.set(order.order_id, asset, self.order_frozen(account, order))
        closing = order.is_open and self.is_closing(account, order)
        index.pending.set(order.order_id, _pending_key(order), order.remaining if closing else ZERO)

    def _refreeze_symbol(self, account: Account, symbol: str) -> None:
        """Re-price every open order of ``symbol`` (its leverage or, one-way, its position
        changed)."""
        index = self._index_of(account)
        for order_id in sorted(index.open.get(symbol, ())):
            self._reprice(index, account, account.orders[order_id])

    def check_indexes(self) -> None:
        """For tests: raise ``AssertionError`` unless every derived index (open orders,
        price ladders, frozen-margin and pending-quantity running sums) equals a full
        recomputation from the orders."""
        expected: dict[str, list[tuple[Decimal, int, int]]] = {}
        for api_key, account in self.accounts.items():
            index = self._indexes.get(api_key)
            if index is None or index.account is not account:
                raise AssertionError(f"{api_key}: no index")
            if self._by_seq.get(index.seq) is not account:
                raise AssertionError(f"{api_key}: not found by its sequence number")
            open_now = {
                s: {i for i, o in account.orders.items() if o.is_open and o.symbol == s}
                for s in {o.symbol for o in account.orders.values()} | set(index.open)
            }
            listed = {s: ids for s, ids in index.open.items() if ids}
            if {s: ids for s, ids in open_now.items() if ids} != listed:
                raise AssertionError(f"{api_key}: open orders {listed} != {open_now}")
            frozen: dict[str, Decimal] = {}
            pending: dict[PendingKey, Decimal] = {}
            for order in account.orders.values():
                amount = self.order_frozen(account, order)
                asset = self._contract(order.symbol).margin_asset
                if amount:
                    frozen[asset] = EXACT.add(frozen.get(asset, ZERO), amount)
                if order.is_open and self.is_closing(account, order) and order.remaining:
                    key = _pending_key(order)
                    pending[key] = EXACT.add(pending.get(key, ZERO), order.remaining)
                if order.is_open:
                    place = self._books[order.symbol].ladder(order)
                    if place is not None:
                        name = f"{order.symbol}:{id(place[0])}"
                        expected.setdefault(name, []).append((place[1], index.seq, order.order_id))
            if index.frozen.sums != frozen:
                raise AssertionError(f"{api_key}: frozen {index.frozen.sums} != {frozen}")
            for asset in {*frozen, "USDT", *account.wallet}:
                full = sum(
                    (
                        self.order_frozen(account, o)
                        for o in account.orders.values()
                        if o.is_open and self._contract(o.symbol).margin_asset == asset
                    ),
                    ZERO,
                )
                if abs(self.frozen_margin(account, asset) - full) > Decimal("1E-20"):
                    raise AssertionError(f"{api_key}: frozen_margin {asset} != {full}")
            if index.pending.sums != pending:
                raise AssertionError(f"{api_key}: pending {index.pending.sums} != {pending}")
        for symbol, book in self._books.items():
            for ladder in (book.buys, book.sells, *book.stops.values()):
                want = sorted(expected.get(f"{symbol}:{id(ladder)}", []))
                if ladder.entries != want:
                    raise AssertionError(f"{symbol}: ladder {ladder.entries} != {want}")

    def _book(self, account: Account, asset: str, amount: Decimal, term: str) -> None:
        """Move the wallet by ``amount`` and add it to the named term of the
        conservation identity (deposits and withdrawals are booked as positive sums)."""
        account.wallet[asset] = account.wallet.get(asset, ZERO) + amount
        totals = account.totals.setdefault(asset, Totals())
        magnitude = -amount if term == "withdrawals" else amount
        setattr(totals, term, getattr(totals, term) + magnitude)

    def _income(
        self,
        account: Account,
        symbol: str,
        income_type: str,
        amount: Decimal,
        asset: str,
        info: str,
        now_ms: int,
        trade_id: str,
    ) -> None:
        tran_id = self._take("tran")
        account.income.append(
            Income(
                symbol, income_type, amount, asset, info, now_ms, tran_id, trade_id or str(tran_id)
            )
        )

    # -- events -------------------------------------------------------------------------

    def _balance_entry(self, account: Account, asset: str, change: Decimal) -> dict[str, Any]:
        return events.balance(
            asset=asset,
            wallet_balance=stream(account.wallet.get(asset, ZERO)),
            cross_wallet_balance=stream(self.cross_wallet(account, asset)),
            balance_change=stream(change),
        )

    def _position_entry(self, account: Account, position: Position) -> dict[str, Any]:
        return events.position(
            symbol=position.symbol,
            amount=stream(position.qty),
            entry_price=stream(position.entry),
            unrealized_pnl=stream(self.unrealized(position)),
            margin_type=stream_margin_type(self.margin_type_of(account, position.symbol)),
            isolated_wallet=stream(self.isolated_margin(account, position)),
            side=position.side,
            realized_pnl=stream(position.realized),
        )

    def _balance_effect(
        self, account: Account, asset: str, reason: str, change: Decimal, now_ms: int
    ) -> Effect:
        return wallet_change(
            account.api_key,
            reason=reason,
            balances=[self._balance_entry(account, asset, change)],
            positions=[],
            now_ms=now_ms,
            product=self.PRODUCT,
        )

    def _config_effect(self, account: Account, symbol: str, now_ms: int) -> Effect:
        return config_change(
            account.api_key,
            symbol=symbol,
            long_leverage=self.leverage_for(account, symbol, "LONG"),
            short_leverage=self.leverage_for(account, symbol, "SHORT"),
            margin_type=self.margin_type_of(account, symbol),
            now_ms=now_ms,
            product=self.PRODUCT,
        )

    # -- order placement ----------------------------------------------------------------

    def _direction(self, account: Account, order: Order) -> str:
        """The side of the position an order opens (and whose leverage it uses)."""
        if account.hedge:
            return order.position_side
        return "LONG" if order.side == "BUY" else "SHORT"

    def _opening_qty(self, account: Account, order: Order, qty: Decimal) -> Decimal:
        """The part of ``qty`` that would open or grow a position."""
        if self.is_closing(account, order):
            return ZERO
        if account.hedge:
            return qty
        return max(ZERO, qty - self.closable(account, order))

    def _new_order(
        self, account: Account, request: OrderRequest, now_ms: int, *, internal: bool = False
    ) -> Order:
        """Validate ``request`` against the contract, the mode and the position, and build
        the order (not yet stored). ``internal`` orders (close-all) skip the minimums."""
        codes = self.codes
        symbol = request.symbol
        if "-" not in symbol:
            raise codes.unknown_symbol(symbol, self.CONTRACTS_PATH)
        contract = self._contract(symbol)
        prices = self.prices[symbol]
        side = request.side
        if side not in ("BUY", "SELL"):
            raise codes.invalid("side must be BUY or SELL")
        kind = request.order_type
        if kind in UNSUPPORTED_TYPES:
            raise codes.unsupported(f"order type {kind}")
        if kind not in SUPPORTED_TYPES:
            raise codes.invalid(f"type {kind!r} is not a valid order type")
        conditional = kind in CONDITIONAL_TYPES

        position_side = request.position_side
        if account.hedge:
            position_side = position_side or "LONG"  # BingX: "defaults to LONG if empty"
            if position_side not in ("LONG", "SHORT"):
                raise codes.position_side_for_mode(hedge=True)
            if request.reduce_only:
                raise codes.reduce_only_in_hedge()
        else:
            position_side = position_side or "BOTH"
            if position_side != "BOTH":
                raise codes.position_side_for_mode(hedge=False)

        if request.close_position:
            if kind not in _CLOSE_POSITION_TYPES:
                raise codes.invalid(
                    "closePosition only supports STOP_MARKET and TAKE_PROFIT_MARKET"
                )
            if request.reduce_only:
                raise codes.invalid("closePosition is not used with reduceOnly")

        time_in_force = request.time_in_force or "GTC"
        if time_in_force not in _TIME_IN_FORCE:
            raise codes.invalid("timeInForce must be GTC, IOC, FOK or PostOnly")
        working_type = request.working_type or "MARK_PRICE"
        if working_type not in _WORKING_TYPES:
            raise codes.invalid("workingType must be MARK_PRICE or CONTRACT_PRICE")

        price = ZERO
        if kind == "LIMIT":
            if request.price is None:
                raise codes.refuse(109400, "parameter price is must")
            price = self._check_price(request.price, contract, "price")
        elif kind == "MARKET":
            price = prices.last
        stop_price: Decimal | None = None
        if conditional:
            if request.stop_price is None:
                raise codes.refuse(109400, "parameter stopPrice is must")
            stop_price = self._check_price(request.stop_price, contract, "stopPrice")

        reference = price if kind != "MARKET" else prices.last
        if conditional and stop_price is not None:
            reference = stop_price
        qty = self._order_quantity(request, contract, kind, reference)

        client_id = ""
        if request.client_order_id:
            client_id = request.client_order_id.lower()
            if len(client_id) > _MAX_CLIENT_ID:
                raise codes.invalid("clientOrderId must be 1 to 40 characters")
            if client_id in account.client_ids:
                raise codes.duplicate_client_id()

        order = Order(
            order_id=self._next["order"],  # taken only once the order is accepted
            symbol=symbol,
            side=side,
            position_side=position_side,
            order_type=kind,
            orig_qty=qty,
            price=price,
            stop_price=stop_price,
            time_in_force=time_in_force if kind == "LIMIT" else "GTC",
            client_order_id=client_id,
            reduce_only=request.reduce_only,
            close_position=request.close_position,
            working_type=working_type,
            leverage=0,
            time=now_ms,
            update_time=now_ms,
            quote_order_qty=request.quote_order_qty,
        )
        order.leverage = self.leverage_for(account, symbol, self._direction(account, order))
        closing = self.is_closing(account, order)

        if not internal and not request.close_position:
            if qty < contract.trade_min_quantity:
                raise codes.below_min_quantity(
                    format(contract.trade_min_quantity, "f"), contract.quantity_unit
                )
            if not closing and self.notional(contract, qty, reference) < contract.trade_min_usdt:
                raise codes.below_min_notional(format(contract.trade_min_usdt, "f"))

        if closing:
            self._check_closing(account, order, count_pending=not internal)

        if kind == "TRIGGER_MARKET":
            # BingX's plan order: it fires when the price reaches stopPrice from where it
            # is now, in either direction; at the price already, it fires at once (inferred).
            assert stop_price is not None
            order.rising = stop_price >= self._trigger_source(order)
        elif conditional and self._is_triggered(order, self._trigger_source(order)):
            raise codes.trigger_on_wrong_side(kind, side)
        if kind == "LIMIT" and time_in_force == "PostOnly" and self._marketable(order):
            raise codes.post_only_would_take()
        return order

    def _check_price(self, value: Decimal, contract: Contract, name: str) -> Decimal:
        if value <= 0:
            raise self.codes.invalid(f"{name} must be greater than 0")
        if places_of(value) > contract.price_precision:
            raise self.codes.invalid(
                f"{name} precision exceeds {contract.price_precision} decimals"
            )
        return value

    def _order_quantity(
        self, request: OrderRequest, contract: Contract, kind: str, reference: Decimal
    ) -> Decimal:
        if request.close_position:
            return ZERO  # the position decides at trigger time
        if request.quantity is not None:
            qty = request.quantity
            if qty <= 0:
                raise self.codes.invalid("quantity must be greater than 0")
            if places_of(qty) > contract.quantity_precision:
                raise self.codes.invalid(
                    f"quantity precision exceeds {contract.quantity_precision} decimals"
                )
            return qty
        if request.quote_order_qty is not None:
            if kind not in ("MARKET", "LIMIT"):
                raise self.codes.invalid("quoteOrderQty only supports MARKET and LIMIT orders")
            if request.quote_order_qty <= 0:
                raise self.codes.invalid("quoteOrderQty must be greater than 0")
            qty = floor_to(request.quote_order_qty / reference, contract.quantity_precision)
            if qty <= 0:
                raise self.codes.below_min_quantity(
                    format(contract.trade_min_quantity, "f"), contract.quantity_unit
                )
            return qty
        raise self.codes.refuse(109400, "parameter quantity is must")

    def _check_closing(self, account: Account, order: Order, *, count_pending: bool) -> None:
        """A closing order needs a position to close and may not close more than is left
        once the other pending closing orders of its kind are counted."""
        closable = self.closable(account, order)
        if closable == 0:
            if account.hedge or order.close_position:
                raise self.codes.no_position()
            raise self.codes.reduce_only_would_open()
        if order.close_position or not count_pending:
            return
        pending = self._index_of(account).pending.total(_pending_key(order)) or ZERO
        if order.orig_qty > closable - pending:
            raise self.codes.reduce_only_would_open()

    def _submit(self, account: Account, order: Order, now_ms: int) -> list[Effect]:
        """Store a validated order, push ``NEW``, and execute what executes at once;
        refused (rolled back by the caller) if it leaves the margin short."""
        asset = self._contract(order.symbol).margin_asset
        before = self.available_margin(account, asset)
        # Only what opens needs margin: closing books the position's loss into the
        # wallet, which may take the available margin below zero, and is still allowed.
        opening = self._opening_qty(account, order, order.remaining) > 0
        self._take("order")
        account.orders[order.order_id] = order
        if order.client_order_id:
            account.client_ids[order.client_order_id] = order.order_id
        self._sync(account, order)
        contract = self._contract(order.symbol)
        effects = [
            order_update(
                account.api_key,
                order,
                contract,
                execution_type="NEW",
                fill=None,
                now_ms=now_ms,
                product=self.PRODUCT,
            )
        ]
        last = self.prices[order.symbol].last
        if order.order_type == "MARKET":
            effects += self._fill_order(
                account, order, order.remaining, last, maker=False, now_ms=now_ms
            )
        elif order.order_type == "LIMIT":
            if self._marketable(order):
                effects += self._fill_order(
                    account, order, order.remaining, last, maker=False, now_ms=now_ms
                )
            elif order.time_in_force in ("IOC", "FOK"):
                effects.append(self._cancel(account, order, "EXPIRED", now_ms))
        elif order.order_type == "TRIGGER_MARKET" and self._is_triggered(
            order, self._trigger_source(order)
        ):
            effects += self._trigger(account, order, now_ms)
        after = self.available_margin(account, asset)
        if opening and after < 0 and after < before:
            raise self.codes.insufficient_margin()
        return effects

    # -- matching -----------------------------------------------------------------------

    def _marketable(self, order: Order) -> bool:
        """Would a limit order take liquidity at the current last price?"""
        last = self.prices[order.symbol].last
        return order.price >= last if order.side == "BUY" else order.price <= last

    def _trigger_source(self, order: Order) -> Decimal:
        prices = self.prices[order.symbol]
        return prices.last if order.working_type == "CONTRACT_PRICE" else prices.mark

    @staticmethod
    def _is_triggered(order: Order, price: Decimal) -> bool:
        """BingX's rules: a stop buys at or above its trigger and sells at or below it;
        a take-profit buys at or below and sells at or above; a trigger order fires in the
        direction it was placed in (``Order.rising``)."""
        stop = order.stop_price
        assert stop is not None
        if order.rising is not None:
            rising = order.rising
        else:
            rising = (order.order_type == "STOP_MARKET") == (order.side == "BUY")
        return price >= stop if rising else price <= stop

    def _match(self, account: Account, order: Order, now_ms: int) -> list[Effect]:
        if order.order_type == "LIMIT":
            last = self.prices[order.symbol].last
            crossed = last <= order.price if order.side == "BUY" else last >= order.price
            if not crossed:
                return []
            return self._fill_order(
                account, order, order.remaining, order.price, maker=True, now_ms=now_ms
            )
        source = self._trigger_source(order)
        if order.is_conditional and not order.triggered and self._is_triggered(order, source):
            return self._trigger(account, order, now_ms)
        return []

    def _trigger(self, account: Account, order: Order, now_ms: int) -> list[Effect]:
        """A triggered stop or take-profit becomes a market order: it fills at the last
        price as taker, or is cancelled if it has nothing to close or (opening) the
        margin no longer covers it."""
        self._touch(order)
        order.triggered = True
        if order.close_position:
            order.orig_qty = self.closable(account, order)
            self._sync(account, order)
            if order.orig_qty == 0:
                return [self._cancel(account, order, "CANCELED", now_ms)]
        asset = self._contract(order.symbol).margin_asset
        opening = self._opening_qty(account, order, order.remaining) > 0
        with self._savepoint(account.api_key) as savepoint:
            before = self.available_margin(account, asset)
            last = self.prices[order.symbol].last
            effects = self._fill_order(
                account, order, order.remaining, last, maker=False, now_ms=now_ms
            )
            after = self.available_margin(account, asset)
            short = opening and after < 0 and after < before
            if short:
                savepoint.restore()
        if short:
            kept = account.orders[order.order_id]
            return [self._cancel(account, kept, "CANCELED", now_ms)]
        return effects

    def _fill_order(
        self,
        account: Account,
        order: Order,
        qty: Decimal,
        price: Decimal,
        *,
        maker: bool,
        now_ms: int,
    ) -> list[Effect]:
        """Fill up to ``qty``; a closing order is clipped to what its position still
        holds, and what it can no longer close is cancelled (it never grows a position)."""
        if not self.is_closing(account, order):
            return self._execute(account, order, qty, price, maker=maker, now_ms=now_ms)
        amount = min(qty, self.closable(account, order))
        effects: list[Effect] = []
        if amount > 0:
            effects += self._execute(account, order, amount, price, maker=maker, now_ms=now_ms)
        if order.is_open and self.closable(account, order) == 0:
            effects.append(self._cancel(account, order, "CANCELED", now_ms))
        return effects

    def _execute(
        self,
        account: Account,
        order: Order,
        qty: Decimal,
        price: Decimal,
        *,
        maker: bool,
        now_ms: int,
        liquidation: bool = False,
    ) -> list[Effect]:
        """One fill: position (VWAP entry, reset on crossing zero), realized PnL, fee,
        wallet, order, income rows; then ``ACCOUNT_UPDATE`` and the fill's
        ``ORDER_TRADE_UPDATE``, in that order."""
        self._touch(order)
        contract = self._contract(order.symbol)
        asset = contract.margin_asset
        key = (order.symbol, order.position_side)
        position = account.positions.get(key)
        if position is None:
            position = Position(
                order.symbol,
                order.position_side,
                self._take("position"),
                now_ms,
                now_ms,
                inverse=contract.inverse,
            )
            account.positions[key] = position
        margin_before = self.position_margin(account, position) if liquidation else ZERO
        delta = qty if order.side == "BUY" else -qty
        realized = ZERO
        if position.qty == 0 or (position.qty > 0) == (delta > 0):
            position.open_cost += self.entry_cost(contract, qty, price)
            position.open_qty += qty
            position.qty += delta
        else:
            closing = min(qty, abs(position.qty))
            sign = 1 if position.qty > 0 else -1
            realized = round_to(self.pnl(contract, position.entry, price, closing * sign), 8)
            position.qty += delta
            rest = qty - closing
            if position.qty == 0 or rest > 0:
                position.open_cost = self.entry_cost(contract, rest, price)
                position.open_qty = rest
            if rest > 0:  # crossed zero: a new position starts here
                position.position_id = self._take("position")
                position.create_time = now_ms
                position.realized = ZERO
        rate = contract.maker_fee_rate if maker else contract.taker_fee_rate
        fee = ZERO if liquidation else -round_to(self.value(contract, qty, price) * rate, 8)
        self._book(account, asset, realized, "realized")
        self._book(account, asset, fee, "fees")
        insurance = ZERO
        if liquidation:
            insurance = -round_to(margin_before, 8) - realized
            self._book(account, asset, insurance, "insurance")
        position.realized += realized + fee
        position.update_time = now_ms
        order.executed_qty += qty
        order.cum_quote += qty * price
        order.commission += fee
        order.profit += realized + insurance
        order.update_time = now_ms
        order.status = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
        fill = Fill(
            trade_id=self._take("trade"),
            order_id=order.order_id,
            symbol=order.symbol,
            side=order.side,
            position_side=order.position_side,
            qty=qty,
            price=price,
            commission=fee,
            realized_pnl=realized,
            maker=maker,
            time=now_ms,
            client_order_id=order.client_order_id,
            liquidation=liquidation,
        )
        account.fills.append(fill)
        trade_id = str(fill.trade_id)
        if realized:
            self._income(
                account,
                order.symbol,
                "REALIZED_PNL",
                realized,
                asset,
                "Realized PNL",
                now_ms,
                trade_id,
            )
        if fee:
            self._income(
                account, order.symbol, "TRADING_FEE", fee, asset, "Trading Fee", now_ms, trade_id
            )
        if insurance:
            self._income(
                account,
                order.symbol,
                "INSURANCE_CLEAR",
                insurance,
                asset,
                "Insurance Clear",
                now_ms,
                trade_id,
            )
        prices = self.prices[order.symbol]
        prices.volume += qty
        prices.quote_volume += qty * price
        prices.last_qty = qty
        entry = self._position_entry(account, position)
        if position.qty == 0:
            del account.positions[key]
        self._sync(account, order)
        if not account.hedge:  # one-way: the position decides what each open order opens
            self._refreeze_symbol(account, order.symbol)
        return [
            wallet_change(
                account.api_key,
                reason="ORDER",
                balances=[self._balance_entry(account, asset, ZERO)],
                positions=[entry],
                now_ms=now_ms,
                product=self.PRODUCT,
            ),
            order_update(
                account.api_key,
                order,
                contract,
                execution_type="CALCULATED" if liquidation else "TRADE",
                fill=fill,
                now_ms=now_ms,
                realized_pnl=realized + insurance,
                product=self.PRODUCT,
            ),
        ]

    def _cancel(self, account: Account, order: Order, status: str, now_ms: int) -> Effect:
        """Close an open order as ``CANCELED`` or ``EXPIRED`` (what it filled stays)."""
        self._touch(order)
        order.status = status
        order.update_time = now_ms
        self._sync(account, order)
        return order_update(
            account.api_key,
            order,
            self._contract(order.symbol),
            execution_type=status,
            fill=None,
            now_ms=now_ms,
            product=self.PRODUCT,
        )
