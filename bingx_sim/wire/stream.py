"""The account websockets: USDT-M (``/swap-market``), coin-M (``/cswap-market``), spot
(``/market``). Wire behaviour only; what a key may do is asked of the exchange.

Heartbeats run on the loop's real monotonic clock, never the exchange clock, so a
61-minute tick neither trips the Pong timeout nor stops the Pings.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import secrets
import time as _time
import zlib
from typing import Any

from aiohttp import WebSocketError, WSMsgType, web

from bingx_sim import defaults
from bingx_sim.core import frames
from bingx_sim.core.clock import real_monotonic
from bingx_sim.core.journal import WsEvent, WsFrame
from bingx_sim.core.sockets import Connection
from bingx_sim.core.state import STATE, SimState
from bingx_sim.rules import errors
from bingx_sim.rules.event_types import SPOT_TOPICS
from bingx_sim.rules.listen_keys import ListenKey
from bingx_sim.rules.params import split_pairs
from bingx_sim.wire.pipeline import refuse_plain

__all__ = ["stream_routes"]

_MAX_SPOT_TOPICS = 200
_HARD_MESSAGE_CEILING = 4 * defaults.MAX_CLIENT_MESSAGE


def _ws_error(code: int, msg: str, request_id: str = "") -> str:
    # The shape of the 80014 frame seen on the real swap account socket (docs/contract.md).
    return frames.dumps({"id": request_id, "code": code, "msg": msg, "dataType": "", "data": None})


def _spot_time(now_ms: int) -> str:
    """``2022-06-07T16:27:36.323+0800``: the exchange stamps spot pings in UTC+8."""
    seconds, millis = divmod(now_ms + 8 * 3600 * 1000, 1000)
    return _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(seconds)) + f".{millis:03d}+0800"


def _send_ping(state: SimState, conn: Connection) -> None:
    if conn.stream == "spot":
        ping = {"ping": secrets.token_hex(16), "time": _spot_time(state.now_ms())}
        conn.send(frames.dumps(ping))
    else:
        conn.send("Ping", gzip=state.options.ping_encoding == "gzip")


class _Heartbeat:
    """Ping every ``ping_interval``; close when no Pong came for ``pong_timeout``; on a
    USDT-M socket, the config frames every ``snapshot_interval`` (``snapshots``).

    A chain of loop timers rather than a task: each open socket costs one timer handle,
    not a task with its coroutine frame, which is most of what 5 000 idle sockets would
    otherwise cost (``python -m bench --only scale``)."""

    __slots__ = ("conn", "handle", "next_ping", "next_snapshot", "state")

    def __init__(self, state: SimState, conn: Connection) -> None:
        self.state, self.conn = state, conn
        now = real_monotonic()
        self.next_ping = now + state.config.ping_interval
        snapshots = state.options.snapshots and conn.stream == "swap"  # only USDT-M seen
        self.next_snapshot = now + state.options.snapshot_interval if snapshots else math.inf
        self.handle: asyncio.TimerHandle | None = None
        if snapshots:
            _send_snapshots(state, conn)  # once on connect, then every interval
        self._arm()

    def _arm(self) -> None:
        wake = min(
            self.next_ping,
            self.conn.last_pong + self.state.config.pong_timeout,
            self.next_snapshot,
        )
        delay = max(0.0, wake - real_monotonic())
        self.handle = asyncio.get_running_loop().call_later(delay, self._beat)

    def cancel(self) -> None:
        if self.handle is not None:
            self.handle.cancel()

    def _beat(self) -> None:
        try:
            if self._due():
                self._arm()
        except Exception as error:  # a callback's failure must not go unseen
            self.state.record_error("a socket's heartbeat", error)

    def _due(self) -> bool:
        """Act on what is due now; False once the socket is done with."""
        state, conn = self.state, self.conn
        if conn.closed:
            return False
        patience = state.config.pong_timeout
        now = real_monotonic()
        if conn.mute_pings is not None:  # silenced by a fault: no Ping, so no Pong due
            conn.last_pong = now
        if now >= conn.last_pong + patience:
            reason = f"no Pong for {patience:g} s"
            # Under an injected IgnorePongs the client did answer: not its mistake.
            why = None if conn.ignore_pongs is not None else f"unanswered Ping: {reason}"
            if state.options.on_pong_timeout == "drop":
                conn.drop(reason, violation=why)
            else:
                conn.close(1000, reason, violation=why)
            return False
        if now >= self.next_ping:
            if conn.mute_pings is None:
                _send_ping(state, conn)
            self.next_ping = now + state.config.ping_interval
        if now >= self.next_snapshot:
            _send_snapshots(state, conn)
            self.next_snapshot = now + state.options.snapshot_interval
        return True


def _send_snapshots(state: SimState, conn: Connection) -> None:
    """One burst of per-symbol config frames (the pacing within an interval was not
    observed); none on a socket whose key is dead or that a fault silenced."""
    if conn.silenced or conn.mute_events is not None:
        return
    for text in state.config_frames(conn.api_key):
        conn.send(text)


def _journal_in(
    state: SimState, conn: Connection, text: str, binary: bool, why: str | None
) -> None:
    at_ms = state.now_ms()
    state.journal.append(WsFrame("in", conn.stream, conn.listen_key, text, binary, at_ms, why))
    conn.received(text, at_ms)


_TOO_DEEP = object()
"""What :func:`_loads` returns for JSON nested past the parser's depth: still a JSON
message to the exchange (the swap socket answers it 80014), but not one we can read."""


def _loads(text: str) -> Any:
    """A client message's JSON; ``None`` when it is not JSON; :data:`_TOO_DEEP` when it
    nests so deep that the parser gives up (a message of a million ``[``)."""
    try:
        return json.loads(text)
    except RecursionError:
        return _TOO_DEEP
    except ValueError:
        return None


def _is_pong(conn: Connection, text: str) -> bool:
    """``Pong``; lowercase ``pong`` too on spot and coin-M, as BingX's own client
    helpers send there."""
    return text == "Pong" or (text == "pong" and conn.stream in ("spot", "coinm"))


def _on_swap_message(state: SimState, conn: Connection, text: str, binary: bool) -> None:
    if _is_pong(conn, text):
        if conn.ignore_pongs is None:
            conn.last_pong = real_monotonic()
        _journal_in(state, conn, text, binary, None)
        return
    # The swap and coin-M account sockets take no subscription: a JSON message gets the
    # 80014 frame; stray text that is not JSON is ignored (the 2026-09 probe; an option).
    parsed = _loads(text)
    request_id = (
        parsed["id"] if isinstance(parsed, dict) and isinstance(parsed.get("id"), str) else ""
    )
    not_json = parsed is None and text.strip() != "null"
    if not_json and state.options.stray_text == "ignore":
        _journal_in(state, conn, text, binary, f"{conn.stream} account socket: stray text")
        return
    _journal_in(state, conn, text, binary, f"{conn.stream} account socket takes no messages")
    conn.send(_ws_error(errors.INVALID_PARAMS_WS, "invalid params", request_id))


def _on_spot_message(state: SimState, conn: Connection, text: str, binary: bool) -> None:
    parsed = _loads(text)
    if _is_pong(conn, text) or (isinstance(parsed, dict) and "pong" in parsed):
        if conn.ignore_pongs is None:  # lenient: BingX's own helper answers "Pong"
            conn.last_pong = real_monotonic()
        _journal_in(state, conn, text, binary, None)
        return
    request_id = str(parsed.get("id", "")) if isinstance(parsed, dict) else ""
    topic = parsed.get("dataType") if isinstance(parsed, dict) else None
    req_type = parsed.get("reqType", "sub") if isinstance(parsed, dict) else None
    if not isinstance(topic, str) or topic not in SPOT_TOPICS or req_type not in ("sub", "unsub"):
        _journal_in(state, conn, text, binary, "spot socket: not a subscription or pong")
        conn.send(_ws_error(errors.ARGUMENTS_INVALID, "invalid params", request_id))
        return
    if conn.silenced:  # the key expired or was deleted: BingX.Net reads 100401 as that
        _journal_in(state, conn, text, binary, None)
        conn.send(_ws_error(errors.AUTHENTICATION_FAIL_WS, "AUTHENTICATION_FAIL", request_id))
        return
    if req_type == "sub" and len(conn.subscriptions) >= _MAX_SPOT_TOPICS:
        _journal_in(state, conn, text, binary, "spot socket: more than 200 topics")
        conn.send(_ws_error(100416, "too many topics", request_id))
        return
    _journal_in(state, conn, text, binary, None)
    topics = conn.subscriptions
    assert isinstance(topics, set)  # a spot socket's own set
    if req_type == "unsub":
        topics.discard(topic)
    else:
        topics.add(topic)
    conn.send(frames.dumps({"id": request_id, "code": 0, "msg": ""}))
    if req_type == "sub" and topic == "ACCOUNT_UPDATE" and not conn.silenced:
        # The exchange answers an ACCOUNT_UPDATE subscription with an INIT overview of
        # the account's spot wallet, as the ledger holds it.
        conn.send(frames.dumps(state.spot_overview(conn.api_key)))


def _payload_text(msg: Any) -> str:
    """A text frame as is; a binary one un-gzipped (bounded), or, when it is not gzip
    of UTF-8, read as UTF-8 with replacements. ``FrameTooLarge`` past the size cap."""
    limit = defaults.MAX_CLIENT_MESSAGE
    if len(msg.data) > limit:
        raise frames.FrameTooLarge(f"{len(msg.data)} bytes, over {limit}")
    if msg.type is WSMsgType.TEXT:
        return str(msg.data)
    data: bytes = msg.data
    try:
        return frames.inflate(data, limit)
    except (zlib.error, UnicodeDecodeError):
        return data.decode("utf-8", "replace")


async def _refuse(
    request: web.Request,
    state: SimState,
    stream: str,
    key: str,
    why: str,
    *,
    status: int | None = None,
    mistake: bool = True,
    code: int = errors.AUTHENTICATION_FAIL_WS,
    msg: str = "AUTHENTICATION_FAIL",
) -> web.StreamResponse:
    """Refuse an upgrade: with HTTP ``status`` (a bad key: 404 unless ``invalid_key``
    says accept), or accepted, then the error frame (``code``: 100401 for a bad key,
    100419 for too many sockets) and a close."""
    violation = f"connect: {why}" if mistake else None
    state.journal.append(
        WsEvent("refused", stream, key, state.now_ms(), None, why, violation=violation)
    )
    if status is not None:
        return web.Response(status=status)
    ws = web.WebSocketResponse(compress=False)
    await ws.prepare(request)
    frame = _ws_error(code, msg)
    await ws.send_bytes(frames.encode(frame))
    state.journal.append(WsFrame("out", stream, key, frame, True, state.now_ms()))
    await ws.close(code=1000, message=why.encode()[:120])
    return ws


def _listen_key(raw_query: str) -> str:
    """The first ``listenKey`` of the query, decoded as ``request.query`` would; read
    here because ``request.query`` keeps its parsed copy for as long as the socket is
    open (about 700 bytes a socket)."""
    return next((value for name, value in split_pairs(raw_query) if name == "listenKey"), "")


def _live_key(state: SimState, key: str) -> ListenKey | str:
    """The active key, or why a socket may not open on it."""
    if not key:
        return "listenKey missing"
    found = state.exchange.lookup(key, state.now_ms())
    if found is None:
        return "unknown listen key"
    if not found.active:
        return f"{found.state.value} listen key"
    return found


async def _account_stream(request: web.Request, stream: str) -> web.StreamResponse:
    state = request.app[STATE]
    if not web.WebSocketResponse().can_prepare(request).ok:
        return await refuse_plain(
            request, 400, f"{request.method} {request.path}: not a websocket upgrade"
        )
    state.sweep()
    key = _listen_key(request.rel_url.raw_query_string)
    owner = _live_key(state, key)
    if isinstance(owner, str):
        status = 404 if state.options.invalid_key == "reject" else None
        return await _refuse(request, state, stream, key, owner, status=status)
    fault = state.faults.refusal(owner.owner, stream)
    if fault is not None:
        why = "refused by an injected fault"
        return await _refuse(request, state, stream, key, why, status=fault.status, mistake=False)
    remote = request.remote or ""
    limit = state.options.max_sockets_per_ip
    if limit is not None and state.sockets.count_from(remote) >= limit:
        why = f"more than {limit} sockets from {remote}"
        if state.options.too_many_sockets == "404":
            return await _refuse(request, state, stream, key, why, status=404)
        return await _refuse(
            request, state, stream, key, why, code=errors.TOO_MANY_SOCKETS, msg=why
        )
    # No autoping, no autoclose: aiohttp would answer those from this reading task, and
    # the connection's writer must be the only task that writes (docs/design.md).
    ws = web.WebSocketResponse(
        compress=False,
        autoping=False,
        autoclose=False,
        # Read whole messages up to a hard ceiling, so one over our cap is refused with
        # our close frame after it was read (refusing mid-message, as aiohttp does past
        # max_msg_size, resets the connection before the client can read the close).
        max_msg_size=_HARD_MESSAGE_CEILING,
    )
    await ws.prepare(request)
    conn = Connection(
        ws,
        request.transport,
        stream=stream,
        listen_key=key,
        api_key=owner.owner,
        remote=remote,
        journal=state.journal,
        now_ms=state.now_ms,
        last_pong=real_monotonic(),
        max_outbox_bytes=state.config.max_outbox_bytes,
        spawn=state.spawn,
    )
    state.open_socket(conn)
    heartbeat = _Heartbeat(state, conn)
    try:
        await _read(state, conn)
    finally:
        state.socket_closing(conn)
        heartbeat.cancel()
        conn.end(ws.close_code)
        try:
            await conn.drained()
        finally:
            state.socket_closed(conn)
    return ws


async def _read(state: SimState, conn: Connection) -> None:
    """Handle what the client sends until either side closes."""
    on_message = _on_spot_message if conn.stream == "spot" else _on_swap_message
    while True:
        msg = await conn.ws.receive()
        if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
            state.sweep()
            try:
                text = _payload_text(msg)
            except frames.FrameTooLarge as error:
                # RFC 6455's answer to a message too big to process: close 1009.
                why = f"message too big: {error}"
                conn.close(1009, "message too big", violation=why, flush=False)
                return
            on_message(state, conn, text, msg.type is WSMsgType.BINARY)
        elif msg.type is WSMsgType.ERROR:
            # aiohttp has already answered a protocol violation (bad UTF-8 in a text
            # frame, a frame over max_msg_size, a bad opcode) with a close frame carrying
            # the RFC code: the client's mistake. Anything else (the connection failed
            # under it) is nobody's mistake, and no close frame could be sent (1006).
            if isinstance(msg.data, WebSocketError):
                why = f"protocol error: {msg.data}"
                conn.close(msg.data.code, str(msg.data)[:100] or "protocol error", violation=why)
            else:
                conn.drop(f"connection failed: {msg.data!r}"[:100])
            return
        elif msg.type is WSMsgType.PING:
            conn.pong(msg.data)
        elif msg.type is WSMsgType.CLOSE:
            # Answer the client's close at once, echoing its code; queued frames go.
            conn.close(int(msg.data or 1000), "closed by client", flush=False)
            return
        elif msg.type is not WSMsgType.PONG:  # CLOSING, CLOSED, ERROR: the socket is done
            return


# Partials, not wrapper coroutines: an open socket's handler is one coroutine frame
# fewer (``python -m bench --only scale``).
swap_stream = functools.partial(_account_stream, stream="swap")
coinm_stream = functools.partial(_account_stream, stream="coinm")
spot_stream = functools.partial(_account_stream, stream="spot")


def stream_routes() -> list[web.RouteDef]:
    return [
        web.get("/swap-market", swap_stream),
        web.get("/cswap-market", coinm_stream),
        web.get("/market", spot_stream),
    ]
