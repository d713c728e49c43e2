"""``bingx-sim serve --scenario FILE``: accounts, options, stubs, faults and prices in one
JSON or TOML file, loaded at start-up and again after every ``POST /_sim/reset``.

Each section takes the same fields as the control route's body:

* ``options``: an object, as ``POST /_sim/options`` (``profile`` too);
* ``accounts``: a list, each as ``POST /_sim/accounts`` (``api_key``, ``api_secret``,
  ``balances``); they are the sandbox's seed accounts;
* ``stubs``: a list, each as ``POST /_sim/stubs``;
* ``faults``: a list, each as ``POST /_sim/faults``;
* ``prices``: a list, each as ``POST /_sim/prices`` (``symbol``, ``price``, ``last``,
  ``index``, ``product``).

The whole file is checked before the sandbox starts, by applying it to a throwaway
exchange: an error names the file, the line and the item (``stubs[1]``), then why.
"""

from __future__ import annotations

import bisect
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bingx_sim.core.state import SimConfig, SimState
from bingx_sim.lab.faults import FaultSpec, fault_from_json
from bingx_sim.lab.stubs import Stub, stub_from_json
from bingx_sim.ledger import Refused
from bingx_sim.rules.options import ContractOptions

__all__ = [
    "SECTIONS",
    "PriceSet",
    "Scenario",
    "ScenarioError",
    "SeedAccount",
    "load_scenario",
    "parse_scenario",
]

SECTIONS = ("options", "accounts", "stubs", "faults", "prices")

Location = tuple[str | int, ...]
T = TypeVar("T")


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the line."""


@dataclass(frozen=True, slots=True)
class SeedAccount:
    api_key: str | None
    api_secret: str | None
    balances: dict[str, str] | None


@dataclass(frozen=True, slots=True)
class PriceSet:
    symbol: str
    price: str
    last: str | None = None
    index: str | None = None
    product: str = "swap"


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: options for the start, seed accounts, and what :meth:`apply`
    sets up after the start and after every reset (stubs, faults, prices)."""

    source: str
    options: dict[str, Any] = field(default_factory=dict)
    accounts: tuple[SeedAccount, ...] = ()
    stubs: tuple[Stub, ...] = ()
    faults: tuple[FaultSpec, ...] = ()
    prices: tuple[PriceSet, ...] = ()

    def seed(self, state: SimState) -> None:
        """Register the accounts as seed accounts (a reset re-creates them)."""
        for account in self.accounts:
            state.add_seed_account(account.api_key, account.api_secret, account.balances)

    def apply(self, state: SimState) -> None:
        """Add the stubs and faults, set the prices (in that order)."""
        for stub in self.stubs:
            state.add_stub(stub)
        for fault in self.faults:
            state.inject(fault)
        for price in self.prices:
            _set_price(state, price)


# reading, with the line of every value ------------------------------------------------


class _Lines:
    """Line numbers (1-based) of character offsets."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)


_WS = re.compile(r"[ \t\n\r]*")


def _json_lines(text: str) -> dict[Location, int]:
    """The line where each value of a valid JSON document starts, by its path."""
    line_of, decoder, found = _Lines(text), json.JSONDecoder(), {}

    def skip(pos: int) -> int:
        match = _WS.match(text, pos)
        return match.end() if match else pos

    def walk(pos: int, path: Location) -> int:
        pos = skip(pos)
        found[path] = line_of(pos)
        if text[pos] == "{":
            pos = skip(pos + 1)
            while text[pos] != "}":
                key, pos = decoder.raw_decode(text, pos)
                pos = walk(skip(pos) + 1, (*path, key))  # past the ':'
                pos = skip(pos)
                pos = skip(pos + 1) if text[pos] == "," else pos
            return pos + 1
        if text[pos] == "[":
            pos, index = skip(pos + 1), 0
            while text[pos] != "]":
                pos = skip(walk(pos, (*path, index)))
                pos = skip(pos + 1) if text[pos] == "," else pos
                index += 1
            return pos + 1
        return int(decoder.raw_decode(text, pos)[1])

    walk(0, ())
    return found


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")


def _toml_lines(text: str) -> dict[Location, int]:
    """The line of each table, array-of-tables entry and key of a TOML document, by
    path (a best effort: inline tables and multi-line values keep their key's line)."""
    found: dict[Location, int] = {}
    counts: dict[str, int] = {}
    table: Location = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header is not None:
            name = header.group(2)
            if header.group(1) == "[[":
                index = counts.get(name, 0)
                counts[name] = index + 1
                table = (name, index)
            else:
                table = (name,)
            found.setdefault(table, number)
            found.setdefault(table[:1], number)
            continue
        key = _KEY.match(line)
        if key is not None:
            found.setdefault((*table, key.group(1).strip('"')), number)
    return found


def _where(path: Location) -> str:
    shown = ""
    for part in path:
        shown += f"[{part}]" if isinstance(part, int) else (f".{part}" if shown else part)
    return shown


class _Reader:
    """Raises :class:`ScenarioError` naming the file, the line and the item."""

    def __init__(self, source: str, lines: dict[Location, int]) -> None:
        self.source, self.lines = source, lines

    def fail(self, path: Location, why: str) -> ScenarioError:
        line = None
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                break
        at = f" line {line}" if line is not None else ""
        item = f" ({_where(path)})" if path else ""
        return ScenarioError(f"{self.source}{at}{item}: {why}")

    def each(self, data: dict[str, Any], section: str) -> list[tuple[Location, dict[str, Any]]]:
        items = data.get(section, [])
        if not isinstance(items, list):
            raise self.fail((section,), f"{section} is a list of objects")
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail((section, index), "each item is an object")
        return [((section, i), item) for i, item in enumerate(items)]

    def all(
        self, data: dict[str, Any], section: str, make: Callable[[dict[str, Any]], T]
    ) -> list[tuple[Location, T]]:
        """Each item of a list section, made by ``make``."""
        return [
            (path, self.check(path, partial(make, body))) for path, body in self.each(data, section)
        ]

    def check(self, path: Location, make: Callable[[], T]) -> T:
        try:
            return make()
        except Refused as refused:
            raise self.fail(path, f"{refused.error.code}: {refused.error.msg}") from None
        except (KeyError, TypeError, ValueError) as error:
            raise self.fail(path, str(error.args[0]) if error.args else str(error)) from None


def _one_option(name: str, value: object) -> Callable[[], ContractOptions]:
    return lambda: ContractOptions().with_changes({name: value})


def _set_price(state: SimState, price: PriceSet) -> object:
    return state.set_price(
        price.symbol, price.price, last=price.last, index=price.index, product=price.product
    )


def _decimal(value: object, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{what} must be a decimal number (as a string)")
    try:
        Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{what} {value!r} is not a decimal number") from None
    return str(value)


def _account(body: dict[str, Any]) -> SeedAccount:
    unknown = set(body) - {"api_key", "api_secret", "balances"}
    if unknown:
        raise ValueError(f"an account takes no {', '.join(sorted(unknown))}")
    api_key, api_secret = body.get("api_key"), body.get("api_secret")
    if not all(v is None or (isinstance(v, str) and v) for v in (api_key, api_secret)):
        raise ValueError("api_key and api_secret must be non-empty strings")
    balances = body.get("balances")
    if balances is not None:
        if not isinstance(balances, dict):
            raise ValueError('balances is an object of decimal strings: {"USDT": "10000"}')
        balances = {k: _decimal(v, f"balance {k}") for k, v in balances.items()}
    return SeedAccount(api_key, api_secret, balances)


def _price(body: dict[str, Any]) -> PriceSet:
    unknown = set(body) - {"symbol", "price", "last", "index", "product"}
    if unknown:
        raise ValueError(f"a price takes no {', '.join(sorted(unknown))}")
    symbol, product = body.get("symbol"), body.get("product", "swap")
    if not isinstance(symbol, str) or not isinstance(product, str):
        raise ValueError("a price needs a symbol (and product, if any) as strings")
    if "price" not in body:
        raise ValueError("price is required")
    optional = {k: _decimal(body[k], k) for k in ("last", "index") if body.get(k) is not None}
    return PriceSet(symbol, _decimal(body["price"], "price"), product=product, **optional)


def _parse(text: str, source: str) -> tuple[dict[str, Any], dict[Location, int]]:
    if source.endswith(".toml"):
        try:
            return tomllib.loads(text), _toml_lines(text)
        except tomllib.TOMLDecodeError as error:
            raise ScenarioError(f"{source}: not TOML: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ScenarioError(f"{source} line {error.lineno}: not JSON: {error.msg}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{source} line 1: a scenario is a JSON object of sections")
    return data, _json_lines(text)


def parse_scenario(text: str, source: str = "scenario.json") -> Scenario:
    """Check ``text`` (TOML when ``source`` ends in ``.toml``, else JSON) and return the
    scenario; :class:`ScenarioError` naming the line otherwise."""
    data, lines = _parse(text, source)
    read = _Reader(source, lines)
    for name in data:
        if name not in SECTIONS:
            raise read.fail((name,), f"no section {name!r}; sections: {', '.join(SECTIONS)}")
    options = data.get("options", {})
    if not isinstance(options, dict):
        raise read.fail(("options",), "options is an object of option names and values")
    for name, value in options.items():
        read.check(("options", name), _one_option(name, value))
    made: ContractOptions = read.check(
        ("options",), lambda: ContractOptions().with_changes(options)
    )
    accounts = read.all(data, "accounts", _account)
    stubs = read.all(data, "stubs", stub_from_json)
    faults = read.all(data, "faults", fault_from_json)
    prices = read.all(data, "prices", _price)
    known = {a.api_key for _, a in accounts if a.api_key is not None}
    for path, fault in faults:
        if fault.api_key is not None and fault.api_key not in known:
            raise read.fail((*path, "account"), f"no account {fault.api_key!r} in the scenario")
    # A dry run on a throwaway exchange, so a refusal names its line now, not at start-up.
    state = SimState(SimConfig(options=made))
    for path, account in accounts:
        read.check(path, partial(state.add_seed_account, *astuple(account)))
    for path, price in prices:
        read.check(path, partial(_set_price, state, price))
    return Scenario(
        source,
        dict(options),
        tuple(a for _, a in accounts),
        tuple(s for _, s in stubs),
        tuple(f for _, f in faults),
        tuple(p for _, p in prices),
    )


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; :class:`ScenarioError` naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"cannot read the scenario {path}: {error}") from None
    return parse_scenario(text, str(path))
