"""End to end over the wire: a bot that folds its account stream agrees with REST.

A random script of what happens to one USDT-M account (orders of every kind placed over
signed REST, prices moved directly or on a scripted path, forced fills, funding,
deposits and withdrawals, cancels, close-all, liquidation, leverage and margin-type
changes) runs with the account's socket open, read by our client
(``bingx.websocket.AccountDataStream``). Now and then a fault breaks the stream:
``LoseEvents`` (frames never arrive), ``DuplicateFrame`` (frames arrive twice) or
``Drop`` (the socket is cut, operations happen while it is down, the bot reconnects).

The bot keeps a model of its account, built only from the events its socket received,
plus one REST read at the start and one after each loss it knows of, as a bot would.
After every operation the model must reproduce REST exactly: the balance
(``/openApi/swap/v3/user/balance``), the positions and the open orders.

The fold
--------
The model is ``wallet`` (asset -> wallet balance), ``positions`` ((symbol, ``ps``) ->
the position) and ``orders`` (order id -> the open order). Every rule replaces what a
key holds ("last writer wins"), so a duplicated frame changes nothing:

* ``ACCOUNT_UPDATE``, whatever ``a.m``: for each ``a.B[]``, ``wallet[a] = wb``; for each
  ``a.P[]``, ``positions[(s, ps)] = (pa, ep, cr, mt)`` (``pa`` signed: short < 0), and
  the key is removed when ``pa`` is 0. ``bc``, ``cw``, ``up`` and ``iw`` are not kept
  (``up`` goes stale as soon as the mark price moves).
* ``ORDER_TRADE_UPDATE``: when ``X`` is ``NEW`` or ``PARTIALLY_FILLED``, ``orders[i] =
  (s, S, ps, o, q, p, sp, z, ap, X, c, ro, wt)``; any other ``X`` (``FILLED``,
  ``CANCELED``, ``EXPIRED``) removes ``i``.
* Anything else (``ACCOUNT_CONFIG_UPDATE``, ``SNAPSHOT``) changes nothing here.
* After a loss the model is replaced by one REST read: balance, positions (``pa`` signed
  by ``positionSide``; ``ps`` is ``BOTH`` in one-way mode) and open orders (``PENDING``
  read as ``NEW``).

What must match, field by field: each balance row's ``balance`` is ``wb`` rounded half
to even to REST's four decimals (``wb`` is exact: the ledger books eight decimals). Each
position's ``positionSide`` (``ps``, or the sign of ``pa`` in one-way mode),
``positionAmt`` (``|pa|``), ``avgPrice`` (``ep`` at the price precision),
``realisedProfit`` (``cr``, four decimals) and ``isolated`` (``mt``). Each open order's
id, symbol, side, position side, type, ``origQty``, ``price``, ``stopPrice`` (``""``
for a limit order), ``executedQty`` (``z``), ``avgPrice`` (``ap``), status (``NEW`` is
REST's ``PENDING`` for a limit order), client id, ``reduceOnly`` and ``workingType``, in
REST's order (oldest first). Prices the stream sends with eight decimals and REST with
fewer are compared after rounding; when the eight decimals sit exactly halfway between
two of REST's steps the true value may lie on either side, and either neighbour is
accepted (the only latitude the comparison has).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, event, example, given, note, settings
from hypothesis import strategies as st

from bingx import BingXClient, events
from bingx.websocket import AccountDataStream
from bingx_sim import Account, Simulator, WsEvent
from bingx_sim.faults import Drop, DuplicateFrame, LoseEvents
from bingx_sim.ledger import CONTRACTS, DEFAULT_PRICES, Refused
from tests.trading import signed

BALANCE = "/openApi/swap/v3/user/balance"
BALANCE_V2 = "/openApi/swap/v2/user/balance"
POSITIONS = "/openApi/swap/v2/user/positions"
OPEN_ORDERS = "/openApi/swap/v2/trade/openOrders"
ORDER = "/openApi/swap/v2/trade/order"
ALL_OPEN_ORDERS = "/openApi/swap/v2/trade/allOpenOrders"
CLOSE_ALL = "/openApi/swap/v2/trade/closeAllPositions"
LEVERAGE = "/openApi/swap/v2/trade/leverage"
MARGIN_TYPE = "/openApi/swap/v2/trade/marginType"
POSITION_MODE = "/openApi/swap/v1/positionSide/dual"

SYMBOLS = ("BTC-USDT", "ETH-USDT")
ORDER_FIELDS = (
    *("orderId", "symbol", "side", "positionSide", "type", "origQty", "price", "stopPrice"),
    *("executedQty", "avgPrice", "status", "clientOrderId", "reduceOnly", "workingType"),
)
"""The fields of an open order that the stream also carries."""
CONDITIONAL = ["STOP_MARKET", "TAKE_PROFIT_MARKET"]
OPEN = ("NEW", "PARTIALLY_FILLED")
BUSINESS_REFUSAL = r"-> 200 code=(101\d{3}|104103|109400|10942[12]|110\d{3}):"
"""What a refused order looks like in the journal; a bad signature (100001) is not it."""
WAIT = 5.0  # seconds: every wait is on a condition, this is only its deadline


# =============================================================================== money


def step(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def fixed(value: Decimal, places: int) -> str:
    """``value`` rounded half to even to ``places`` decimals, as REST writes it."""
    text = format(value.quantize(step(places), rounding=ROUND_HALF_EVEN), "f")
    return text[1:] if text.startswith("-") and Decimal(text) == 0 else text


def rounded(value: Decimal, places: int, shown: str) -> str:
    """``value`` (eight decimals, from the stream) as REST should show it with ``places``.

    When ``value`` is exactly halfway between two steps of ``places``, the unrounded
    value REST started from may lie on either side, so either neighbour is right."""
    half = step(places) / 2
    neighbours = (fixed(value - half, places), fixed(value + half, places))
    if (value / half) % 2 == 1 and shown in neighbours:
        return shown
    return fixed(value, places)


def price_places(symbol: str) -> int:
    return CONTRACTS[symbol].price_precision


def qty_places(symbol: str) -> int:
    return CONTRACTS[symbol].quantity_precision


# ============================================================================ the model


@dataclass(frozen=True)
class Held:
    """One position as the bot knows it."""

    amount: Decimal  # signed: a short is negative
    entry: Decimal
    realized: Decimal
    margin_type: str  # the stream's "cross" / "isolated"


@dataclass(frozen=True)
class Working:
    """One open order as the bot knows it (stream statuses: NEW, PARTIALLY_FILLED)."""

    symbol: str
    side: str
    position_side: str
    kind: str
    qty: Decimal
    price: Decimal
    stop: Decimal
    executed: Decimal
    average: Decimal
    status: str
    client_id: str
    reduce_only: bool
    working_type: str


@dataclass
class Model:
    """What the bot believes its account holds."""

    wallet: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[tuple[str, str], Held] = field(default_factory=dict)
    orders: dict[int, Working] = field(default_factory=dict)

    def fold(self, event: events.Event) -> None:
        """Apply one event (the rules are in the module docstring)."""
        if isinstance(event, events.AccountUpdate):
            for balance in event.balances:
                self.wallet[balance.asset] = balance.wallet_balance
            for p in event.positions:
                if p.amount == 0:
                    self.positions.pop((p.symbol, p.side), None)
                else:
                    held = Held(p.amount, p.entry_price, p.realized_pnl, p.margin_type)
                    self.positions[(p.symbol, p.side)] = held
        elif isinstance(event, events.OrderUpdate):
            if event.status not in OPEN:
                self.orders.pop(event.order_id, None)
                return
            o = event.raw["o"]  # sp, ro and wt are not typed by our client
            self.orders[event.order_id] = Working(
                symbol=event.symbol,
                side=event.side,
                position_side=event.position_side,
                kind=event.order_type,
                qty=event.quantity,
                price=event.price,
                stop=Decimal(o["sp"]),
                executed=event.filled_quantity,
                average=event.average_price,
                status=event.status,
                client_id=event.client_order_id,
                reduce_only=bool(o["ro"]),
                working_type=str(o["wt"]),
            )

    @classmethod
    def from_rest(cls, rest: Rest, *, oneway: bool) -> Model:
        """The bot's one REST read (balance, positions, open orders)."""
        read = rest.read()
        model = cls()
        for row in read["balance"]:
            model.wallet[row["asset"]] = Decimal(row["balance"])
        for row in read["positions"]:
            sign = 1 if row["positionSide"] == "LONG" else -1
            side = "BOTH" if oneway else row["positionSide"]
            model.positions[(row["symbol"], side)] = Held(
                amount=sign * Decimal(row["positionAmt"]),
                entry=Decimal(row["avgPrice"]),
                realized=Decimal(row["realisedProfit"]),
                margin_type="isolated" if row["isolated"] else "cross",
            )
        for row in read["orders"]:
            model.orders[row["orderId"]] = Working(
                symbol=row["symbol"],
                side=row["side"],
                position_side=row["positionSide"],
                kind=row["type"],
                qty=Decimal(row["origQty"]),
                price=Decimal(row["price"]),
                stop=Decimal(row["stopPrice"] or 0),
                executed=Decimal(row["executedQty"]),
                average=Decimal(row["avgPrice"]),
                status="NEW" if row["status"] == "PENDING" else row["status"],
                client_id=row["clientOrderId"],
                reduce_only=row["reduceOnly"],
                working_type=row["workingType"],
            )
        return model


# ======================================================= the comparison, field by field


def rest_view(read: dict[str, Any]) -> dict[str, Any]:
    """The fields of REST's answers that the stream also carries."""
    return {
        "balance": {row["asset"]: row["balance"] for row in read["balance"]},
        "positions": {
            (row["symbol"], row["positionSide"]): {
                "positionAmt": row["positionAmt"],
                "avgPrice": row["avgPrice"],
                "realisedProfit": row["realisedProfit"],
                "isolated": row["isolated"],
            }
            for row in read["positions"]
        },
        "orders": [{name: row[name] for name in ORDER_FIELDS} for row in read["orders"]],
    }


def model_view(model: Model, rest: dict[str, Any]) -> dict[str, Any]:
    """The model in REST's spelling; ``rest`` (:func:`rest_view`) only breaks halfway ties."""
    positions: dict[tuple[str, str], Any] = {}
    for (symbol, side), held in model.positions.items():
        direction = side if side != "BOTH" else ("LONG" if held.amount > 0 else "SHORT")
        shown = rest["positions"].get((symbol, direction), {}).get("avgPrice", "")
        positions[(symbol, direction)] = {
            "positionAmt": fixed(abs(held.amount), qty_places(symbol)),
            "avgPrice": rounded(held.entry, price_places(symbol), shown),
            "realisedProfit": fixed(held.realized, 4),
            "isolated": held.margin_type == "isolated",
        }
    shown_average = {row["orderId"]: row["avgPrice"] for row in rest["orders"]}
    orders = []
    for order_id in sorted(model.orders):
        o = model.orders[order_id]
        pp, qp = price_places(o.symbol), qty_places(o.symbol)
        status = o.status
        if status == "NEW" and o.kind not in CONDITIONAL:
            status = "PENDING"  # REST's word for a resting limit order
        orders.append(
            {
                "orderId": order_id,
                "symbol": o.symbol,
                "side": o.side,
                "positionSide": o.position_side,
                "type": o.kind,
                "origQty": fixed(o.qty, qp),
                "price": fixed(o.price, pp),
                "stopPrice": fixed(o.stop, pp) if o.kind in CONDITIONAL else "",
                "executedQty": fixed(o.executed, qp),
                "avgPrice": rounded(o.average, pp, shown_average.get(order_id, "")),
                "status": status,
                "clientOrderId": o.client_id,
                "reduceOnly": o.reduce_only,
                "workingType": o.working_type,
            }
        )
    return {
        "balance": {asset: fixed(amount, 4) for asset, amount in model.wallet.items()},
        "positions": positions,
        "orders": orders,
    }


# ======================================================================= the operations


@dataclass(frozen=True)
class Place:
    """``POST /trade/order`` for ``lots`` minimum lots. A limit price or a trigger is
    ``away`` (a fraction) from the last price (limit) or the trigger's source (stops),
    on the side where the order waits; a negative ``away`` crosses the market (a limit
    order takes at once, a stop is refused as already triggered)."""

    symbol: str
    long: bool  # the position it opens or closes: long, else short
    opening: bool  # else closing: in hedge mode by its sides, in one-way by reduceOnly
    kind: str
    lots: int
    away: str
    tif: str
    close_position: bool  # a closing stop or take-profit: closePosition instead of a size
    contract_price: bool
    client_id: bool

    @property
    def side(self) -> str:
        return "BUY" if self.long == self.opening else "SELL"


@dataclass(frozen=True)
class SetPrice:
    symbol: str
    move: str  # mark = mark * (1 + move)
    spread: str  # last = mark * (1 + spread)
    scripted: bool  # via script_prices and the exchange clock


@dataclass(frozen=True)
class Fill:
    pick: int  # which resting limit order
    share: str  # of what remains
    better: bool  # a tick better than its price


@dataclass(frozen=True)
class Funding:
    symbol: str
    rate: str


@dataclass(frozen=True)
class Transfer:
    amount: str  # > 0: deposit, < 0: withdrawal


@dataclass(frozen=True)
class Cancel:
    pick: int


@dataclass(frozen=True)
class CancelAll:
    symbol: str | None


@dataclass(frozen=True)
class CloseAll:
    symbol: str | None


@dataclass(frozen=True)
class Liquidate:
    symbol: str


@dataclass(frozen=True)
class Leverage:
    symbol: str
    long: bool
    value: int


@dataclass(frozen=True)
class MarginType:
    symbol: str
    isolated: bool


@dataclass(frozen=True)
class Lossy:
    """The next ``frames`` event frames of ``op`` never arrive (``LoseEvents``)."""

    op: Any
    frames: int


@dataclass(frozen=True)
class Duplicated:
    """The next ``frames`` event frames of ``op`` arrive twice (``DuplicateFrame``)."""

    op: Any
    frames: int


@dataclass(frozen=True)
class WhileDown:
    """The socket is cut (``Drop``), ``ops`` run, the bot reconnects."""

    ops: tuple[Any, ...]


symbols = st.sampled_from(SYMBOLS)
places = st.builds(
    Place,
    symbol=symbols,
    long=st.booleans(),
    opening=st.sampled_from([True, True, True, False]),
    kind=st.sampled_from(["MARKET"] * 2 + ["LIMIT"] * 4 + CONDITIONAL),
    lots=st.sampled_from([1, 3, 10, 30, 100]),
    away=st.sampled_from(["-0.01", "0", "0.002", "0.005", "0.01", "0.03"]),
    tif=st.sampled_from(["GTC"] * 5 + ["IOC", "FOK", "PostOnly"]),
    close_position=st.booleans(),
    contract_price=st.booleans(),
    client_id=st.booleans(),
)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of ``choices``, each as often as its weight (``st.one_of`` would dedupe)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


plain_ops = weighted(
    (8, places),  # trading is most of what a bot does
    (
        4,
        st.builds(
            SetPrice,
            symbols,
            st.sampled_from(["-0.06", "-0.02", "-0.005", "0", "0.005", "0.02", "0.06"]),
            st.sampled_from(["0", "0", "-0.001", "0.001"]),
            st.booleans(),
        ),
    ),
    (6, st.builds(Fill, st.integers(0, 5), st.sampled_from(["0.3", "0.5", "1"]), st.booleans())),
    (1, st.builds(Funding, symbols, st.sampled_from(["-0.001", "-0.0001", "0.0001", "0.00037"]))),
    (1, st.builds(Transfer, st.sampled_from(["0.12345678", "250", "-1.5", "-400", "-100000"]))),
    (2, st.builds(Cancel, st.integers(0, 5))),
    (1, st.builds(CancelAll, st.none() | symbols)),
    (1, st.builds(CloseAll, st.none() | symbols)),
    (1, st.builds(Liquidate, symbols)),
    (1, st.builds(Leverage, symbols, st.booleans(), st.sampled_from([1, 3, 10, 20]))),
    (1, st.builds(MarginType, symbols, st.booleans())),
)
faulty_ops = st.one_of(
    st.builds(Lossy, plain_ops, st.integers(1, 3)),
    st.builds(Duplicated, plain_ops, st.integers(1, 3)),
    st.builds(WhileDown, st.lists(plain_ops, min_size=1, max_size=3).map(tuple)),
)
scripts = st.lists(weighted((6, plain_ops), (1, faulty_ops)), min_size=8, max_size=24)


# ================================================================================ the bot


class Rest:
    """Signed REST for one account, as a bot calls it (``tests/trading.py``)."""

    def __init__(self, http: requests.Session, sim: Simulator, account: Account) -> None:
        self.http, self.sim, self.account = http, sim, account

    def call(self, method: str, path: str, **params: Any) -> dict[str, Any]:
        """The whole answer: operations may be refused (``code`` != 0), that is fine."""
        return signed(self.http, self.sim, self.account, method, path, **params)

    def data(self, path: str) -> Any:
        answer = self.call("GET", path)
        assert answer["code"] == 0, answer
        return answer["data"]

    def read(self) -> dict[str, Any]:
        """Balance, positions and open orders: what the bot reads after a loss."""
        return {
            "balance": self.data(BALANCE),
            "positions": self.data(POSITIONS),
            "orders": self.data(OPEN_ORDERS)["orders"],
        }


class Bot:
    """One account: its socket, its model, and the script's operations."""

    def __init__(
        self, sim: Simulator, http: requests.Session, account: Account, *, oneway: bool
    ) -> None:
        self.sim, self.account, self.oneway = sim, account, oneway
        self.rest = Rest(http, sim, account)
        with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
            self.key = str(client.listen_key().generate()["listenKey"])
        self.stream: AccountDataStream | None = None
        self.sent_before = 0  # event frames sent to this key before the current socket
        self.taken = 0  # events taken from the current socket
        self.model = Model()
        self.marks = dict(DEFAULT_PRICES)
        self.lasts = dict(DEFAULT_PRICES)
        self.orders_placed = 0

    # the socket -------------------------------------------------------------------------

    def _frames_sent(self) -> int:
        """Event frames the exchange wrote to this key's sockets (the journal has each
        frame once it is queued, so after an operation returns all of its are here)."""
        return sum(
            1
            for f in self.sim.journal.frames
            if f.direction == "out" and f.listen_key == self.key and f.text != "Ping"
        )

    def connect(self) -> None:
        self.sent_before = self._frames_sent()
        opened = sum(
            1 for e in self.sim.journal.sockets if e.kind == "open" and e.listen_key == self.key
        )
        stream = AccountDataStream(self.key, base_url=self.sim.ws_url)
        stream.connect()
        seen = [0]

        def is_open(entry: object) -> bool:  # the exchange routes events to it from now on
            if isinstance(entry, WsEvent) and entry.kind == "open" and entry.listen_key == self.key:
                seen[0] += 1
            return seen[0] > opened

        self.sim.journal.wait_for(is_open, timeout=WAIT)
        self.stream, self.taken = stream, 0

    def sync(self) -> None:
        """Fold every event the exchange has sent to the open socket so far."""
        if self.stream is None:
            return
        due = self._frames_sent() - self.sent_before
        while self.taken < due:
            got: events.Event = self.stream.next_event(timeout=WAIT)
            self.model.fold(got)
            self.taken += 1
            if isinstance(got, events.OrderUpdate):
                event(f"stream {got.order_type} {got.execution_type} {got.status}")
            elif isinstance(got, events.AccountUpdate):
                event(f"stream ACCOUNT_UPDATE {got.reason}")

    def resync(self) -> None:
        """The bot knows it missed events: one REST read replaces its model."""
        self.model = Model.from_rest(self.rest, oneway=self.oneway)

    def drop(self) -> None:
        self.sync()
        assert self.stream is not None
        self.sim.inject(Drop(account=self.account))  # the open socket, cut (1006)
        assert self.stream.wait_closed(timeout=WAIT)
        self.stream.disconnect()
        self.stream = None

    def close(self) -> None:
        if self.stream is not None:
            self.stream.disconnect()

    def check(self) -> None:
        read = self.rest.read()
        wanted = rest_view(read)
        assert model_view(self.model, wanted) == wanted
        # And REST agrees with itself: v2's balance is v3's USDT row.
        [usdt] = [row for row in read["balance"] if row["asset"] == "USDT"]
        v3 = {name: value for name, value in usdt.items() if name != "shortUid"}
        assert self.rest.data(BALANCE_V2)["balance"] == v3

    # the script -------------------------------------------------------------------------

    def start(self) -> None:
        if self.oneway:
            answer = self.rest.call("POST", POSITION_MODE, dualSidePosition="false")
            assert answer["code"] == 0, answer
        self.connect()
        self.resync()  # a bot starts from REST
        self.check()

    def run(self, op: Any) -> None:
        if isinstance(op, Lossy | Duplicated):
            kind = LoseEvents if isinstance(op, Lossy) else DuplicateFrame
            fault = self.sim.inject(kind(account=self.account, times=op.frames, required=False))
            self.apply(op.op)
            hits = fault.hits
            fault.clear()
            self.sync()
            note(f"  {type(op).__name__}: {hits} frame(s) hit")
            event(f"fault {type(op).__name__} {'fired' if hits else 'unused'}")
            if isinstance(op, Lossy) and hits:
                self.resync()  # the bot learnt of the loss
        elif isinstance(op, WhileDown):
            event("fault WhileDown")
            self.drop()
            for inner in op.ops:
                self.apply(inner)
            self.connect()
            self.resync()
        else:
            self.apply(op)
            self.sync()
        self.check()

    def apply(self, op: Any) -> None:
        outcome = self._apply(op)
        note(f"{op} -> {outcome}")
        verdict = "done"
        if isinstance(outcome, int) and 100_000 <= outcome < 1_000_000:
            verdict = "refused"
        elif isinstance(outcome, str) and outcome.startswith("skipped"):
            verdict = "skipped"
        kind = op.kind if isinstance(op, Place) else type(op).__name__
        event(f"{kind} {verdict}")  # see them with --hypothesis-show-statistics

    def _price(self, symbol: str, base: Decimal, offset: Decimal | str) -> Decimal:
        tick = step(price_places(symbol))
        return max(tick, (base * (1 + Decimal(offset))).quantize(tick))

    def _resting_limits(self) -> list[dict[str, Any]]:
        orders = self.sim.account_state(self.account)["openOrders"]["orders"]
        return [o for o in orders if o["type"] == "LIMIT"]

    def _apply(self, op: Any) -> object:
        rest, sim, account = self.rest, self.sim, self.account
        if isinstance(op, Place):
            return self._place(op)
        if isinstance(op, SetPrice):
            mark = self._price(op.symbol, self.marks[op.symbol], op.move)
            last = self._price(op.symbol, mark, op.spread)
            if op.scripted:
                sim.script_prices(op.symbol, [(timedelta(seconds=30), mark)])
                sim.advance(timedelta(seconds=30))  # the step applies on the way
                last = mark
            else:
                sim.set_price(op.symbol, mark, last=last)
            self.marks[op.symbol], self.lasts[op.symbol] = mark, last
            return f"mark {mark} last {last}"
        if isinstance(op, Fill):
            limits = self._resting_limits()
            if not limits:
                return "skipped: no resting limit"
            order = limits[op.pick % len(limits)]
            qp = qty_places(order["symbol"])
            left = Decimal(order["origQty"]) - Decimal(order["executedQty"])
            qty = max(step(qp), (left * Decimal(op.share)).quantize(step(qp), ROUND_DOWN))
            price = Decimal(order["price"])
            if op.better:
                tick = step(price_places(order["symbol"]))
                price = price - tick if order["side"] == "BUY" else price + tick
            try:
                filled = sim.fill(account, order["orderId"], min(qty, left), price)
            except Refused as refused:
                return refused.error.code
            return f"{order['orderId']} {filled['status']} {filled['executedQty']}"
        if isinstance(op, Funding):
            return len(sim.funding(op.symbol, op.rate))
        if isinstance(op, Transfer):
            amount = Decimal(op.amount)
            try:
                if amount > 0:
                    return sim.deposit(account, "USDT", amount)
                return sim.withdraw(account, "USDT", -amount)
            except Refused as refused:
                return refused.error.code
        if isinstance(op, Cancel):
            opened = sim.account_state(account)["openOrders"]["orders"]
            if not opened:
                return "skipped: nothing open"
            order = opened[op.pick % len(opened)]
            return rest.call("DELETE", ORDER, symbol=order["symbol"], orderId=order["orderId"])[
                "code"
            ]
        if isinstance(op, CancelAll):
            chosen = {} if op.symbol is None else {"symbol": op.symbol}
            return rest.call("DELETE", ALL_OPEN_ORDERS, **chosen)["code"]
        if isinstance(op, CloseAll):
            chosen = {} if op.symbol is None else {"symbol": op.symbol}
            return rest.call("POST", CLOSE_ALL, **chosen)["code"]
        if isinstance(op, Liquidate):
            try:
                return len(sim.liquidate(account, op.symbol))
            except Refused as refused:
                return refused.error.code
        if isinstance(op, Leverage):
            side = "BOTH" if self.oneway else ("LONG" if op.long else "SHORT")
            answer = rest.call("POST", LEVERAGE, symbol=op.symbol, side=side, leverage=op.value)
            return answer["code"]
        assert isinstance(op, MarginType)
        kind = "ISOLATED" if op.isolated else "CROSSED"
        return rest.call("POST", MARGIN_TYPE, symbol=op.symbol, marginType=kind)["code"]

    def _place(self, op: Place) -> object:
        contract = CONTRACTS[op.symbol]
        params: dict[str, Any] = {"symbol": op.symbol, "side": op.side, "type": op.kind}
        if self.oneway:
            params["positionSide"] = "BOTH"
            if not op.opening:
                params["reduceOnly"] = True
        else:
            params["positionSide"] = "LONG" if op.long else "SHORT"
        away = Decimal(op.away)
        if op.kind == "LIMIT":  # a buy waits below the market, a sell above
            offset = -away if op.side == "BUY" else away
            params["price"] = self._price(op.symbol, self.lasts[op.symbol], offset)
            params["timeInForce"] = op.tif
        if op.kind in CONDITIONAL:  # a stop buy waits above, a take-profit buy below
            rising = (op.kind == "STOP_MARKET") == (op.side == "BUY")
            source = self.lasts if op.contract_price else self.marks
            offset = away if rising else -away
            params["stopPrice"] = self._price(op.symbol, source[op.symbol], offset)
            params["workingType"] = "CONTRACT_PRICE" if op.contract_price else "MARK_PRICE"
        if op.kind in CONDITIONAL and op.close_position and not op.opening:
            params["closePosition"] = True
            params.pop("reduceOnly", None)
        else:
            params["quantity"] = contract.trade_min_quantity * op.lots
        if op.client_id:
            self.orders_placed += 1
            params["clientOrderId"] = f"Bot-{self.orders_placed}"
        answer = self.rest.call("POST", ORDER, **params)
        return answer["code"] if answer["code"] else answer["data"]["order"]["orderId"]


# ================================================================================ the test


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    """One simulator for the module, reset by each example (it starts in a millisecond,
    but a reset is cheaper still)."""
    with Simulator() as sim:
        yield sim


@pytest.fixture(scope="module")
def shared_http() -> Iterator[requests.Session]:
    with requests.Session() as http:
        yield http


def run_script(sim: Simulator, http: requests.Session, script: list[Any], *, oneway: bool) -> None:
    sim.reset()
    # The script is random, so the exchange refuses some of its orders (margin, triggers
    # on the wrong side, nothing to close): business codes are expected, nothing else.
    sim.expect_errors(BUSINESS_REFUSAL)
    account = sim.add_account(balances={"USDT": "10000"})
    bot = Bot(sim, http, account, oneway=oneway)
    try:
        bot.start()
        for op in script:
            bot.run(op)
    finally:
        bot.close()
    assert sim.unexpected_errors() == []


def place(
    symbol: str,
    kind: str,
    *,
    long: bool = True,
    opening: bool = True,
    lots: int = 10,
    away: str = "0.01",
    close_position: bool = False,
    contract_price: bool = False,
) -> Place:
    """A GTC order with a client id, for the pinned scripts below."""
    return Place(
        symbol, long, opening, kind, lots, away, "GTC", close_position, contract_price, True
    )


HEDGE_SCRIPT = [
    MarginType("BTC-USDT", isolated=True),
    place("BTC-USDT", "MARKET", lots=100),
    place("BTC-USDT", "LIMIT", lots=100),  # rests 1 % under the market
    Duplicated(Fill(pick=0, share="0.5", better=False), frames=2),
    Fill(pick=0, share="0.5", better=True),  # a second partial fill: z is now 2 fills
    Funding("BTC-USDT", "0.0001"),  # isolated: FUNDING_FEE carries a.P
    place("BTC-USDT", "STOP_MARKET", opening=False, close_position=True, contract_price=True),
    SetPrice("BTC-USDT", move="-0.02", spread="0", scripted=True),  # limit fills, stop closes
    Lossy(place("ETH-USDT", "MARKET", long=False), frames=1),
    WhileDown((place("ETH-USDT", "LIMIT", long=False), Fill(pick=0, share="1", better=False))),
    place("ETH-USDT", "TAKE_PROFIT_MARKET", long=False, opening=False, away="0.005"),
    Liquidate("ETH-USDT"),  # cancels the take-profit, closes the short
]
"""Pinned, so every run has them: two partial fills (``z`` > ``l``), funding on an
isolated position, a closePosition stop on the last price, liquidation, every fault."""

ONEWAY_SCRIPT = [
    place("BTC-USDT", "MARKET", lots=30),
    place("BTC-USDT", "MARKET", long=False, lots=100),  # through zero: a short now
    place("BTC-USDT", "LIMIT", long=False, opening=False, lots=30),  # reduce-only, resting
    SetPrice("BTC-USDT", move="-0.02", spread="0.001", scripted=False),
    Transfer("-400"),
    CloseAll(None),
]
"""Crossing zero and reduce-only orders, in one-way mode."""


@example(oneway=False, script=HEDGE_SCRIPT)
@example(oneway=True, script=ONEWAY_SCRIPT)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(oneway=st.booleans(), script=scripts)
def test_the_folded_stream_reproduces_rest(
    shared_sim: Simulator, shared_http: requests.Session, oneway: bool, script: list[Any]
) -> None:
    run_script(shared_sim, shared_http, script, oneway=oneway)
