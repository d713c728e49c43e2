"""The shipped JSON Schemas accept every builder's output and reject wrong types.

What they accept of the real exchange is pinned by ``test_real_frames.py``; here they are
held strict: a field real frames always carry must be there, with its type.
"""

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
from bingx_sim.rules.event_types import ids_as_strings

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


def _product(name: str) -> str | None:
    return "spot" if name.startswith("spot_") else "coinm" if name.startswith("coinm_") else None


def test_every_schema_has_a_builder_case() -> None:
    assert sorted(BUILT) == sorted(schemas.SCHEMAS)


@pytest.mark.parametrize("name", sorted(BUILT))
def test_builder_output_is_valid(name: str) -> None:
    jsonschema.validate(BUILT[name], schemas.load(name))
    product = _product(name)
    assert schemas.schema_for(BUILT[name], product=product) == name
    schemas.validate(BUILT[name], product=product)


def _at(frame: dict[str, Any], path: tuple[Any, ...]) -> Any:
    target: Any = frame
    for step in path[:-1]:
        target = target[step]
    return target


def _with(name: str, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed: dict[str, Any] = copy.deepcopy(BUILT[name])
    _at(changed, path)[path[-1]] = value
    return changed


def _without(name: str, path: tuple[Any, ...]) -> dict[str, Any]:
    changed: dict[str, Any] = copy.deepcopy(BUILT[name])
    del _at(changed, path)[path[-1]]
    return changed


@pytest.mark.parametrize(
    ("name", "path", "wrong"),
    [
        ("account_update", ("a", "B", 0, "wb"), 5277.59),  # money is a string on swap
        ("order_trade_update", ("o", "q"), 0.01),
        ("order_trade_update", ("o", "z"), 0),
        ("order_trade_update", ("o", "Z"), 640.0),
        ("order_trade_update", ("o", "sp"), 0),
        ("order_trade_update", ("o", "ro"), "false"),  # a JSON boolean
        ("order_trade_update", ("o", "i"), "16279704450703O3232"),  # ids: digits only
        ("order_trade_update", ("o", "i"), ""),
        ("order_trade_update", ("o", "i"), 1.5),
        ("order_trade_update", ("o", "p"), "64,000"),
        ("account_config_update", ("ac", "l"), "12"),  # leverage is a number
        ("snapshot", ("ac", "S"), "1"),
        ("listen_key_expired", ("listenKey",), "not-a-key"),
        ("spot_execution_report", ("data", "q"), "0.1"),  # spot money is a number
        ("spot_execution_report", ("data", "i"), "order-1"),
        ("spot_execution_report", ("data", "X"), "EXPIRING"),
        ("spot_execution_report", ("data", "C"), 123),
        ("spot_account_update", ("a", "B", 0, "lk"), 0),  # spot balances are strings
        ("order_trade_update", ("o", "S"), "HOLD"),
        ("coinm_account_update", ("a", "P", 0, "s"), "BTC-USDT"),  # coin-M is -USD
        ("coinm_order_trade_update", ("o", "s"), "BTC-USDT"),
        ("coinm_order_trade_update", ("o", "n"), -0.000004),
    ],
)
def test_a_wrong_field_type_is_rejected(name: str, path: tuple[Any, ...], wrong: Any) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_with(name, path, wrong), schemas.load(name))


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("order_trade_update", ("o", "i")),
        ("order_trade_update", ("o", "z")),  # every real swap frame carries z, wt, rp
        ("order_trade_update", ("o", "wt")),
        ("order_trade_update", ("o", "rp")),
        ("order_trade_update", ("o", "T")),
        ("coinm_order_trade_update", ("o", "z")),
        ("account_update", ("a", "B", 0, "cw")),
        ("spot_execution_report", ("data", "i")),
        ("spot_execution_report", ("data", "m")),  # every real spot frame carries these
        ("spot_execution_report", ("data", "t")),
        ("spot_execution_report", ("data", "Z")),
        ("spot_execution_report", ("data", "O")),
        ("spot_account_update", ("T",)),
        ("spot_account_update", ("a", "B", 0, "wb")),
        ("snapshot", ("ac", "mt")),
    ],
)
def test_a_field_real_frames_always_carry_is_required(name: str, path: tuple[Any, ...]) -> None:
    with pytest.raises(jsonschema.ValidationError, match="required"):
        jsonschema.validate(_without(name, path), schemas.load(name))


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("order_trade_update", ("T",)),  # real swap frames (2023) have no top-level T
        ("order_trade_update", ("o", "l")),
        ("order_trade_update", ("o", "L")),
        ("order_trade_update", ("o", "Z")),  # Z, sp, ro: only in newer or some frames
        ("order_trade_update", ("o", "sp")),
        ("order_trade_update", ("o", "ro")),
        ("spot_execution_report", ("data", "C")),  # no client id: no C
        ("spot_account_update", ("a", "B", 0, "lk")),
        ("account_update", ("T",)),
        ("account_update", ("a", "P")),
    ],
)
def test_a_field_only_some_real_frames_carry_is_optional(name: str, path: tuple[Any, ...]) -> None:
    schemas.validate(_without(name, path), product=_product(name))


@pytest.mark.parametrize("field", ["x", "X"])
def test_spot_orders_can_expire(field: str) -> None:
    schemas.validate(_with("spot_execution_report", ("data", field), "EXPIRED"), spot=True)


def test_a_trigger_order_may_have_an_empty_price() -> None:
    """A real TRIGGER_MARKET frame (2024-01) sent ``"p":""`` with ``sp`` set."""
    schemas.validate(_with("order_trade_update", ("o", "p"), ""))


@pytest.mark.parametrize("name", sorted(BUILT))
def test_builder_output_with_string_ids_is_valid(name: str) -> None:
    """``order_ids="str"`` sends ids as digit strings; real frames do too."""
    built = BUILT[name]
    wrapped = "data" in built
    converted = ids_as_strings(built["data"] if wrapped else built)
    frame = {**built, "data": converted} if wrapped else converted
    schemas.validate(frame, product=_product(name))
    order = converted.get("o", converted)
    if "i" in order:
        assert isinstance(order["i"], str) and order["i"].isdigit()


def test_the_coinm_config_builders_fit_the_shared_config_schemas() -> None:
    jsonschema.validate(build.coinm_account_config_update(), schemas.load("account_config_update"))
    jsonschema.validate(build.coinm_config_snapshot(), schemas.load("snapshot"))
    with_quote = build.coinm_order_trade_update(cumulative_quote="0.00156250")
    schemas.validate(with_quote, product="coinm")


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
ids = st.integers(min_value=1, max_value=2**63)


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
            order_id=draw(ids | ids.map(str)),
            reduce_only=draw(st.booleans()),
            trigger_price=draw(money),
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
