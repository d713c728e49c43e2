"""Decimal money and its BingX spellings.

The ledger keeps every amount as an exact :class:`~decimal.Decimal`: a float would make
the wallet-conservation invariant (``wallet = initial + transfers + realized + fees +
funding``) fail by rounding noise, and a test could not tell noise from a bug. Only the
renderers turn amounts into the strings BingX sends, through :func:`fixed`, which never
uses exponent notation (``1E-8`` would break a client that parses with a regex).
"""

from __future__ import annotations

import json
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

__all__ = [
    "STREAM_PLACES",
    "ZERO",
    "InvalidAmount",
    "fixed",
    "floor_to",
    "num",
    "places_of",
    "plain",
    "quantum",
    "round_to",
    "stream",
    "to_decimal",
    "wire_json",
]

ZERO = Decimal(0)
STREAM_PLACES = 8
"""Swap stream money carries eight decimals (``"wb":"5277.59264687"``, ``"n":"-0.01369708"``
in BingX's documented ``ACCOUNT_UPDATE`` / ``ORDER_TRADE_UPDATE`` examples)."""


class InvalidAmount(ValueError):
    """Text that is not a plain finite decimal number."""


def to_decimal(value: str | int | Decimal) -> Decimal:
    """A finite Decimal from a string, int or Decimal; floats are refused on purpose."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidAmount(f"not a decimal amount: {value!r}")
    try:
        result = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise InvalidAmount(f"not a decimal amount: {value!r}") from None
    if not result.is_finite():
        raise InvalidAmount(f"not a finite amount: {value!r}")
    return result


def quantum(places: int) -> Decimal:
    """``10**-places``: the step of a precision (``quantum(2) == Decimal("0.01")``)."""
    return Decimal(1).scaleb(-places)


def places_of(value: Decimal) -> int:
    """How many decimals a value is written with once trailing zeros go (``"1.50"`` → 1)."""
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def round_to(value: Decimal, places: int) -> Decimal:
    """Banker's rounding to ``places`` decimals: how the ledger books a computed amount
    (realized PnL, funding) so that the wallet moves by exactly what it reports."""
    return value.quantize(quantum(places), rounding=ROUND_HALF_EVEN)


def floor_to(value: Decimal, places: int) -> Decimal:
    """Round towards zero: a quantity bought for a quote amount never exceeds it."""
    return value.quantize(quantum(places), rounding=ROUND_DOWN)


def fixed(value: Decimal, places: int) -> str:
    """``value`` with exactly ``places`` decimals, no exponent and no ``-0``."""
    text = format(round_to(value, places), "f")
    if text.startswith("-") and round_to(value, places) == 0:
        text = text[1:]
    return text


def stream(value: Decimal) -> str:
    """A stream money string (eight decimals)."""
    return fixed(value, STREAM_PLACES)


def num(value: Decimal) -> int | float:
    """A JSON number, for the few REST fields BingX sends as numbers
    (``bookTicker``, ``commissionRate``, contract fee rates): an int when integral."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def plain(value: Decimal) -> str:
    """``value`` exactly, without trailing zeros, exponent or ``-0`` (``"0.0802"``,
    ``"100"``): how spot writes balances and order amounts (``"566773.193402631"``)."""
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def wire_json(payload: Any) -> bytes:
    """``payload`` as the exchange writes it: compact, a :class:`~decimal.Decimal` as a
    JSON number in plain decimal notation (``0.00001``, never ``1e-05``), not through a
    float, so a number keeps exactly the digits the ledger holds."""
    return _json_text(payload).encode()


def _json_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{_json_text(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    return json.dumps(value)
