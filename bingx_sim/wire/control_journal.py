"""The journal over the control API: ``GET /_sim/journal`` with a cursor, filters and a
long poll, and ``GET /_sim/journal/stream``, the same entries as server-sent events.

Every entry carries its sequence number ``seq`` (1, 2, ...; it only grows, across the
journal's bound and across resets). A reader passes the answer's ``next`` back as
``since`` and gets only what came after; ``wait=SECONDS`` holds the answer until at least
one entry matches or the deadline passes, woken by the journal's appends (the
:class:`~bingx_clocks.wakeups.Wakeups` every awaitable wait uses), never by polling. A
reader that fell behind the journal's bound is told how much it missed (``dropped``).

``account=`` keeps what belongs to one API key: REST calls by their ``X-BX-APIKEY``
header (else the owner of the ``listenKey`` they name), frames and socket events by
their listen key's owner, fired faults by their account. Thin like the rest of the
control API: the paging and the waiting are :class:`~bingx_sim.core.journal.Journal`'s.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from bingx_sim.core.journal import (
    ENTRY_KINDS,
    Entry,
    JournalPage,
    Owners,
    entry_account,
    entry_kind,
)
from bingx_sim.core.state import STATE
from bingx_sim.wire.control_http import CONTROL_PREFIX, ControlError, guarded, json_answer
from bingx_sim.wire.pipeline import expecting

__all__ = ["MAX_WAIT", "entry_view", "install_journal", "journal_routes"]

MAX_WAIT = 60.0
"""The longest ``wait=`` a long poll may ask for, in seconds: a client loops."""

STREAM_BATCH = 1000
"""At most this many entries per write of the event stream."""

KEEPALIVE = 15.0
"""Real seconds between the event stream's comments when nothing happens, so a
proxy keeps the connection and a reader that went away is noticed."""

_KINDS = (*ENTRY_KINDS.values(), "mistake")
_KIND_NAMES = {cls.__name__.lower(): kind for cls, kind in ENTRY_KINDS.items()} | {
    kind: kind for kind in _KINDS
}
_PARAMS = {"since", "limit", "kind", "account", "wait"}
_STREAM_PARAMS = {"since", "kind", "account"}

_STOPPING: web.AppKey[list[bool]] = web.AppKey("bingx_sim_journal_stopping", list)


def entry_view(seq: int, entry: Entry, owners: Owners) -> dict[str, Any]:
    """One entry as JSON: ``seq``, ``type`` (the class: ``kind=`` takes it, or its short
    name), ``account``, then the entry's own fields."""
    head = {"seq": seq, "type": type(entry).__name__, "account": entry_account(entry, owners)}
    return head | dataclasses.asdict(entry)


def _count(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ControlError(400, f"{name} must be a whole number of 0 or more, not {raw!r}")
    return int(raw)


def _seconds(query: Mapping[str, str], name: str, ceiling: float) -> float:
    raw = query.get(name)
    if raw is None:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 <= value <= ceiling):
        raise ControlError(400, f"{name} must be seconds between 0 and {ceiling:g}, not {raw!r}")
    return value


def _matcher(query: Mapping[str, str], owners: Owners) -> Callable[[Entry], bool] | None:
    """The ``kind=`` (comma-separated short names or entry types, any case;
    ``mistake``: any entry with a violation) and
    ``account=`` filters as one predicate; ``None`` when neither is given."""
    kinds: set[str] | None = None
    if "kind" in query:
        asked = {k.strip().lower() for k in query["kind"].split(",")}
        wrong = sorted(asked - set(_KIND_NAMES))
        kinds = {_KIND_NAMES[k] for k in asked - set(wrong)}
        if wrong or not kinds:
            raise ControlError(
                400, f"kind {', '.join(wrong) or '(empty)'} is not one of {', '.join(_KINDS)}"
            )
    account = query.get("account")
    if account is not None and not account:
        raise ControlError(400, "account must be an API key")
    if kinds is None and account is None:
        return None
    mistakes = kinds is not None and "mistake" in kinds

    def match(entry: Entry) -> bool:
        wanted = kinds is None or entry_kind(entry) in kinds or (mistakes and entry.violation)
        if not wanted:
            return False
        return account is None or entry_account(entry, owners) == account

    return match


def _check_params(query: Mapping[str, str], allowed: set[str]) -> None:
    unknown = sorted(set(query) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed))
        raise ControlError(400, f"unknown parameter {', '.join(unknown)}; this route takes {takes}")


def _page_view(page: JournalPage, owners: Owners) -> dict[str, Any]:
    return {
        "entries": [entry_view(seq, entry, owners) for seq, entry in page.entries],
        "next": page.next,
        "dropped": page.dropped,
        "first": page.first,
        "last": page.last,
    }


def _stopping(request: web.Request) -> Callable[[], bool]:
    """True once the server shuts down or this request's client has gone."""
    flag = request.app.get(_STOPPING, [False])

    def stop() -> bool:
        transport = request.transport
        return flag[0] or transport is None or transport.is_closing()

    return stop


async def journal(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/journal[?since=SEQ&limit=N&kind=K&account=KEY&wait=SECONDS]``."""
    query = request.query
    _check_params(query, _PARAMS)
    state = request.app[STATE]
    owners = state.exchange.owner_of
    since, limit = _count(query, "since") or 0, _count(query, "limit")
    wait = _seconds(query, "wait", MAX_WAIT)
    match = _matcher(query, owners)
    try:
        page = await state.journal.page_async(
            since, limit=limit, match=match, timeout=wait, stop=_stopping(request)
        )
    except ValueError as error:
        raise ControlError(400, str(error)) from None
    return json_answer(_page_view(page, owners))


def _event(seq: int, entry: Entry, owners: Owners) -> str:
    data = json.dumps(entry_view(seq, entry, owners), separators=(",", ":"))
    return f"id: {seq}\ndata: {data}\n\n"


async def journal_stream(request: web.Request) -> web.StreamResponse:
    """``GET /_sim/journal/stream[?since=SEQ&kind=K&account=KEY]``: server-sent events,
    one per entry (``id`` is its ``seq``, ``data`` its JSON), a ``dropped`` event when
    entries after the cursor are gone, a comment every 15 s of quiet. Without
    ``since``, a reconnecting ``EventSource``'s ``Last-Event-ID`` is the cursor."""
    query = request.query
    _check_params(query, _STREAM_PARAMS)
    state = request.app[STATE]
    owners = state.exchange.owner_of
    since = _count(query, "since")
    if since is None:
        last_id = request.headers.get("Last-Event-ID", "")
        since = _count({"Last-Event-ID": last_id}, "Last-Event-ID") if last_id else 0
    match = _matcher(query, owners)
    stop = _stopping(request)
    try:
        page = state.journal.page(since or 0, limit=0)  # the cursor's check, before answering
    except ValueError as error:
        raise ControlError(400, str(error)) from None
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    cursor = page.next
    try:
        await response.write(b"retry: 1000\n\n")
        while not stop():
            page = await state.journal.page_async(
                cursor, limit=STREAM_BATCH, match=match, timeout=KEEPALIVE, stop=stop
            )
            out = []
            if page.dropped:
                dropped = json.dumps({"dropped": page.dropped, "first": page.first})
                out.append(f"event: dropped\ndata: {dropped}\n\n")
            out += [_event(seq, entry, owners) for seq, entry in page.entries]
            if not out:
                out.append(": keep-alive\n\n")
            await response.write("".join(out).encode())
            cursor = page.next
    except (ConnectionError, RuntimeError):  # the reader went away mid-write
        pass
    return response


def journal_routes() -> list[web.RouteDef]:
    p = CONTROL_PREFIX
    return [
        web.get(f"{p}/journal", guarded(journal)),
        web.get(f"{p}/journal/stream", guarded(journal_stream)),
    ]


def install_journal(app: web.Application) -> None:
    """Add the journal routes (before the control API's catch-all), and end their long
    polls and streams when the server shuts down."""
    stopping = app[_STOPPING] = [False]
    app.add_routes(expecting(journal_routes()))

    async def stop(app: web.Application) -> None:
        stopping[0] = True
        app[STATE].journal.wake()

    app.on_shutdown.append(stop)
