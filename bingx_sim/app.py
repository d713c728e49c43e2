"""The aiohttp application: one port for REST and every account stream.

The same factory serves the in-process :class:`~bingx_sim.Simulator` and the standalone
sandbox, so both behave identically.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from aiohttp import web

from .clock import ExchangeClock
from .control import install_control
from .exchange import Account
from .options import ContractOptions
from .rest import listen_key_routes, unknown_path
from .state import STATE, SimConfig, SimState
from .stream import stream_routes

__all__ = ["STATE", "create_app", "make_config"]


def make_config(
    *,
    key_ttl: timedelta = timedelta(minutes=60),
    ping_interval: float = 5.0,
    pong_timeout: float = 15.0,
    watch_interval: float | None = 0.05,
    seed: int | None = None,
    **contract_options: Any,
) -> SimConfig:
    """Validate keyword options once, with a clear error naming any unknown one."""
    options, unknown = ContractOptions.split(contract_options)
    if unknown:
        raise TypeError(f"unknown simulator option(s): {', '.join(sorted(unknown))}")
    ttl_ms = int(key_ttl.total_seconds() * 1000)
    return SimConfig(ttl_ms, ping_interval, pong_timeout, watch_interval, options, seed)


def create_app(
    config: SimConfig | None = None,
    *,
    wall: ExchangeClock | None = None,
    control_token: str | None = None,
    seed_accounts: tuple[Account, ...] = (),
) -> web.Application:
    """An application holding a fresh exchange; its state is ``app[STATE]``.

    ``seed_accounts`` are registered now and again after every control-API reset.
    """
    state = SimState(config or SimConfig(), wall)
    for account in seed_accounts:
        state.add_account(account.api_key, account.api_secret)
    app = web.Application()
    app[STATE] = state
    app.add_routes(listen_key_routes())
    app.add_routes(stream_routes())
    install_control(app, token=control_token, accounts=seed_accounts)
    app.router.add_route("*", "/{tail:.*}", unknown_path)  # last: everything else

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
