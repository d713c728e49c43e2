"""The aiohttp application: one port for REST, every account stream and the control API.

The same factory serves the in-process :class:`~bingx_sim.Simulator` and the standalone
sandbox, so both behave identically.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from typing import Any

from aiohttp import web

from bingx_sim import defaults
from bingx_sim.core.clock import ExchangeClock
from bingx_sim.core.state import STATE, SimConfig, SimState
from bingx_sim.rules.listen_keys import Account
from bingx_sim.rules.options import ContractOptions
from bingx_sim.wire.control import install_control
from bingx_sim.wire.control_journal import install_journal
from bingx_sim.wire.dashboard import dashboard_routes
from bingx_sim.wire.endpoints import rest_routes
from bingx_sim.wire.pipeline import answer_expect, expecting, unknown_path
from bingx_sim.wire.stream import stream_routes

__all__ = ["STATE", "create_app", "make_config"]


def make_config(
    *,
    key_ttl: timedelta = defaults.KEY_TTL,
    ping_interval: float = defaults.PING_INTERVAL,
    pong_timeout: float = defaults.PONG_TIMEOUT,
    watch_interval: float | None = defaults.WATCH_INTERVAL,
    seed: int | None = None,
    max_outbox_bytes: int = defaults.MAX_OUTBOX_BYTES,
    close_grace: float = defaults.CLOSE_GRACE,
    **contract_options: Any,
) -> SimConfig:
    """Validate keyword options once, with a clear error naming any unknown one."""
    options, unknown = ContractOptions.split(contract_options)
    if unknown:
        raise TypeError(f"unknown simulator option(s): {', '.join(sorted(unknown))}")
    ttl_ms = int(key_ttl.total_seconds() * 1000)
    return SimConfig(
        ttl_ms,
        ping_interval,
        pong_timeout,
        watch_interval,
        options,
        seed,
        max_outbox_bytes,
        close_grace,
    )


def create_app(
    config: SimConfig | None = None,
    *,
    wall: ExchangeClock | None = None,
    control_token: str | None = None,
    seed_accounts: Iterable[Account] = (),
) -> web.Application:
    """An application holding a fresh exchange; its state is ``app[STATE]``.

    ``seed_accounts`` are registered now and again after every reset.
    """
    state = SimState(config or SimConfig(), wall, seed_accounts)
    # aiohttp's own Content-Encoding decoding is off: rest.py inflates bodies itself,
    # bounded, and answers a corrupt one (aiohttp can hang on a truncated one).
    app = web.Application(
        client_max_size=defaults.MAX_REST_BODY, handler_args={"auto_decompress": False}
    )
    app[STATE] = state
    app.add_routes(rest_routes())
    app.add_routes(expecting(stream_routes()))
    # before the control API's catch-all (and GET / before the exchange's)
    app.add_routes(dashboard_routes())
    install_journal(app)
    install_control(app, token=control_token)
    # last: everything else
    app.router.add_route("*", "/{tail:.*}", unknown_path, expect_handler=answer_expect)

    async def run_watcher(app: web.Application) -> AsyncIterator[None]:
        interval = state.config.watch_interval
        if interval is not None:
            state.spawn(state.watch(interval))
        yield
        await state.shutdown()

    async def close_sockets(app: web.Application) -> None:
        await state.close_all(1001, "simulator stopped")

    app.on_shutdown.append(close_sockets)
    app.cleanup_ctx.append(run_watcher)
    return app
