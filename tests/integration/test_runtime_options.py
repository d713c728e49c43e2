"""Contract options changed while the simulator runs: validated as the constructor
validates them, in force from the next request, undone by a reset."""

from __future__ import annotations

import pytest
import requests

from bingx_sim import Account, Simulator
from bingx_sim.ledger import Refused

from ..wire import call, new_key

ORDER = {"symbol": "BTC-USDT", "side": "BUY", "positionSide": "LONG", "type": "MARKET",
         "quantity": "0.01"}  # fmt: skip


def test_a_change_applies_to_the_next_request_and_a_reset_undoes_it(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    key = new_key(http, sim, account)
    assert call(http, sim, "PUT", account, {"listenKey": key}).text == ""
    now = sim.set_options(success_body="json")
    assert now.success_body == "json" and sim.options is now and not sim.pristine
    assert call(http, sim, "PUT", account, {"listenKey": key}).text == "{}"
    sim.reset()
    assert sim.options.success_body == "empty" and sim.pristine


def test_bad_changes_name_the_option_and_change_nothing(sim: Simulator) -> None:
    with pytest.raises(ValueError, match=r"unknown option\(s\) nope; valid: "):
        sim.set_options(nope=1)
    with pytest.raises(ValueError, match="success_body='x' is not one of empty, json, envelope"):
        sim.set_options(success_body="x", on_expiry="silent")
    assert sim.options.on_expiry == "close"  # all or nothing


def test_a_profile_at_run_time(sim: Simulator) -> None:
    options = sim.set_options(profile="bingx-python", success_body="envelope")
    assert options.listen_key_source == "query+body" and options.success_body == "envelope"


def test_rate_limits_start_afresh_when_changed(
    sim: Simulator, http: requests.Session, account: Account
) -> None:
    sim.set_options(rate_limit_per_second=1)
    assert call(http, sim, "POST", account).status_code == 200
    assert call(http, sim, "POST", account).json()["code"] == 100410
    sim.set_options(rate_limit_per_second=5, error_lockout_threshold=3)
    assert call(http, sim, "POST", account).status_code == 200  # a new budget
    sim.expect_errors()


def test_the_ledgers_options_apply_to_it(sim: Simulator) -> None:
    account = sim.add_account(balances={"USDT": "100000"})
    assert "order" in sim.place_order(account, **ORDER)
    sim.set_options(place_order_shape="flat", position_mode="oneway", error_codes="legacy")
    flat = sim.place_order(account, **ORDER)
    assert "order" not in flat and flat["symbol"] == "BTC-USDT"
    fresh = sim.add_account(balances={"USDT": "100"})
    with pytest.raises(Refused, match=r"^80014: In the One-way mode"):  # legacy code
        sim.place_order(fresh, **ORDER)  # one-way: a new account takes no LONG/SHORT
    sim.set_options(post_existing="same")
    sim.reset()
    assert (sim.options.place_order_shape, sim.options.post_existing) == ("wrapped", "new")


def test_pushes_use_the_options_in_force(sim: Simulator, account: Account) -> None:
    sim.set_options(order_ids="str")
    assert sim.options.order_ids == "str"
    assert sim.push(account, {"e": "ORDER_TRADE_UPDATE", "o": {"i": 1}}) == 0  # no socket
