"""The shipped JSON Schemas accept every builder's output and reject wrong types."""

from __future__ import annotations

import copy
import secrets
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingx_sim import events as build
from bingx_sim import schemas

BUILT: dict[str, Any] = {
    "account_update": build.account_update(),
    "order_trade_update": build.order_trade_update(),
    "account_config_update": build.account_config_update(),
    "coinm_account_update": build.coinm_account_update(),
    "coinm_order_trade_update": build.coinm_order_trade_update(),
    "snapshot": build.config_snapshot(),
    "listen_key_expired": build.listen_key_expired(secrets.token_hex(32)),
    "spot_account_update": build.spot_account_update(reason="INIT"),
    "spot_execution_report": {
        "code": 0,
        "dataType": "spot.executionReport",
        "data": build.spot_execution_report(),
    },
}


def test_every_schema_has_a_builder_case() -> None:
    assert sorted(BUILT) == sorted(schemas.SCHEMAS)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_builder_output_is_valid(name: str) -> None:
    jsonschema.validate(BUILT[name], schemas.load(name))
    product = "spot" if name.startswith("spot_") else "coinm" if name.startswith("coinm_") else None
    assert schemas.schema_for(BUILT[name], product=product) == name
    schemas.validate(BUILT[name], product=product)


@pytest.mark.parametrize(
    ("name", "path", "wrong"),
    [
        ("account_update", ("a", "B", 0, "wb"), 5277.59),  # money is a string on swap
        ("order_trade_update", ("o", "i"), "1627970445070303232"),  # ids are integers
        ("account_config_update", ("ac", "l"), "12"),  # leverage is a number
        ("listen_key_expired", ("listenKey",), "not-a-key"),
        ("spot_execution_report", ("data", "q"), "0.1"),  # spot money is a number
        ("order_trade_update", ("o", "S"), "HOLD"),
        ("coinm_account_update", ("a", "P", 0, "s"), "BTC-USDT"),  # coin-M is -USD
        ("coinm_order_trade_update", ("o", "s"), "BTC-USDT"),
    ],
)
def test_a_wrong_field_type_is_rejected(name: str, path: tuple[Any, ...], wrong: Any) -> None:
    bad = copy.deepcopy(BUILT[name])
    target = bad
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = wrong
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schemas.load(name))


def test_unknown_schema_and_event_are_clear_errors() -> None:
    with pytest.raises(KeyError, match="known: account_config_update"):
        schemas.load("nope")
    with pytest.raises(KeyError, match="no schema for swap event type 'X'"):
        schemas.schema_for({"e": "X"})


money = st.decimals(min_value=-(10**9), max_value=10**9, places=8, allow_nan=False).map(
    lambda d: format(d, "f")  # the exchange writes fixed-point, never 0E-8
)
symbols = st.sampled_from(["BTC-USDT", "ETH-USDT", "LINK-USDT", "1000PEPE-USDT"])
times = st.integers(min_value=0, max_value=2**42)


@st.composite
def swap_events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["account", "order", "config", "expired"]))
    when = draw(times)
    if kind == "account":
        balances = draw(
            st.lists(
                st.builds(build.balance, st.sampled_from(["USDT", "BTC"]), money, money, money),
                max_size=3,
            )
        )
        positions = draw(
            st.lists(
                st.builds(
                    build.position,
                    symbols,
                    money,
                    money,
                    money,
                    st.sampled_from(["isolated", "cross"]),
                    money,
                    st.sampled_from(["LONG", "SHORT", "BOTH"]),
                    money,
                ),
                max_size=3,
            )
        )
        reason = draw(st.sampled_from(["DEPOSIT", "WITHDRAW", "ORDER", "FUNDING_FEE"]))
        return build.account_update(
            reason=reason, balances=balances, positions=positions, event_time=when
        )
    if kind == "order":
        return build.order_trade_update(
            symbol=draw(symbols),
            side=draw(st.sampled_from(["BUY", "SELL"])),
            quantity=draw(money),
            price=draw(money),
            status=draw(
                st.sampled_from(["NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"])
            ),
            execution_type=draw(
                st.sampled_from(["NEW", "TRADE", "CANCELED", "EXPIRED", "CALCULATED"])
            ),
            order_id=draw(st.integers(min_value=1, max_value=2**63)),
            event_time=when,
        )
    if kind == "config":
        return build.account_config_update(
            symbol=draw(symbols),
            long_leverage=draw(st.integers(1, 150)),
            short_leverage=draw(st.integers(1, 150)),
            margin_mode=draw(st.sampled_from(["cross", "isolated"])),
            event_time=when,
        )
    key = draw(st.binary(min_size=32, max_size=32)).hex()
    return build.listen_key_expired(key, event_time=when)


@given(swap_events())
def test_generated_events_validate_against_their_schema(event: dict[str, Any]) -> None:
    schemas.validate(event)


def test_the_contract_extra_declares_what_the_shipped_suite_imports() -> None:
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    extra = " ".join(project["project"]["optional-dependencies"]["contract"])
    assert "jsonschema" in extra and "pytest" in extra
