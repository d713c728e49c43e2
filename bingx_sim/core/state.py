"""The running simulator: exchange, clocks, sockets, journal, and every operation on them.

This is the one home of each operation (add an account, push, settle, advance, set the
clock, list keys, close sockets, inject a fault, reset, ...). ``Simulator``'s methods and
the ``/_sim/`` control routes are thin adapters over these methods: a thread hop, or JSON
in and out. Every operation is synchronous and runs on the simulator's loop thread, so it
is atomic: it happens entirely or, if it never got to run, not at all. Operations that
write to sockets only enqueue (:mod:`bingx_sim.core.sockets`); none waits on a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiohttp import web

from bingx_sim import defaults, events
from bingx_sim.core import frames
from bingx_sim.core.clock import ExchangeClock, OffsetClock, WallClock, real_monotonic
from bingx_sim.core.effects import AnnounceExpiry, DropKeySockets, Effect, Push
from bingx_sim.core.fan_out import FanOut, Prepared, prepare
from bingx_sim.core.fault_desk import FaultDesk
from bingx_sim.core.journal import Journal, RestCall, SimError, WsEvent
from bingx_sim.core.registry import Registry
from bingx_sim.core.sockets import Connection
from bingx_sim.lab.faults import ActiveFault, FaultSpec
from bingx_sim.lab.stubs import ActiveStub, Stub, StubPlan
from bingx_sim.ledger import (
    Books,
    Codes,
    InverseLedger,
    Ledger,
    SpotLedger,
    StartingBalances,
    fixed,
    plain,
    products,
)
from bingx_sim.ledger import Effect as LedgerEffect
from bingx_sim.ledger.effects import stream_margin_type
from bingx_sim.ledger.products import PLACE_PATHS, QUERY_PATHS, VIEW_PATHS
from bingx_sim.rules import errors
from bingx_sim.rules.errors import ApiError
from bingx_sim.rules.listen_keys import Account, Exchange, KeyOutcome, ListenKey, seeded_factories
from bingx_sim.rules.options import ContractOptions
from bingx_sim.rules.price_script import PriceScript
from bingx_sim.rules.rate_limit import ErrorBudget, RateBudget, RateVerdict

__all__ = ["STATE", "Mistake", "SimConfig", "SimState"]


log = logging.getLogger("bingx_sim")


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Transport timings (real seconds), limits, and the contract knobs."""

    ttl_ms: int = int(defaults.KEY_TTL.total_seconds() * 1000)
    ping_interval: float = defaults.PING_INTERVAL
    pong_timeout: float = defaults.PONG_TIMEOUT
    watch_interval: float | None = defaults.WATCH_INTERVAL
    options: ContractOptions = field(default_factory=ContractOptions)
    seed: int | None = None
    max_outbox_bytes: int = defaults.MAX_OUTBOX_BYTES
    close_grace: float = defaults.CLOSE_GRACE

    def __post_init__(self) -> None:
        if self.ping_interval <= 0 or self.pong_timeout <= 0:
            raise ValueError("ping_interval and pong_timeout must be positive seconds")
        if self.watch_interval is not None and self.watch_interval <= 0:
            raise ValueError("watch_interval must be positive seconds, or None for off")
        if self.max_outbox_bytes <= 0:
            raise ValueError("max_outbox_bytes must be a positive number of bytes")
        if self.close_grace < 0:
            raise ValueError("close_grace must be zero or more seconds")


@dataclass(frozen=True, slots=True)
class Mistake:
    """One thing a strict test would fail on: a client mistake the exchange rejected
    (with the exchange's ``code`` for a REST call), a simulator error, a fault that never
    fired or a stub that was never called. ``text`` is how ``unexpected_errors`` says it."""

    text: str
    kind: str
    reason: str
    code: int | None = None
    at_ms: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "code": self.code,
            "reason": self.reason,
            "at_ms": self.at_ms,
            "text": self.text,
        }


def _trade_frames_first(effects: list[LedgerEffect]) -> list[LedgerEffect]:
    """The ``fill_event_order="order-first"`` reading: each fill's ``ORDER_TRADE_UPDATE``
    goes before the ``ACCOUNT_UPDATE`` the ledger emits just ahead of it."""
    out = list(effects)
    for i in range(len(out) - 1):
        first, second = out[i][2], out[i + 1][2]
        order = second.get("o")
        if (
            first.get("e") == "ACCOUNT_UPDATE"
            and second.get("e") == "ORDER_TRADE_UPDATE"
            and isinstance(order, Mapping)
            and order.get("x") in ("TRADE", "CALCULATED")
        ):
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


def _sendable_close_code(code: int) -> bool:
    return (1000 <= code <= 1014 and code not in (1004, 1005, 1006)) or 3000 <= code <= 4999


class SimState:
    """The exchange plus its open sockets, owned by one event loop.

    One class because it is one concept: the running exchange and the one home of every
    operation on it (the client's, through the wire adapters, and the test's, through
    the facade and the control API). Its parts are held, not mixed in: the pure rules
    (``exchange``), the fault desk (``faults``), the fan-out, the socket registry and
    the journal; each operation here is the short composition of those parts, so the
    class is long only by the number of operations."""

    def __init__(
        self,
        config: SimConfig,
        wall: ExchangeClock | None = None,
        seed_accounts: Iterable[Account] = (),
    ) -> None:
        self.config = config
        self.options = config.options
        self.wall: ExchangeClock = wall if wall is not None else WallClock()
        self.clock = OffsetClock(self.wall)
        key_factory, credential_factory = seeded_factories(config.seed)
        self.exchange = Exchange(
            ttl_ms=config.ttl_ms,
            post_existing=self.options.post_existing,
            key_factory=key_factory,
            credential_factory=credential_factory,
        )
        self.budgets: dict[str, RateBudget] = {}  # per endpoint group, made on first use
        self.error_budgets: dict[str, ErrorBudget] = {}  # the same groups' error lock-outs
        self.stubs = StubPlan()
        self.expected_errors: list[re.Pattern[str]] | None = []
        self.sockets = Registry()  # the sockets events are routed to
        self.live: set[Connection] = set()  # every socket whose handler still runs
        self.queued: set[Connection] = set()  # given frames since its writer last caught up
        self.journal = Journal()
        self.faults = FaultDesk(self.journal, self.sockets, self.now_ms)
        self.fan_out = FanOut(self.sockets, self.faults.deliver)
        self.seed_accounts: list[Account] = []
        self.seed_balances: dict[str, StartingBalances] = {}
        self.ledger = self._new_ledger()
        self.ledger_touched = False  # read by ``pristine`` from the test's thread
        self.price_script = PriceScript()
        self.after_reset: list[Callable[[SimState], None]] = []  # e.g. a sandbox scenario
        self._tasks: set[asyncio.Task[Any]] = set()
        for account in seed_accounts:
            self.add_seed_account(account.api_key, account.api_secret)

    # clocks and tasks ---------------------------------------------------------------

    def now_ms(self) -> int:
        """The exchange clock: the wall clock as the test sees it, plus our own offset."""
        return self.clock.now_ms()

    @staticmethod
    def real_ms() -> int:
        return int(real_monotonic() * 1000)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """A background task that shutdown will find and cancel."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def record_error(self, where: str, error: BaseException) -> None:
        """Log and journal a failure of our own; never formats a traceback (see
        ``docs/design.md``: that can crash pytest on Python 3.11 from another thread)."""
        text = f"{type(error).__name__}: {error}"
        log.warning("simulator error in %s: %s", where, text)
        try:
            at_ms: int | None = self.now_ms()
        except Exception:  # the clock itself may be what failed
            at_ms = None
        why = "the simulator itself failed, so this test may not have seen the real exchange"
        self.journal.append(SimError(where, text, at_ms, why))

    # expiry -------------------------------------------------------------------------

    def sweep(self) -> list[ListenKey]:
        """Expire what is due now; its sockets get ``listenKeyExpired`` queued first."""
        now = self.now_ms()
        if self.price_script:
            for step in self.price_script.due(now):
                self._ledger_effects(
                    self.ledger.set_price(step.symbol, step.mark, now_ms=step.at_ms)
                )
        expired = self.exchange.expire_due(now)
        if expired:
            for key in expired:
                _log_expiry(key, "expired")
            self.apply([AnnounceExpiry(key.key, now) for key in expired])
        return expired

    # effects ------------------------------------------------------------------------

    def apply(self, effects: Iterable[Effect]) -> list[int]:
        """The one place effects reach sockets, in order; for each :class:`Push`, how
        many sockets took it."""
        delivered: list[int] = []
        for effect in effects:
            if isinstance(effect, Push):
                if not self.sockets.has_account(effect.api_key):
                    delivered.append(0)  # no socket to take it: nothing to encode
                    continue
                ready = prepare((effect.event,), self.options)
                delivered += self.fan_out.push_prepared(effect.api_key, ready, effect.product)
            elif isinstance(effect, AnnounceExpiry):
                self._announce_expiry(effect.listen_key, effect.at_ms)
            else:
                self._drop_key_sockets(effect.listen_key, effect.reason)
        return delivered

    def _announce_expiry(self, key: str, now: int) -> None:
        text = frames.dumps(events.listen_key_expired(key, event_time=now))
        for conn in self.sockets.by_key(key):
            if conn.stream == "spot" and self.options.spot_expiry == "silent":
                conn.silenced = True  # no frame; a subscription now gets 100401
                continue
            self.faults.deliver(conn, text)
            conn.silenced = True
            if self.options.on_expiry == "close":
                conn.close(1000, "listenKeyExpired")

    async def watch(self, interval: float) -> None:
        """Notice a bare ``frozen.tick()`` within ``interval`` real seconds. One failed
        sweep is logged and journaled; the next tick runs regardless."""
        while True:
            await asyncio.sleep(interval)
            try:
                self.sweep()
            except Exception as error:
                self.record_error("the expiry watcher", error)

    def refused_request(self, status: int, why: str) -> None:
        """Journal a request the HTTP layer refused before any route saw it (so method
        and path are unknown): a client mistake, like every malformed request."""
        self.journal.append(
            RestCall("?", "?", {}, {}, "", status, None, self.now_ms(), f"malformed HTTP: {why}")
        )

    def _drop_key_sockets(self, listen_key: str, reason: str) -> None:
        for conn in self.sockets.by_key(listen_key):
            conn.silenced = True
            if self.options.on_delete == "close":
                conn.close(1000, reason)

    # the client's operations (through the wire adapters) -----------------------------

    def generate_key(self, api_key: str) -> ListenKey:
        """``POST`` a listen key for ``api_key`` (an authenticated account)."""
        return self.exchange.generate(api_key, self.now_ms())

    def change_key(self, api_key: str | None, key: str | None, *, delete: bool) -> KeyOutcome:
        """``PUT`` (extend) or ``DELETE`` a key; ``api_key`` ``None`` for a keyless call
        the options allow. A deleted key's sockets fall silent (and close, by option)."""
        act = self.exchange.delete if delete else self.exchange.extend
        outcome = act(api_key, key, self.now_ms())
        if delete and key is not None and outcome is KeyOutcome.OK:
            self.apply([DropKeySockets(key, "listen key deleted")])
        return outcome

    def spend_budget(self, group: str, api_key: str) -> RateVerdict | None:
        """Count one call of ``api_key`` against ``group``'s rate budget; ``None`` when
        rate limiting is off (``rate_limit_per_second``)."""
        per_second = self.options.rate_limit_per_second
        if per_second is None:
            return None
        budget = self.budgets.get(group)
        if budget is None:
            lockout = int(self.options.rate_limit_lockout * 1000)
            budget = self.budgets[group] = RateBudget(per_second, lockout)
        return budget.check(api_key, self.real_ms(), self.now_ms())

    def rate_limited(self, group: str, reset_ms: int) -> ApiError:
        """The error a call over ``group``'s budget gets (``reset_ms`` from now)."""
        return errors.rate_limit_error(self.options.error_codes, self.now_ms() + reset_ms, group)

    def error_locked(self, group: str, api_key: str) -> ApiError | None:
        """The 100202 answer while ``api_key`` is locked out of ``group`` for too many
        erroneous requests (only while rate limiting is on)."""
        budget = self.error_budgets.get(group)
        if budget is None:
            return None
        until = budget.locked_until(api_key, self.now_ms())
        if until is None:
            return None
        return errors.error_lockout_error(budget.threshold, budget.window_ms, until)

    def note_error(self, group: str, api_key: str) -> None:
        """Count an erroneous request of ``api_key`` to ``group`` (rate limiting on)."""
        if self.options.rate_limit_per_second is None:
            return
        budget = self.error_budgets.get(group)
        if budget is None:
            window_ms = int(self.options.error_lockout_window * 1000)
            threshold = self.options.error_lockout_threshold
            budget = self.error_budgets[group] = ErrorBudget(threshold, window_ms)
        budget.record(api_key, self.now_ms())

    def open_socket(self, conn: Connection) -> None:
        """An account socket opened: routed to from now on, journaled, and met by the
        socket faults still active for its account."""
        conn.on_queued = self.queued.add
        self.sockets.add(conn)
        self.live.add(conn)
        self.journal.append(WsEvent("open", conn.stream, conn.listen_key, self.now_ms()))
        self.faults.socket_opened(conn)

    def socket_closing(self, conn: Connection) -> None:
        """The socket's reader ended: no more events are routed to it."""
        self.sockets.discard(conn)
        self.faults.socket_gone(conn)

    def socket_closed(self, conn: Connection) -> None:
        """The socket's writer handed over its last frame: it is gone."""
        self.live.discard(conn)
        self.queued.discard(conn)
        if not conn.finished.done():
            conn.finished.set_result(None)

    # the account model --------------------------------------------------------------

    def _new_ledger(self) -> Ledger:
        """The USDT-M ledger, made afresh together with the spot and coin-M ledgers
        beside it: ``self.books`` holds all three (separate wallets, as on BingX)."""
        options, now = self.options, self.now_ms()
        self.books = Books(
            swap=Ledger(
                position_mode=options.position_mode,
                error_codes=options.error_codes,
                place_order_shape=options.place_order_shape,
                now_ms=now,
            ),
            spot=SpotLedger(wallet_balance=options.spot_wallet_balance, now_ms=now),
            coinm=InverseLedger(
                error_codes=options.error_codes, statuses=options.coinm_statuses, now_ms=now
            ),
        )
        return self.books.swap

    def _ledger_effects(self, effects: Iterable[LedgerEffect]) -> list[dict[str, Any]]:
        """Push what a ledger operation emitted, in order; the events, for the caller."""
        self.ledger_touched = True
        ordered = list(effects)
        if self.options.fill_event_order == "order-first":
            ordered = _trade_frames_first(ordered)
        pushed = [
            Push(api_key, event, product)
            for api_key, product, event in ordered
            if not self.faults.suppressed(api_key, event)  # the exchange stays silent
        ]
        self.apply(pushed)
        return [dict(push.event) for push in pushed]

    def ledger_request(
        self, method: str, path: str, api_key: str | None, params: Mapping[str, str]
    ) -> object:
        """One modelled REST endpoint of any product (a row of
        ``bingx_sim.ledger.ROUTES``) for ``api_key`` (``None`` on a public one): its
        ``data``; its events are pushed before this returns. ``Refused`` (the exchange's
        error) leaves every ledger unchanged."""
        data, effects = products.call(
            self.books, method, path, api_key or "", params, self.now_ms()
        )
        if effects or method != "GET":
            self._ledger_effects(effects)
        return data

    def config_frames(self, api_key: str) -> list[str]:
        """The config frames a USDT-M socket of ``api_key`` gets now: one per symbol
        (``snapshot_symbols``, else every listed contract), with the account's leverage
        and margin mode (the ledger's defaults for a symbol it does not list)."""
        options, ledger, now = self.options, self.ledger, self.now_ms()
        symbols = options.snapshot_symbols or tuple(ledger.contracts)
        build = (
            events.config_snapshot
            if options.snapshot_event == "SNAPSHOT"
            else events.account_config_update
        )
        account = ledger.account(api_key)
        return [
            frames.dumps(
                build(
                    symbol=symbol,
                    long_leverage=ledger.leverage_for(account, symbol, "LONG"),
                    short_leverage=ledger.leverage_for(account, symbol, "SHORT"),
                    margin_mode=stream_margin_type(ledger.margin_type_of(account, symbol)),
                    event_time=now,
                )
            )
            for symbol in symbols
        ]

    def _contracts_of(self, product: str) -> Ledger:
        """The ledger of a contract product (``swap``, ``coinm``); spot has no positions."""
        book = self.books.of(product)
        if isinstance(book, SpotLedger):
            raise ValueError("spot has no positions: funding and liquidation are for swap, coinm")
        return book

    def _known(self, api_key: str) -> None:
        if self.exchange.account(api_key) is None:
            raise KeyError(f"no account with api key {api_key!r}")

    def set_price(
        self,
        symbol: str,
        price: str | Decimal,
        *,
        last: str | Decimal | None = None,
        index: str | Decimal | None = None,
        product: str = "swap",
    ) -> list[dict[str, Any]]:
        """Set ``symbol``'s mark price (last and index follow unless given) on
        ``product`` (``swap``, ``coinm``; on ``spot`` the pair's last price, its only
        one) and run that product's matcher now: resting limits that cross fill as
        maker, stops trigger. The events it pushed, in order."""
        book = self.books.of(product)
        if isinstance(book, SpotLedger) and (last is not None or index is not None):
            raise ValueError("a spot pair has one price, its last trade: no last= or index=")
        self.sweep()
        now = self.now_ms()
        if isinstance(book, SpotLedger):
            return self._ledger_effects(book.set_price(symbol, price, now_ms=now))
        return self._ledger_effects(
            book.set_price(symbol, price, last=last, index=index, now_ms=now)
        )

    def script_prices(self, symbol: str, steps: Iterable[tuple[int, str | Decimal]]) -> int:
        """Schedule mark prices of ``symbol`` (USDT-M) at exchange times (epoch ms): each
        applies (as :meth:`set_price`) once the exchange clock reaches it, in time order,
        on the next sweep (a request, ``settle``, ``advance``, the watcher). How many are
        scheduled in all."""
        self.ledger.contract(symbol)  # unknown symbol: Refused now, not at the step
        return self.price_script.add(symbol, steps)

    def deposit(
        self, api_key: str, asset: str, amount: str | Decimal, product: str = "swap"
    ) -> str:
        """Credit ``amount`` of ``asset`` to ``product``'s wallet (``ACCOUNT_UPDATE``
        reason ``DEPOSIT``); the new wallet (spot: free) balance."""
        book = self.books.of(product)
        self._known(api_key)
        balance, effects = book.deposit(api_key, asset, amount, now_ms=self.now_ms())
        self._ledger_effects(effects)
        return plain(balance) if isinstance(book, SpotLedger) else fixed(balance, 8)

    def withdraw(
        self, api_key: str, asset: str, amount: str | Decimal, product: str = "swap"
    ) -> str:
        """Debit ``amount`` (refused above the available margin, or spot's free
        balance); the new balance."""
        book = self.books.of(product)
        self._known(api_key)
        balance, effects = book.withdraw(api_key, asset, amount, now_ms=self.now_ms())
        self._ledger_effects(effects)
        return plain(balance) if isinstance(book, SpotLedger) else fixed(balance, 8)

    def fill(
        self, api_key: str, order_id: int, qty: str | Decimal, price: str | Decimal | None = None
    ) -> dict[str, Any]:
        """Force a (partial) maker fill of a resting limit order of any product (order
        ids never repeat across products); the order as REST shows it afterwards."""
        self._known(api_key)
        book: Ledger | SpotLedger = self.books.swap
        for candidate in (self.books.spot, self.books.coinm):
            account = candidate.accounts.get(api_key)
            if account is not None and order_id in account.orders:
                book = candidate
        order, effects = book.fill(api_key, order_id, qty, price, now_ms=self.now_ms())
        self._ledger_effects(effects)
        return self.order_view(api_key, order.symbol, order.order_id, product=book.PRODUCT)

    def funding(
        self, symbol: str, rate: str | Decimal, product: str = "swap"
    ) -> list[dict[str, Any]]:
        """Settle funding at ``rate`` on every open position of ``symbol`` (of
        ``product``: ``swap`` or ``coinm``); the events."""
        book = self._contracts_of(product)
        return self._ledger_effects(book.funding(symbol, rate, now_ms=self.now_ms()))

    def liquidate(self, api_key: str, symbol: str, product: str = "swap") -> list[dict[str, Any]]:
        """Liquidate ``api_key``'s positions in ``symbol`` at the mark price; the
        liquidation orders as REST shows them."""
        book = self._contracts_of(product)
        self._known(api_key)
        orders, effects = book.liquidate(api_key, symbol, now_ms=self.now_ms())
        self._ledger_effects(effects)
        return [self.order_view(api_key, o.symbol, o.order_id, product=product) for o in orders]

    def place_order(self, api_key: str, params: Mapping[str, str], product: str = "swap") -> object:
        """Place an order as ``POST`` to ``product``'s place-order endpoint with
        ``params`` would (the same validation, answer and events)."""
        self.books.of(product)
        self._known(api_key)
        return self.ledger_request("POST", PLACE_PATHS[product], api_key, params)

    def order_view(
        self, api_key: str, symbol: str, order_id: int, product: str = "swap"
    ) -> dict[str, Any]:
        """One order as ``product``'s query-order endpoint answers it."""
        data = self.ledger_request(
            "GET", QUERY_PATHS[product], api_key, {"symbol": symbol, "orderId": str(order_id)}
        )
        assert isinstance(data, dict)
        order = data.get("order", data)
        assert isinstance(order, dict)
        return order

    def spot_overview(self, api_key: str) -> dict[str, Any]:
        """The spot ``ACCOUNT_UPDATE`` ``m=INIT`` frame for ``api_key``'s wallet as it
        stands (what a spot socket's ``ACCOUNT_UPDATE`` subscription is answered with)."""
        return self.books.spot.overview(api_key, now_ms=self.now_ms())

    def account_view(self, api_key: str, product: str = "swap") -> dict[str, Any]:
        """The account's ``product`` wallet as REST shows it: balance, positions (not on
        spot) and open orders."""
        self.books.of(product)
        self._known(api_key)
        return {
            name: self.ledger_request("GET", path, api_key, {})
            for name, path in VIEW_PATHS[product].items()
        }

    # the test's operations (through the facade and the control API) ------------------

    def add_account(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        balances: StartingBalances | None = None,
    ) -> Account:
        """Register an API key pair (generated when not given) and its wallets
        (``balances``: starting amounts, not deposits: ``{"USDT": "10000"}`` for USDT-M,
        or per product, ``{"swap": {...}, "spot": {...}, "coinm": {...}}``).
        ``ValueError`` when the key exists with another secret, or for a bad balance
        (then nothing changed)."""
        new = api_key is None or self.exchange.account(api_key) is None
        account = self.exchange.add_account(api_key, api_secret)
        if not self.books.has_account(account.api_key):
            try:
                self.books.open_account(account.api_key, balances)
            except ValueError:
                if new:  # all or nothing: the key pair goes too
                    self.exchange.remove_account(account.api_key)
                raise
            self.ledger_touched = self.ledger_touched or balances is not None
        elif balances is not None:
            raise ValueError(f"account {account.api_key!r} exists: deposit instead")
        return account

    def add_seed_account(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        balances: StartingBalances | None = None,
    ) -> Account:
        """An account that every :meth:`reset` re-creates (the sandbox's accounts), with
        the same starting ``balances``."""
        account = self.add_account(api_key, api_secret, balances)
        self.seed_accounts.append(account)
        if balances is not None:
            self.seed_balances[account.api_key] = dict(balances)
        self.ledger_touched = False  # what a reset restores is the starting point
        return account

    def settle(self) -> list[str]:
        """Expire what is due on the exchange clock now; the keys it expired."""
        return [k.key for k in self.sweep()]

    def advance(self, delta_ms: int) -> list[str]:
        """Move the simulator's own clock forward, then settle. ``ValueError`` if
        ``delta_ms`` is negative (the exchange clock never runs backwards) or would take
        the clock past the year 9999 (no timestamp field could say that time)."""
        if delta_ms < 0:
            raise ValueError("the simulator's clock only moves forward")
        if self.now_ms() + delta_ms > defaults.MAX_EPOCH_MS:
            raise ValueError(f"the exchange clock cannot go past {defaults.MAX_EPOCH_MS} ms")
        self.clock.advance(delta_ms)
        return self.settle()

    def set_clock(self, epoch_ms: int) -> list[str]:
        """Move the exchange clock forward to ``epoch_ms``, then settle."""
        return self.advance(epoch_ms - self.now_ms())

    def listen_keys(self) -> tuple[ListenKey, ...]:
        """Every key the exchange holds, with owner, state and expiry, after a sweep."""
        self.sweep()
        return self.exchange.listen_keys()

    def close_sockets(self, api_key: str | None = None, code: int = 1001, reason: str = "") -> int:
        """Close account sockets (all, or one account's) from the server side, after
        what is queued on them; how many were open. ``ValueError`` for a close code that
        may not be sent on the wire (RFC 6455 7.4: 1004-1006, 1015, and outside
        1000-4999) or a reason over 123 bytes."""
        if not _sendable_close_code(code):
            raise ValueError(f"close code {code} may not be sent in a close frame")
        if len(reason.encode()) > 123:
            raise ValueError("a close reason is at most 123 bytes of UTF-8")
        closing = [c for c in self.sockets if api_key is None or c.api_key == api_key]
        return sum(1 for conn in closing if conn.close(code, reason))

    def expire_key(self, key: str) -> bool:
        """The key dies now, as on a natural expiry (``listenKeyExpired``, then the
        socket's close); False when it was not active."""
        dead = self.exchange.expire_now(key, self.now_ms())
        if dead is None:
            return False
        _log_expiry(dead, "expired by the test")
        self._announce_expiry(dead.key, self.now_ms())
        return True

    def forget_key(self, key: str) -> bool:
        """The exchange loses the key silently: 404 from now on, no frame, sockets left
        as they are. False when it was not active."""
        return self.exchange.forget(key, self.now_ms())

    def push(self, api_key: str, event: Mapping[str, Any], product: str = "swap") -> int:
        """Queue ``event`` gzipped on every live socket of the account's ``product``
        (``swap``, ``coinm`` or ``spot``: separate wallets) that takes it
        (``event_types`` decides, spot subscriptions included); how many took it."""
        return self.push_many(api_key, (event,), product)[0]

    def push_many(
        self, api_key: str, events: Iterable[Mapping[str, Any]], product: str = "swap"
    ) -> list[int]:
        """:meth:`push` for each event in order, as one operation: each socket gets them
        in this order, with nothing of the simulator's in between. How many sockets took
        each. Every event is serialised before any is sent, so one that cannot be
        (``TypeError``) sends none."""
        return self.push_prepared(api_key, prepare(events, self.options), product)

    def push_prepared(
        self, api_key: str, prepared: Iterable[Prepared], product: str = "swap"
    ) -> list[int]:
        """:meth:`push_many` of events :func:`~bingx_sim.core.fan_out.prepare` has
        already serialised and gzipped (the facade does that on the caller's thread)."""
        self.sweep()
        return self.fan_out.push_prepared(api_key, prepared, product)

    def inject(self, spec: FaultSpec) -> ActiveFault:
        """Add a fault; one that acts on sockets acts on the open ones at once."""
        return self.faults.inject(spec)

    def fault_hits(self, fault_id: int) -> int:
        return self.faults.hits(fault_id)

    def active_faults(self) -> list[ActiveFault]:
        """The faults still active, in injection order."""
        return list(self.faults.plan)

    def clear_fault(self, fault_id: int) -> bool:
        """Clear one fault (hung calls are released, silenced sockets speak again);
        False when there is no such fault."""
        return self.faults.clear(fault_id)

    def clear_faults(self) -> int:
        """Clear every fault; how many were active."""
        return self.faults.clear_all()

    def add_stub(self, stub: Stub) -> ActiveStub:
        """Answer ``stub.method stub.path`` (any other endpoint) as the stub says."""
        return self.stubs.add(stub)

    def clear_stubs(self) -> int:
        return self.stubs.clear()

    def stub_hits(self, stub_id: int) -> int:
        return self.stubs.hits(stub_id)

    def clear_stub(self, stub_id: int) -> bool:
        """Stop answering with one stub; False if it was not active."""
        return self.stubs.remove(stub_id)

    def expect_errors(self, patterns: Iterable[str]) -> None:
        """Declare client mistakes the test provokes on purpose: regexes searched in each
        mistake's text, case-insensitively (``"bad signature"`` matches the journal's
        ``bad signature: Signature verification failed``); no pattern: any."""
        compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
        if not compiled:
            self.expected_errors = None
        elif self.expected_errors is not None:
            self.expected_errors.extend(compiled)

    def unexpected_errors(self) -> list[str]:
        """Client mistakes (and simulator errors) no ``expect_errors`` pattern covers."""
        return [mistake.text for mistake in self.mistakes()]

    def mistakes(self) -> list[Mistake]:
        """What a strict test would fail on now, in journal order: each client mistake
        no ``expect_errors`` pattern covers (with the exchange's code and the reason),
        each simulator error, then faults that never fired and stubs never called."""
        expected = self.expected_errors
        found: list[Mistake] = []
        for entry in self.journal.snapshot().violations:
            assert entry.violation is not None
            text = f"{entry}: {entry.violation}"
            if expected is None:  # expect_errors() with no pattern: any client mistake goes
                if not text.startswith("simulator error"):
                    continue
            elif any(p.search(text) for p in expected):
                continue
            code = entry.code if isinstance(entry, RestCall) else None
            kind = type(entry).__name__
            found.append(Mistake(text, kind, entry.violation, code, entry.at_ms))
        found += [Mistake(t, "UnfiredFault", t) for t in self.faults.unfired()]
        found += [Mistake(t, "UnusedStub", t) for t in self.stubs.unused()]
        return found

    def accounts(self) -> list[tuple[Account, bool]]:
        """Every account, and whether it is a seed account (re-created by a reset)."""
        seeds = {account.api_key for account in self.seed_accounts}
        return [(account, account.api_key in seeds) for account in self.exchange.accounts]

    def set_options(self, changes: Mapping[str, object]) -> ContractOptions:
        """Change contract options while running, validated as the constructor validates
        them (``ValueError`` naming the option; then nothing changed). Each takes effect
        from the next request, frame or socket; a :meth:`reset` restores the options the
        simulator started with. Rate-limit settings restart the budgets; the ledger's
        (``error_codes``, ``place_order_shape``, ``position_mode``, which only a new
        account takes) apply to it at once; ``snapshots`` and ``snapshot_interval`` to
        sockets opened after the change."""
        self._use_options(self.options.with_changes(changes))
        return self.options

    def _use_options(self, new: ContractOptions) -> None:
        old, self.options = self.options, new
        self.exchange.post_existing = new.post_existing
        limits = ("rate_limit_per_second", "rate_limit_lockout")
        if any(getattr(old, name) != getattr(new, name) for name in limits):
            self.budgets.clear()
        lockouts = ("error_lockout_threshold", "error_lockout_window")
        if any(getattr(old, name) != getattr(new, name) for name in lockouts):
            self.error_budgets.clear()
        if old.error_codes != new.error_codes:  # USDT-M and coin-M speak the code set
            for book in (self.books.swap, self.books.coinm):
                book.codes = Codes(new.error_codes)
        self.ledger.position_mode = new.position_mode
        self.ledger.place_order_shape = new.place_order_shape
        self.books.spot.wallet_balance = new.spot_wallet_balance
        self.books.coinm.statuses = new.coinm_statuses

    def reset(self) -> list[str]:
        """Back to empty (seed accounts re-created); returns the unexpected errors it
        wiped. Open sockets are closed with 1001 and forgotten at once."""
        problems = self.unexpected_errors()
        self.faults.forget()
        self.stubs.forget()
        for conn in self.sockets:
            conn.close(1001, "simulator reset")
            self.sockets.discard(conn)
        self.exchange.clear()
        self.budgets.clear()
        self.error_budgets.clear()
        self.clock.reset()
        self.journal.clear()
        self.expected_errors = []
        self._use_options(self.config.options)  # options set while running are undone
        self.ledger = self._new_ledger()
        self.price_script.clear()
        for account in self.seed_accounts:
            self.exchange.add_account(account.api_key, account.api_secret)
            self.books.open_account(account.api_key, self.seed_balances.get(account.api_key))
        self.ledger_touched = False
        for hook in self.after_reset:
            hook(self)
        return problems

    @property
    def pristine(self) -> bool:
        """Nothing happened since the last reset (or the start), so a reset would change
        nothing: no journal entry (every request, socket and fired fault is journaled in
        the same loop step as its effect), no socket, key, extra account, clock offset,
        fault, stub, declared error or held call. Each part is one length or comparison,
        safe to read from the test's thread: a per-test fixture skips the reset's round
        trip for a test that never touched the simulator."""
        return (
            self.journal.empty
            and not self.live
            and not len(self.sockets)
            and self.exchange.untouched(len(self.seed_accounts))
            and not self.ledger_touched
            and self.clock.offset_ms == 0
            and self.faults.idle
            and self.stubs.empty
            and self.expected_errors == []
            and self.options is self.config.options
        )

    @property
    def unflushed(self) -> bool:
        """Some socket has frames queued that its writer has not had a turn to write."""
        caught_up = [conn for conn in self.queued if conn.handed_over]
        self.queued.difference_update(caught_up)
        return bool(self.queued)

    def when_flushed(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once every socket given frames has handed them over (at
        once if all have): :meth:`flushed` without a task, for the facade's hot path."""
        pending = [conn for conn in self.queued if not conn.handed_over]
        self.queued.intersection_update(pending)
        if not pending:
            callback()
            return
        left = [len(pending)]

        def one_done() -> None:
            left[0] -= 1
            if left[0] == 0:
                callback()

        for conn in pending:
            conn.when_handed_over(one_done)

    async def flushed(self) -> None:
        """Until every socket has handed its queued frames to the kernel, except sockets
        whose client does not read (never waits on those): :meth:`when_flushed` for a
        coroutine. Looks only at sockets that were given frames, not at every open one."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def resolve() -> None:
            if not done.done():
                done.set_result(None)

        self.when_flushed(resolve)
        await done

    # shutdown -----------------------------------------------------------------------

    async def close_all(self, code: int, reason: str) -> None:
        """Close every socket, give clients ``close_grace`` real seconds to finish the
        handshake, then drop the ones that did not (a client that does not read). A
        client whose buffers are already full of unread data is dropped at once. Calls
        held by a fault (a hang, a delay) are released: closed unanswered."""
        self.faults.release_all()
        conns = list(self.live)
        for conn in conns:
            self.sockets.discard(conn)
            if conn.stalled:
                conn.drop(reason)
            else:
                conn.close(code, reason)
        pending = [c.finished for c in conns if not c.finished.done()]
        if pending:
            await asyncio.wait(pending, timeout=self.config.close_grace)
        for conn in conns:
            if not conn.finished.done():
                conn.drop(reason)

    async def shutdown(self) -> None:
        """Cancel background tasks; the app's on_shutdown has already closed the sockets."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)


def _log_expiry(key: ListenKey, how: str) -> None:
    """One log line per expired key (the sandbox prints it; a test's log captures it)."""
    owner = key.owner if len(key.owner) <= 12 else f"{key.owner[:8]}…"
    log.info(
        "listen key %s… of account %s %s",
        key.key[:8],
        owner,
        how,
        extra={"event": "key expired", "account": key.owner, "key": key.key},
    )


STATE: web.AppKey[SimState] = web.AppKey("bingx_sim_state", SimState)
