"""Contract targets: real ones need credentials, and say so when they are missing."""

from __future__ import annotations

import pytest

from bingx_sim.plugin.targets import REAL_TARGETS, real_target


def test_a_real_target_without_credentials_explains_itself() -> None:
    with pytest.raises(LookupError, match="needs BINGX_API_KEY and BINGX_API_SECRET"):
        real_target("vst", lambda name: None)


def test_real_targets_use_the_documented_hosts() -> None:
    env = {"BINGX_API_KEY": "k", "BINGX_API_SECRET": "s"}.get
    live, vst = real_target("live", env), real_target("vst", env)
    assert live.rest_url == "https://open-api.bingx.com"
    assert live.ws_url == "wss://open-api-swap.bingx.com/swap-market"
    assert vst.ws_url == "wss://vst-open-api-ws.bingx.com/swap-market"
    assert vst.coinm_ws_url is None and REAL_TARGETS["live"]["coinm_ws_url"]
    assert not live.can_move_time and not live.can_push_events
    with pytest.raises(RuntimeError, match="cannot move time"):
        live.advance(__import__("datetime").timedelta(minutes=1))
