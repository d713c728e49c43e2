"""Effects: what an operation does to sockets, as data.

The pure layers (listen keys, the ledger) decide; they return what should reach the
account's sockets as effects, and :meth:`~bingx_sim.core.state.SimState.apply` is the
one place effects touch sockets. An operation's result and its effects are therefore
separate, and the effects of one operation are applied in order, atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["AnnounceExpiry", "DropKeySockets", "Effect", "Push"]


@dataclass(frozen=True, slots=True)
class Push:
    """An event for every socket of ``api_key``'s ``product`` that takes it."""

    api_key: str
    event: Mapping[str, Any]
    product: str = "swap"


@dataclass(frozen=True, slots=True)
class AnnounceExpiry:
    """A listen key expired: ``listenKeyExpired`` to its sockets, then ``on_expiry``."""

    listen_key: str
    at_ms: int


@dataclass(frozen=True, slots=True)
class DropKeySockets:
    """A listen key was deleted: its sockets fall silent (and close, by ``on_delete``)."""

    listen_key: str
    reason: str


Effect = Push | AnnounceExpiry | DropKeySockets
