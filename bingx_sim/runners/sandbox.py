"""``bingx-sim serve``: the same app as the fixtures, as a standalone sandbox process."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bingx_sim.core.clock import RealTimeLoop
from bingx_sim.core.journal import Entry, FaultFired, RestCall, WsEvent, WsFrame
from bingx_sim.core.state import STATE, SimConfig, SimState
from bingx_sim.rules.control_guard import is_loopback
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH, Account
from bingx_sim.runners.app_server import AppServer
from bingx_sim.runners.scenario import Scenario
from bingx_sim.wire.app import create_app

__all__ = ["LOG_FIELDS", "SandboxError", "SandboxSettings", "load_accounts", "serve"]

log = logging.getLogger("bingx_sim.runners.sandbox")

LOG_FIELDS = (
    "event",
    "account",
    "key",
    "method",
    "path",
    "status",
    "code",
    "reason",
    "stub",
    "duration_ms",
    "stream",
)
"""What a JSON log line may carry besides ``time``, ``level`` and ``message``: each log
call of the sandbox passes its own as ``extra``."""


class SandboxError(Exception):
    """A bad command line or accounts file: reported in one line, exit code 2."""


def load_accounts(path: Path) -> tuple[Account, ...]:
    """A JSON list of ``{"api_key": .., "api_secret": ..}`` objects."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise SandboxError(f"cannot read accounts from {path}: {error}") from None
    if not isinstance(data, list) or not data:
        raise SandboxError(f"{path}: expected a non-empty JSON list of accounts")
    accounts = []
    for i, item in enumerate(data):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("api_key"), str)
            and isinstance(item.get("api_secret"), str)
            and item["api_key"]
            and item["api_secret"]
        ):
            raise SandboxError(f"{path}: entry {i} needs string api_key and api_secret")
        accounts.append(Account(item["api_key"], item["api_secret"]))
    return tuple(accounts)


@dataclass(frozen=True)
class SandboxSettings:
    host: str
    port: int
    config: SimConfig
    accounts: tuple[Account, ...]
    control_token: str | None
    scenario: Scenario | None = None


def _banner(base: str, ws: str, accounts: tuple[Account, ...], out: TextIO) -> None:
    lines = [
        "bingx-sim sandbox ready",
        f"  REST       {base}",
        f"  USDT-M WS  {ws}/swap-market?listenKey=<key>",
        f"  spot WS    {ws}/market?listenKey=<key>",
        f"  coin-M WS  {ws}/cswap-market?listenKey=<key>",
        f"  control    {base}/_sim/",
        f"  dashboard  {base}/_sim/ui",
    ]
    lines += [f"  account    api_key={a.api_key} api_secret={a.api_secret}" for a in accounts]
    lines.append("Ctrl-C or SIGTERM stops it.")
    out.write("\n".join(lines) + "\n")
    out.flush()


def _short(text: str | None) -> str:
    return text[:8] if text else "-"


def _rest_reason(entry: RestCall) -> str | None:
    """Why the exchange answered so: its message or the client's mistake; for the
    listen-key 404, which carries neither (an expired key is part of life), that."""
    if entry.reason:
        return entry.reason
    if entry.status == 404 and entry.path == LISTEN_KEY_PATH:
        return "listen key not found (unknown, expired or deleted)"
    return None


def _emit(level: int, message: Callable[[], str], **fields: object) -> None:
    """One log line: ``message`` built only when the level is on; ``fields`` are the
    JSON log's (:data:`LOG_FIELDS`)."""
    if log.isEnabledFor(level):
        log.log(level, "%s", message(), extra=fields)


def _log_rest(entry: RestCall) -> None:
    account = next((v for k, v in entry.headers.items() if k.lower() == "x-bx-apikey"), None)
    reason = _rest_reason(entry)

    def line() -> str:
        code = f" code={entry.code}" if entry.code is not None else ""
        why = f" {reason}" if reason else ""
        stub = f" [{entry.stub}]" if entry.stub else ""
        took = f" ({entry.duration_ms:.1f} ms)" if entry.duration_ms is not None else ""
        where = f"{entry.method} {entry.path} {entry.status}"
        return f"{where}{code}{why}{stub} account={_short(account)}{took}"

    _emit(
        logging.WARNING if entry.violation else logging.INFO,
        line,
        event="rest",
        account=account,
        key=entry.query.get("listenKey"),
        method=entry.method,
        path=entry.path,
        status=entry.status,
        code=entry.code,
        reason=reason,
        stub=entry.stub,
        duration_ms=entry.duration_ms,
    )


def _log_socket(entry: WsEvent, owner: str | None) -> None:
    where = f"ws {entry.stream} key {_short(entry.listen_key)} account={_short(owner)}"
    reason = entry.violation or entry.reason or None
    level = logging.WARNING if entry.violation else logging.INFO
    if entry.kind == "close" and entry.reason == "listenKeyExpired":
        event, text = "ws expired", f"expired: listenKeyExpired, close {entry.code}"
    elif entry.kind == "close" and entry.reason.startswith("no Pong"):
        how = "dropped, no close frame" if entry.code == 1006 else f"closed {entry.code}"
        event, text = "ws pong timeout", f"Pong timeout: {reason} ({how})"
        level = logging.WARNING
    elif entry.kind == "close":
        by = "client" if entry.reason == "closed by client" else "server"
        event, text = "ws close", f"closed {entry.code} by the {by}: {reason}"
    else:  # open, or refused (with why)
        event, text = f"ws {entry.kind}", entry.kind + (f": {reason}" if reason else "")
    _emit(
        level,
        lambda: f"{where} {text}",
        event=event,
        account=owner,
        key=entry.listen_key,
        stream=entry.stream,
        code=entry.code,
        reason=reason,
    )


def _log_frame(entry: WsFrame, owner: str | None) -> None:
    arrow = "<-" if entry.direction == "in" else "->"
    where = f"ws {entry.stream} key {_short(entry.listen_key)} account={_short(owner)}"
    mistake = f": {entry.violation}" if entry.violation else ""
    _emit(
        logging.WARNING if entry.violation else logging.DEBUG,
        lambda: f"{where} {arrow} {entry.text[:80]!r}{mistake}",
        event="ws mistake" if entry.violation else "ws frame",
        account=owner,
        key=entry.listen_key,
        stream=entry.stream,
        reason=entry.violation,
    )


def _log_entry(state: SimState) -> Callable[[Entry], None]:
    """The sandbox's log line for each journal entry: every REST call with the exchange's
    code and reason, socket lifecycles, client mistakes on sockets, faults, our errors."""

    owner = state.exchange.owner_of

    def listener(entry: Entry) -> None:
        if isinstance(entry, RestCall):
            _log_rest(entry)
        elif isinstance(entry, WsEvent):
            _log_socket(entry, owner(entry.listen_key))
        elif isinstance(entry, WsFrame):
            if entry.violation or log.isEnabledFor(logging.DEBUG):
                _log_frame(entry, owner(entry.listen_key))
        elif isinstance(entry, FaultFired):
            _emit(
                logging.INFO,
                lambda: f"{entry} account={_short(entry.account)}",
                event="fault",
                account=entry.account,
                reason=entry.where,
            )
        else:
            _emit(logging.ERROR, lambda: str(entry), event="simulator error", reason=entry.error)

    return listener


class _ControlOnly(logging.Filter):
    """aiohttp's access log, kept for the control API only: exchange calls have their
    richer line from the journal, sockets their lifecycle lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        line = str(getattr(record, "first_request_line", ""))
        if " /_sim" not in line:
            return False
        record.event = "control"
        record.status = getattr(record, "response_status", None)
        return True


async def _run(settings: SandboxSettings, out: TextIO) -> None:
    app = create_app(
        settings.config, control_token=settings.control_token, seed_accounts=settings.accounts
    )
    state = app[STATE]
    state.journal.listeners.append(_log_entry(state))
    scenario = settings.scenario
    if scenario is not None:
        scenario.seed(state)
        scenario.apply(state)
        state.after_reset.append(scenario.apply)  # a reset comes back to the scenario
        log.info("scenario %s loaded", scenario.source, extra={"event": "scenario"})
    if not state.seed_accounts:  # a demo account, printed so a client can use it at once,
        state.add_seed_account()  # and kept across control-API resets
    access = logging.getLogger("bingx_sim.access")
    if not any(isinstance(f, _ControlOnly) for f in access.filters):
        access.addFilter(_ControlOnly())
    server = AppServer(
        app,
        settings.host,
        settings.port,
        access_log=access,
        shutdown_timeout=2.0,
        on_refused=state.refused_request,
    )
    try:
        await server.start()
    except OSError as error:
        raise SandboxError(f"cannot listen on {settings.host}:{settings.port}: {error}") from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        shown = f"[{server.host}]" if ":" in server.host else server.host
        base, ws = f"http://{shown}:{server.port}", f"ws://{shown}:{server.port}"
        _banner(base, ws, tuple(state.seed_accounts), out)
        await stop.wait()
        log.info("stopping")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await server.close()


def serve(settings: SandboxSettings, out: TextIO) -> None:
    """Run until SIGINT or SIGTERM, then close every socket and return."""
    if not is_loopback(settings.host.strip("[]")) and not settings.control_token:
        raise SandboxError(
            f"--host {settings.host} exposes the control API beyond this machine; "
            "pass --control-token TOKEN"
        )
    loop = RealTimeLoop()
    try:
        loop.run_until_complete(_run(settings, out))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
