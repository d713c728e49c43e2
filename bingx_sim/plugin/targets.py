"""Where a contract test runs: the simulator, BingX's demo (VST) hosts, or live.

One :class:`Target` carries the URLs, the credentials and what the target can do, so a
test body is written once and skips, with the reason, what its target cannot support.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bingx_sim import defaults
from bingx_sim.rules.listen_keys import Account

if TYPE_CHECKING:
    from bingx_sim.runners.simulator import Simulator

__all__ = ["REAL_TARGETS", "TARGET_NAMES", "Target", "real_target", "sim_target"]

TARGET_NAMES = defaults.TARGET_NAMES

# docs/contract.md, "URLs". The VST coin-M account stream is not documented: None.
REAL_TARGETS: dict[str, dict[str, str | None]] = {
    "live": {
        "rest_url": "https://open-api.bingx.com",
        "ws_url": "wss://open-api-swap.bingx.com/swap-market",
        "spot_ws_url": "wss://open-api-ws.bingx.com/market",
        "coinm_ws_url": "wss://open-api-cswap-ws.bingx.com/market",
    },
    "vst": {
        "rest_url": "https://open-api-vst.bingx.com",
        "ws_url": "wss://vst-open-api-ws.bingx.com/swap-market",
        "spot_ws_url": "wss://open-api-ws.bingx.com/market",
        "coinm_ws_url": None,
    },
}


@dataclass(frozen=True)
class Target:
    """An exchange to run contract tests against, and what it can do for a test."""

    name: str
    rest_url: str
    ws_url: str
    spot_ws_url: str
    coinm_ws_url: str | None
    api_key: str
    api_secret: str
    ping_interval: float
    """The heartbeat cadence to expect, in seconds (the real exchange: about 5)."""
    simulator: Simulator | None = None

    @property
    def can_move_time(self) -> bool:
        return self.simulator is not None

    @property
    def can_push_events(self) -> bool:
        return self.simulator is not None

    @property
    def account(self) -> Account:
        return Account(self.api_key, self.api_secret)

    def advance(self, delta: timedelta) -> list[str]:
        """Move the target's clock (simulator only); returns the keys that expired."""
        if self.simulator is None:
            raise RuntimeError(f"target {self.name!r} cannot move time")
        return self.simulator.advance(delta)

    def push(self, event: dict[str, Any], product: str = "swap") -> int:
        """Push ``event`` to the account's ``product`` (simulator only)."""
        if self.simulator is None:
            raise RuntimeError(f"target {self.name!r} cannot push events on demand")
        return self.simulator.push(self.api_key, event, product=product)


def sim_target(sim: Simulator, account: Account) -> Target:
    return Target(
        "sim",
        sim.rest_url,
        sim.ws_url,
        sim.spot_ws_url,
        sim.coinm_ws_url,
        account.api_key,
        account.api_secret,
        sim.config.ping_interval,
        sim,
    )


def real_target(name: str, environ: Callable[[str], str | None] = os.environ.get) -> Target:
    """A real target from ``BINGX_API_KEY`` / ``BINGX_API_SECRET``; raises ``LookupError``
    with the reason when they are missing."""
    api_key, api_secret = environ("BINGX_API_KEY"), environ("BINGX_API_SECRET")
    if not api_key or not api_secret:
        raise LookupError(
            f"target {name!r} needs BINGX_API_KEY and BINGX_API_SECRET in the environment"
        )
    urls = REAL_TARGETS[name]
    rest, ws, spot = urls["rest_url"], urls["ws_url"], urls["spot_ws_url"]
    assert rest is not None and ws is not None and spot is not None
    return Target(name, rest, ws, spot, urls["coinm_ws_url"], api_key, api_secret, 5.0)
