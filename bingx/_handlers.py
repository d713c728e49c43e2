"""The SDK's handler-registration API and the rule for running handlers, in one place.

Both :class:`~bingx.stream.AccountDataStream` and :class:`~bingx.keeper.UserDataStream`
take the same handlers; a handler that raises goes to ``on_error`` and never stops the
caller (an ``on_error`` that raises is dropped, so an error cannot loop).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import events as ev

Handler = Callable[..., None]

# Slots whose handlers a UserDataStream hands on to every stream it opens.
STREAM_SLOTS = ("balance", "position", "order", "config", "expired")


class HandlerSlots:
    _handlers: dict[str, Handler | None]

    def _init_handlers(self, *extra: str) -> None:
        self._handlers = dict.fromkeys((*STREAM_SLOTS, "event", "error", *extra))

    def on_balance_update(self, handler: Callable[[list[dict[str, Any]]], None]) -> None:
        """``handler(a["B"])``: the raw balance list of each ACCOUNT_UPDATE, as the SDK."""
        self._handlers["balance"] = handler

    def on_position_update(self, handler: Callable[[list[dict[str, Any]]], None]) -> None:
        """``handler(a["P"])``: the raw position list of each ACCOUNT_UPDATE, as the SDK."""
        self._handlers["position"] = handler

    def on_order_update(self, handler: Callable[[dict[str, Any]], None]) -> None:
        """``handler(o)``: the raw order dict of each ORDER_TRADE_UPDATE (or spot report)."""
        self._handlers["order"] = handler

    def on_config_update(self, handler: Callable[[ev.ConfigUpdate], None]) -> None:
        """Leverage or margin-mode changes, and config snapshots (``event.snapshot``)."""
        self._handlers["config"] = handler

    def on_listen_key_expired(self, handler: Callable[[ev.ListenKeyExpired], None]) -> None:
        self._handlers["expired"] = handler

    def on_event(self, handler: Callable[[ev.Event], None]) -> None:
        """Every event, typed."""
        self._handlers["event"] = handler

    def on_error(self, handler: Callable[[Exception], None]) -> None:
        self._handlers["error"] = handler

    def _forward_to(self, other: HandlerSlots) -> None:
        """Have ``other`` run this object's handlers of the stream slots (and ``event``,
        ``error``), looked up when called: a handler registered later reaches it too."""
        for slot in (*STREAM_SLOTS, "event", "error"):
            other._handlers[slot] = functools.partial(self._call, slot)

    def _call(self, slot: str, *args: Any) -> None:
        handler = self._handlers[slot]
        if handler is None:
            return
        try:
            handler(*args)
        except Exception as error:  # a user's bug must not kill the stream or the keeper
            if slot != "error":
                self._call("error", error)
