"""The products as one concept: starting balances per product, all-or-nothing account
opening in the three ledgers, the route table, the envelopes, and the running state's
per-product operations (seed accounts keep their per-product balances across resets)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bingx_sim.core.state import SimConfig, SimState
from bingx_sim.ledger import (
    ENDPOINTS,
    ROUTES,
    Books,
    InverseLedger,
    Ledger,
    SpotLedger,
    products,
    split_balances,
)
from bingx_sim.ledger.inverse_wire import COINM_ENDPOINTS
from bingx_sim.ledger.spot_wire import SPOT_ENDPOINTS


def books() -> Books:
    return Books(swap=Ledger(), spot=SpotLedger(), coinm=InverseLedger())


def test_flat_balances_are_usdt_m_and_nested_ones_per_product() -> None:
    assert split_balances(None) == {}
    assert split_balances({"USDT": "1"}) == {"swap": {"USDT": "1"}}
    assert split_balances({"spot": {"BTC": 1}, "coinm": {"BTC": "2"}}) == {
        "spot": {"BTC": 1},
        "coinm": {"BTC": "2"},
    }
    for bad in ({"USDT": "1", "spot": {}}, {"spot": "1"}, {"BTC": {"spot": "1"}}):
        with pytest.raises(ValueError, match=r"product|mix|mapping"):
            split_balances(bad)  # type: ignore[arg-type]


def test_an_account_opens_in_every_product_or_in_none() -> None:
    made = books()
    made.open_account("key", {"swap": {"USDT": Decimal("5")}, "spot": {"ETH": 3}})
    assert made.swap.accounts["key"].wallet == {"USDT": 5}
    assert made.spot.accounts["key"].free == {"ETH": 3}
    assert made.coinm.accounts["key"].wallet == {}
    assert made.has_account("key")
    before = (dict(made.swap._next), dict(made.coinm._next), made.spot._next_user)
    with pytest.raises(ValueError, match="starting balance"):
        made.open_account("other", {"swap": {"USDT": "1"}, "coinm": {"BTC": "-1"}})
    assert not any("other" in b.accounts for b in (made.swap, made.spot, made.coinm))
    assert (dict(made.swap._next), dict(made.coinm._next), made.spot._next_user) == before
    with pytest.raises(ValueError, match="product must be one of"):
        made.of("margin")
    assert made.of("coinm") is made.coinm


def test_every_route_belongs_to_one_product_with_its_envelope() -> None:
    assert len(ROUTES) == len(ENDPOINTS) + len(SPOT_ENDPOINTS) + len(COINM_ENDPOINTS)
    assert {r.product for r in ROUTES.values()} == {"swap", "spot", "coinm"}
    for (_, path), route in ROUTES.items():
        assert path.startswith(
            {"swap": "/openApi/swap/", "spot": "/openApi/spot/", "coinm": "/openApi/cswap/"}[
                route.product
            ]
        )
    assert ROUTES[("GET", "/openApi/spot/v1/ticker/24hr")].envelope == "timestamped"
    with pytest.raises(KeyError):
        products.call(books(), "GET", "/openApi/spot/v9/nothing", "", {}, 1)


def test_envelopes_are_each_products_own() -> None:
    assert products.answer("swap", None, 5) == b'{"code":0,"msg":""}'
    assert json.loads(products.answer("spot", {"a": Decimal("0.00001")}, 5)) == {
        "code": 0, "msg": "", "debugMsg": "", "data": {"a": 0.00001},
    }  # fmt: skip
    assert products.answer("timestamped", [], 5) == b'{"code":0,"msg":"","timestamp":5,"data":[]}'
    assert (
        products.error_body("spot", 100202, "no", 5) == b'{"code":100202,"msg":"no","debugMsg":""}'
    )
    assert products.error_body("timestamped", 1, "x", 5) == b'{"code":1,"msg":"x","timestamp":5}'


def test_seed_accounts_keep_their_per_product_balances_across_resets() -> None:
    state = SimState(SimConfig(watch_interval=None))
    seed = state.add_seed_account("seed", "secret", {"spot": {"USDT": "7"}, "coinm": {"BTC": "1"}})
    state.deposit(seed.api_key, "USDT", "1", product="spot")
    assert state.spot_overview("seed")["a"]["B"][0]["wb"] == "8"
    state.reset()
    assert state.spot_overview("seed")["a"]["B"][0]["wb"] == "7"
    assert state.books.coinm.accounts["seed"].wallet == {"BTC": 1}
    with pytest.raises(ValueError, match="exists"):
        state.add_account("seed", "secret", {"spot": {"USDT": "1"}})
