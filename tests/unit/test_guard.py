"""The production guard's host rule and its restore (bingx_sim.plugin.guard)."""

from __future__ import annotations

import os
import socket

import pytest

from bingx_sim.plugin.guard import RealHostBlocked, is_bingx_host, production_guard


@pytest.mark.parametrize(
    "host",
    ["open-api.bingx.com", "OPEN-API-SWAP.BINGX.COM.", "open-api.bingx.pro", b"x.bingx.io"],
)
def test_bingx_hosts_are_recognised(host: str | bytes) -> None:
    assert is_bingx_host(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "notbingx.com", "bingx.com.evil", ""])
def test_other_hosts_are_not(host: str) -> None:
    assert not is_bingx_host(host)


def test_the_guard_nests_and_restores_everything() -> None:
    original = socket.getaddrinfo
    before = os.environ.get("BINGX_BASE_URL")
    with production_guard("http://a", "ws://a"), production_guard("http://b", "ws://b"):
        assert os.environ["BINGX_BASE_URL"] == "http://b"
        with pytest.raises(RealHostBlocked, match="allow_real_hosts"):
            socket.getaddrinfo("open-api.bingx.com", 443)
        assert socket.getaddrinfo("127.0.0.1", 80)
    assert socket.getaddrinfo is original
    assert os.environ.get("BINGX_BASE_URL") == before
