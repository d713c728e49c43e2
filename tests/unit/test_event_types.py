"""The one table of event types: routing per socket kind, building, schema lookup."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingx_sim import events, schemas
from bingx_sim.rules.event_types import EVENT_TYPES, SPOT_TOPICS, build, frame_for, merge

ALL = frozenset(SPOT_TOPICS)


def test_every_row_names_a_shipped_schema_and_every_shipped_schema_is_named() -> None:
    """``schemas.SCHEMAS`` is read from these rows, so the files are the check: each row's
    schema is shipped, and no schema file is left that no row names."""
    from importlib import resources

    shipped = {
        entry.name.removesuffix(".json")
        for entry in resources.files(schemas).iterdir()
        if entry.name.endswith(".json")
    }
    assert all(kind.shapes for kind in EVENT_TYPES.values())
    assert set(schemas.SCHEMAS) == shipped
    for name in schemas.SCHEMAS:
        assert schemas.load(name)["$schema"]


@pytest.mark.parametrize("stream", ["swap", "coinm"])
def test_swap_and_coinm_get_their_products_events_and_unknown_ones(stream: str) -> None:
    for name, kind in EVENT_TYPES.items():
        event = {"e": name, "E": 1}
        assert frame_for(event, stream, set()) == (event if stream in kind.shapes else None)
        other = "coinm" if stream == "swap" else "swap"
        assert frame_for(event, stream, set(), other) is None  # another wallet's event
    assert frame_for({"e": "SOMETHING_NEW"}, stream, set()) == {"e": "SOMETHING_NEW"}


def test_build_uses_the_products_shape() -> None:
    coin = build({"e": "ACCOUNT_UPDATE"}, now_ms=1, product="coinm")
    assert coin["a"]["B"][0]["a"] == "BTC" and "iw" not in coin["a"]["P"][0]
    spot = build({"e": "ACCOUNT_UPDATE"}, now_ms=1, product="spot")
    assert "P" not in spot["a"] and spot["a"]["B"][0]["lk"] == "0"
    with pytest.raises(KeyError, match="unknown spot event type 'ORDER_TRADE_UPDATE'"):
        build({"e": "ORDER_TRADE_UPDATE"}, now_ms=1, product="spot")


def test_spot_gets_only_what_it_subscribed_to() -> None:
    update = events.spot_account_update()
    assert frame_for(update, "spot", set()) is None
    assert frame_for(update, "spot", {"ACCOUNT_UPDATE"}) == update
    assert frame_for(events.order_trade_update(), "spot", ALL) is None
    assert frame_for({"e": "SOMETHING_NEW"}, "spot", ALL) is None


def test_spot_execution_reports_arrive_wrapped_and_expiry_always_arrives() -> None:
    report = events.spot_execution_report()
    wrapped = frame_for(report, "spot", {"spot.executionReport"})
    assert wrapped == {"code": 0, "dataType": "spot.executionReport", "data": report}
    assert schemas.schema_for(wrapped, spot=True) == "spot_execution_report"
    expired = events.listen_key_expired("k" * 64)
    assert frame_for(expired, "spot", set()) == expired


def test_build_fills_defaults_and_refuses_unknown_or_internal_types() -> None:
    built = build({"e": "ORDER_TRADE_UPDATE", "o": {"s": "ETH-USDT"}}, now_ms=42)
    assert built["E"] == 42 and built["o"]["s"] == "ETH-USDT" and built["o"]["X"] == "FILLED"
    for bad in ({"e": "nope"}, {"e": "listenKeyExpired"}, {}):
        with pytest.raises(KeyError, match="known: ACCOUNT_UPDATE"):
            build(bad, now_ms=1)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)


@given(
    base=st.dictionaries(st.text(max_size=3), json_values, max_size=4),
    override=st.dictionaries(st.text(max_size=3), json_values, max_size=4),
)
def test_merge_keeps_every_default_and_every_override(
    base: dict[str, Any], override: dict[str, Any]
) -> None:
    merged = merge(base, override)
    assert set(merged) == set(base) | set(override)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            assert merged[key] == merge(base[key], value)
        else:
            assert merged[key] == value
    assert merge(base, {}) == base and merge({}, override) == override
