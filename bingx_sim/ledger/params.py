"""Reading an endpoint's request parameters, the same way for every product's book.

The exchange reads parameters as strings (query and body merged); a blank value counts
as absent. A value that does not parse is the book's own "invalid parameter" refusal
(each product answers it in its own code set), so these helpers take the book.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Protocol

from bingx_sim.ledger.codes import Refused
from bingx_sim.ledger.money import InvalidAmount, to_decimal

__all__ = ["Refuses", "decimal", "integer", "text"]


class _Invalid(Protocol):
    def invalid(self, detail: str) -> Refused: ...


class Refuses(Protocol):
    """A book whose ``codes`` build its invalid-parameter refusal."""

    @property
    def codes(self) -> _Invalid: ...


def text(params: Mapping[str, str], *names: str) -> str | None:
    """The first of ``names`` that is present and not blank."""
    for name in names:
        value = params.get(name)
        if value is not None and value != "":
            return value
    return None


def decimal(book: Refuses, params: Mapping[str, str], name: str) -> Decimal | None:
    """``name`` as an exact decimal, ``None`` when absent."""
    value = text(params, name)
    if value is None:
        return None
    try:
        return to_decimal(value)
    except InvalidAmount:
        raise book.codes.invalid(f"{name} must be a number") from None


def integer(book: Refuses, params: Mapping[str, str], *names: str) -> int | None:
    """The first of ``names`` as a non-negative integer (ASCII digits, at most 21),
    ``None`` when absent."""
    value = text(params, *names)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 21:
        raise book.codes.invalid(f"{names[0]} must be a non-negative integer")
    return int(value)
