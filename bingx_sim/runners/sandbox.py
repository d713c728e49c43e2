"""``bingx-sim serve``: the same app as the fixtures, as a standalone sandbox process."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bingx_sim.core.clock import RealTimeLoop
from bingx_sim.core.journal import Entry, FaultFired, SimError, WsEvent
from bingx_sim.core.state import STATE, SimConfig
from bingx_sim.rules.control_guard import is_loopback
from bingx_sim.rules.listen_keys import Account
from bingx_sim.runners.app_server import AppServer
from bingx_sim.wire.app import create_app

__all__ = ["SandboxError", "load_accounts", "serve"]

log = logging.getLogger("bingx_sim.runners.sandbox")


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


def _banner(base: str, ws: str, accounts: tuple[Account, ...], out: TextIO) -> None:
    lines = [
        "bingx-sim sandbox ready",
        f"  REST       {base}",
        f"  USDT-M WS  {ws}/swap-market?listenKey=<key>",
        f"  spot WS    {ws}/market?listenKey=<key>",
        f"  coin-M WS  {ws}/cswap-market?listenKey=<key>",
        f"  control    {base}/_sim/",
    ]
    lines += [f"  account    api_key={a.api_key} api_secret={a.api_secret}" for a in accounts]
    lines.append("Ctrl-C or SIGTERM stops it.")
    out.write("\n".join(lines) + "\n")
    out.flush()


def _log_entry(entry: Entry) -> None:
    """The sandbox's log line for what a person watching it needs to see (REST calls
    have aiohttp's access log)."""
    if isinstance(entry, WsEvent):
        who = "client" if entry.reason == "closed by client" else "server"
        if entry.kind == "close" and entry.reason == "listenKeyExpired":
            log.info("ws %s key %s expired: listenKeyExpired, close %s", entry.stream,
                     entry.listen_key[:8], entry.code)  # fmt: skip
        elif entry.kind == "close" and entry.reason.startswith("no Pong"):
            log.info("ws %s key %s Pong timeout: %s, close %s", entry.stream,
                     entry.listen_key[:8], entry.reason, entry.code)  # fmt: skip
        elif entry.kind == "close":
            log.info("ws %s key %s closed %s by the %s: %s", entry.stream,
                     entry.listen_key[:8], entry.code, who, entry.reason)  # fmt: skip
        else:  # open, or refused (with why)
            reason = f": {entry.reason}" if entry.reason else ""
            log.info("ws %s key %s %s%s", entry.stream, entry.listen_key[:8], entry.kind, reason)
    elif isinstance(entry, FaultFired | SimError):
        log.info("%s", entry)


async def _run(settings: SandboxSettings, out: TextIO) -> None:
    app = create_app(
        settings.config, control_token=settings.control_token, seed_accounts=settings.accounts
    )
    state = app[STATE]
    state.journal.listeners.append(_log_entry)
    if not state.seed_accounts:  # a demo account, printed so a client can use it at once,
        state.add_seed_account()  # and kept across control-API resets
    server = AppServer(
        app,
        settings.host,
        settings.port,
        access_log=logging.getLogger("bingx_sim.access"),
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
