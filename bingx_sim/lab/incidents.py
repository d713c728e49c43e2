"""A catalogue of the exchange's bad days, each built from faults and the clock.

Every incident says what happens on the wire, what a correct client does, and where the
story comes from. ``trigger`` runs it against one account, from Python
(``INCIDENTS[name].trigger(sim, account)``), from pytest (the ``bingx_incident``
fixture), or from the sandbox (``POST /_sim/incidents/{name}``). The steps run as one
operation on the simulator's state (:meth:`Incident.apply`), so the three agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from bingx_sim.lab.faults import (
    CorruptFrame,
    Drop,
    DuplicateFrame,
    RefuseConnect,
    RestDelay,
    RestError,
    Silence,
    SuppressTriggered,
)
from bingx_sim.rules.errors import rate_limit_code

if TYPE_CHECKING:
    from bingx_sim.core.state import SimState
    from bingx_sim.rules.listen_keys import Account

__all__ = ["INCIDENTS", "Incident", "Triggers"]


class Triggers(Protocol):
    """What :meth:`Incident.trigger` needs: a simulator that runs an incident."""

    def trigger(self, incident: Incident, account: Account | str, /) -> None: ...


_HOUR_AND_A_MINUTE_MS = 61 * 60_000


def _keys(state: SimState, api_key: str) -> list[str]:
    return [k.key for k in state.listen_keys() if k.owner == api_key and k.active]


def _expire_all(state: SimState, api_key: str) -> None:
    for key in _keys(state, api_key):
        state.expire_key(key)


def _keepalive_fails(state: SimState, api_key: str) -> None:
    failing = RestError(account=api_key, method="PUT", status=503, times=None, required=False)
    active = state.inject(failing)
    state.advance(_HOUR_AND_A_MINUTE_MS)  # the keep-alive never lands: the key runs out
    state.clear_fault(active.id)


def _forget(state: SimState, api_key: str) -> None:
    for key in _keys(state, api_key):
        state.forget_key(key)


def _duplicate_expiry(state: SimState, api_key: str) -> None:
    state.inject(DuplicateFrame(account=api_key, times=1, required=False))
    _expire_all(state, api_key)


def _silent(state: SimState, api_key: str) -> None:
    state.inject(Silence(account=api_key, times=1))


def _drop_open_sockets(state: SimState, api_key: str) -> None:
    active = state.inject(Drop(account=api_key, times=None, required=False))
    state.clear_fault(active.id)  # the open sockets only: reconnects succeed


def _maintenance(state: SimState, api_key: str) -> None:
    state.close_sockets(api_key, 1001, "service upgrade")
    state.inject(RefuseConnect(account=api_key, status=503, times=3, required=False))


def _rate_limited(state: SimState, api_key: str) -> None:
    code = rate_limit_code(state.options.error_codes, "listen-key POST")
    limited = RestError(
        account=api_key, method="POST", code=code, msg="rate limited", times=2, required=False
    )
    state.inject(limited)
    _expire_all(state, api_key)


def _slow_rest(state: SimState, api_key: str) -> None:
    # Slower than a client's usual 10 s timeout; released (unanswered) on reset.
    state.inject(RestDelay(account=api_key, method="POST", seconds=12.0, times=1, required=False))
    _expire_all(state, api_key)


def _lost_while_down(state: SimState, api_key: str) -> None:
    _drop_open_sockets(state, api_key)
    state.push(api_key, {"e": "ORDER_TRADE_UPDATE", "E": state.now_ms(), "o": {"c": "lost"}})


def _corrupt(state: SimState, api_key: str) -> None:
    state.inject(CorruptFrame(account=api_key, kind="gzip", times=1, required=False))
    state.push(api_key, {"e": "ORDER_TRADE_UPDATE", "E": state.now_ms(), "o": {"c": "corrupt"}})


def _open_limits(state: SimState, api_key: str) -> list[tuple[int, str]]:
    """The account's resting limit orders (id, remaining qty); ``ValueError`` when there
    is none, since the incident is about one filling."""
    found = [
        (o.order_id, str(o.remaining))
        for o in state.ledger.open_orders(api_key)
        if o.order_type == "LIMIT"
    ]
    if not found:
        raise ValueError("this incident fills the account's resting limit orders: place one")
    return found


def _fill_while_down(state: SimState, api_key: str) -> None:
    orders = _open_limits(state, api_key)  # refused before anything happened
    _drop_open_sockets(state, api_key)
    for order_id, remaining in orders:
        state.fill(api_key, order_id, remaining)


def _expiry_under_open_order(state: SimState, api_key: str) -> None:
    orders = _open_limits(state, api_key)
    _expire_all(state, api_key)  # listenKeyExpired, close: nobody hears what follows
    for order_id, remaining in orders:
        state.fill(api_key, order_id, remaining)


def _silent_stop(state: SimState, api_key: str) -> None:
    stops = [o for o in state.ledger.open_orders(api_key) if o.is_conditional]
    if not stops:
        raise ValueError("this incident triggers the account's stop orders: place one")
    state.inject(SuppressTriggered(account=api_key, times=None, required=False))
    for order in stops:  # the price reaches each trigger (mark and last alike)
        if order.stop_price is not None and order.is_open and not order.triggered:
            state.set_price(order.symbol, order.stop_price)


@dataclass(frozen=True)
class Incident:
    """One bad day: ``name``, ``summary`` (on the wire), ``correct`` (what a correct
    client does), ``source`` (where it comes from)."""

    name: str
    summary: str
    correct: str
    source: str
    steps: Callable[[SimState, str], None]
    needs: str = ""
    """What the account must hold for the incident to act on (its own orders); empty
    for incidents of keys and sockets. Triggering without it is a ``ValueError``."""

    def apply(self, state: SimState, api_key: str) -> None:
        """Run the steps on the simulator's loop thread (one operation)."""
        if state.exchange.account(api_key) is None:
            raise KeyError(f"no account with api key {api_key!r}")
        self.steps(state, api_key)

    def trigger(self, sim: Triggers, account: Account | str) -> None:
        """Run it on a :class:`~bingx_sim.Simulator` against ``account``."""
        sim.trigger(self, account)

    def view(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "summary": self.summary,
            "correct": self.correct,
            "source": self.source,
            "needs": self.needs,
        }


_CATALOGUE = (
    Incident(
        "keepalive-fails-until-expiry",
        "every PUT answers 503 while the exchange clock jumps 61 minutes (for every "
        "account); the key expires: listenKeyExpired, close",
        "retry the extend with backoff, and on listenKeyExpired generate a new key and reconnect",
        "unicorn-binance-websocket-api #301 (keep-alive errors silently ignored)",
        _keepalive_fails,
    ),
    Incident(
        "expired-despite-keepalive",
        "the key dies now although every extend succeeded: listenKeyExpired, close",
        "generate a new key at once and reconnect; never reuse the dead key",
        "Binance.Net #796 (listen key expired despite keep-alive)",
        _expire_all,
    ),
    Incident(
        "key-forgotten",
        "the exchange loses the key silently: no frame, the socket stays, PUT answers 404",
        "on the 404, generate a new key and reconnect",
        "python-binance #28 (listen-key does not exist after a long run)",
        _forget,
    ),
    Incident(
        "duplicate-expiry-event",
        "the key dies and listenKeyExpired arrives twice before the close",
        "renew once, not twice",
        "unicorn-binance-websocket-api #275 (duplicate listenKeyExpired, restarted twice)",
        _duplicate_expiry,
    ),
    Incident(
        "silent-socket",
        "the socket stays open but sends nothing, not even Pings (half-open)",
        "notice the silence (no frame for its idle timeout), reconnect",
        "ours: the half-open socket every exchange client meets (no BingX thread)",
        _silent,
    ),
    Incident(
        "drop-without-close",
        "the TCP connection is cut with no close frame (the client sees 1006)",
        "reconnect with backoff, checking the key first",
        "a 2026-09 probe of BingX's swap socket (docs/contract.md): 1006, no close frame",
        _drop_open_sockets,
    ),
    Incident(
        "maintenance-close",
        "sockets closed with 1001, then the next 3 upgrades answered HTTP 503",
        "back off and retry; the key is still alive, so do not mint new ones",
        "BingX support: sockets are dropped when we release new features",
        _maintenance,
    ),
    Incident(
        "rate-limited-renewal",
        "the key dies; the next 2 POSTs answer the listen-key rate-limit error (100410)",
        "back off and retry the POST; never hammer the endpoint",
        "BingX docs: 2 calls per second per UID on each listen-key page, answered 100410 (S6,"
        " S7; still 100410 on the pages scraped 2025-11, after the 2025-10-16 change)",
        _rate_limited,
    ),
    Incident(
        "slow-rest",
        "the key dies and the next POST is answered 12 s late",
        "time the call out, retry with backoff (the retry is answered at once)",
        "ours: a listen-key call slower than the client's timeout (no public thread)",
        _slow_rest,
    ),
    Incident(
        "events-lost-while-disconnected",
        "the socket is cut (1006) and an order update pushed meanwhile reaches no one",
        "reconnect, then reconcile state over REST: the stream does not replay",
        "BingX swap-api-doc #23 (missed account messages); BingX documents no replay",
        _lost_while_down,
    ),
    Incident(
        "corrupt-frame",
        "one event arrives as a binary frame that does not inflate",
        "report it and keep the stream: later events still arrive",
        "ours: one undecodable frame must not end a stream (no public thread)",
        _corrupt,
    ),
    Incident(
        "fill-while-disconnected",
        "the socket is cut (1006), then the account's resting limit orders fill: the "
        "ORDER_TRADE_UPDATE and ACCOUNT_UPDATE frames reach no one",
        "reconnect, then reconcile over REST (open orders, positions, balance): the stream "
        "does not replay what it missed",
        "BingX swap-api-doc #23 (missed account messages); the most common accounting bug "
        "of paper-trading fakes is a missed partial fill",
        _fill_while_down,
        needs="a resting LIMIT order",
    ),
    Incident(
        "key-expires-with-open-order",
        "the key expires (listenKeyExpired, close) and the resting limit orders fill "
        "before the client is back",
        "renew the key, reconnect, then fetch the orders that were open: they are FILLED",
        "ours: the minute-60 expiry under an open order (BingX documents no replay)",
        _expiry_under_open_order,
        needs="a resting LIMIT order",
    ),
    Incident(
        "stop-triggers-silently",
        "the price reaches the account's stop / take-profit orders; they fill, but no "
        "ORDER_TRADE_UPDATE is pushed for them (ACCOUNT_UPDATE still is)",
        "do not trust the stream alone for conditional orders: poll them, or reconcile "
        "positions on every ACCOUNT_UPDATE",
        "BingX swap-api-doc #36 (no ORDER_TRADE_UPDATE when a stop-loss or take-profit "
        "triggers, 2026-06)",
        _silent_stop,
        needs="an open STOP_MARKET or TAKE_PROFIT_MARKET order",
    ),
)

INCIDENTS: dict[str, Incident] = {incident.name: incident for incident in _CATALOGUE}
"""Every incident by name, in catalogue order."""
