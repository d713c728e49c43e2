"""``bingx-sim serve --scenario FILE``: one JSON or TOML file of options, accounts,
stubs, faults and prices, checked before the start with errors that name the line, and
applied again after every reset."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from bingx_sim.runners.scenario import ScenarioError, load_scenario, parse_scenario

from ..sandbox_process import sandbox_process

TOML = textwrap.dedent(
    """
    # a scenario for the sandbox
    [options]
    profile = "bingx-python"
    recv_window_ms = 10000

    [[accounts]]
    api_key = "alice"
    api_secret = "alice-secret"
    balances = { USDT = "10000" }

    [[accounts]]
    api_key = "bob"
    api_secret = "bob-secret"

    [[stubs]]
    method = "GET"
    path = "/openApi/spot/v1/account/balance"
    api_key = "alice"
    json = { code = 0, data = { balances = [] } }
    name = "alice's spot balance"

    [[faults]]
    type = "rest_error"
    account = "bob"
    method = "POST"
    status = 503
    times = 1

    [[prices]]
    symbol = "BTC-USDT"
    price = "50000"
    """
)


def test_a_toml_scenario_loads() -> None:
    scenario = parse_scenario(TOML, "s.toml")
    assert scenario.options == {"profile": "bingx-python", "recv_window_ms": 10000}
    assert [a.api_key for a in scenario.accounts] == ["alice", "bob"]
    assert scenario.accounts[0].balances == {"USDT": "10000"}
    assert scenario.stubs[0].name == "alice's spot balance"
    assert scenario.faults[0].api_key == "bob" and scenario.prices[0].price == "50000"


BAD = [
    ("s.json", '{"stubs": [\n  {"method": "GET", "path": "/a"},\n  {"method": "GET"}\n]}',
     "s.json line 3 (stubs[1]): a stub needs a method and a path"),
    ("s.json", '{\n  "options": {\n    "on_expiry": "explode"\n  }\n}',
     "s.json line 3 (options.on_expiry): on_expiry='explode' is not one of close, silent"),
    ("s.json", '{\n  "options": {"nope": 1}}',
     "s.json line 2 (options.nope): unknown option(s) nope; valid: "),
    ("s.json", '{\n  "stub": []\n}',
     "s.json line 2 (stub): no section 'stub'; sections: options, accounts, stubs"),
    ("s.json", '{"accounts": [\n {"api_key": "k", "api_secret": "s", "balances": {"USDT": "x"}}]}',
     "s.json line 2 (accounts[0]): balance USDT 'x' is not a decimal number"),
    ("s.json", '{"faults": [\n {"type": "rest_error", "account": "ghost"}]}',
     "s.json line 2 (faults[0].account): no account 'ghost' in the scenario"),
    ("s.json", '{"prices": [\n\n {"symbol": "NOPE-USDT", "price": "1"}]}',
     "s.json line 3 (prices[0]): 109400: NOPE-USDT,symbol not exist"),
    ("s.json", '{"stubs": {"method": "GET"}}', "s.json line 1 (stubs): stubs is a list of objects"),
    ("s.json", '{"stubs": [\n 5]}', "s.json line 2 (stubs[0]): each item is an object"),
    ("s.json", '{"options": [1]}', "s.json line 1 (options): options is an object"),
    ("s.json", '[1]', "s.json line 1: a scenario is a JSON object of sections"),
    ("s.json", '{\n  "stubs": [,]\n}', "s.json line 2: not JSON: Expecting value"),
    ("s.toml", "[options]\nrecv_window_ms = 'x'\n",
     "s.toml line 2 (options.recv_window_ms): recv_window_ms='x' has the wrong type"),
    ("s.toml", "[[stubs]]\nmethod = 'GET'\npath = '/a'\n\n[[stubs]]\nmethod = 'GET'\npath = 'b'\n",
     "s.toml line 5 (stubs[1]): path must start with /"),
    ("s.toml", "[[prices]]\nsymbol = 'BTC-USDT'\n", "s.toml line 1 (prices[0]): price is required"),
    ("s.toml", "[[prices]]\nsymbol = 'BTC-USDT'\nprice = '1'\nfoo = 1\n",
     "s.toml line 1 (prices[0]): a price takes no foo"),
    ("s.toml", "[[accounts]]\napi_key = 'k'\nextra = 1\n",
     "s.toml line 1 (accounts[0]): an account takes no extra"),
    ("s.toml", "[[accounts]]\napi_key = ''\n",
     "s.toml line 1 (accounts[0]): api_key and api_secret must be non-empty strings"),
    ("s.toml", "[[accounts]]\nbalances = [1]\n", "s.toml line 1 (accounts[0]): balances is an"),
    ("s.toml", "[[prices]]\nsymbol = 'BTC-USDT'\nprice = true\n",
     "s.toml line 1 (prices[0]): price must be a decimal number"),
    ("s.toml", "[[prices]]\nsymbol = 5\nprice = '1'\n", "s.toml line 1 (prices[0]): a price needs"),
    ("s.toml", "[options\n", "s.toml: not TOML: "),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "message"), BAD)
def test_a_bad_scenario_names_the_line_and_why(name: str, text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, name)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_missing_file_and_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read the scenario"):
        load_scenario(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"stubs": [\n  {"method": "GET", "path": "/a", "colour": "red"}\n]}')
    done = subprocess.run(
        [sys.executable, "-m", "bingx_sim", "serve", "--port", "0", "--scenario", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"bingx-sim: {bad} line 2 (stubs[0]): a stub takes no colour"


def test_serve_loads_the_scenario_and_a_reset_comes_back_to_it(tmp_path: Path) -> None:
    path = tmp_path / "scenario.toml"
    path.write_text(TOML)
    with (
        sandbox_process(["--scenario", str(path), "--option", "recv_window_ms=7000"]) as (
            _proc,
            rest,
        ),
        requests.Session() as http,
    ):
        options = http.get(f"{rest}/_sim/options").json()["options"]
        assert options["success_body"] == "json" and options["recv_window_ms"] == 7000
        for _ in range(2):  # as started, then after a reset
            keys = {a["api_key"] for a in http.get(f"{rest}/_sim/accounts").json()["accounts"]}
            assert keys == {"alice", "bob"}
            ledger = http.get(f"{rest}/_sim/accounts/alice/ledger").json()
            assert json.dumps(ledger).count("10000") >= 1
            stubbed = http.get(
                f"{rest}/openApi/spot/v1/account/balance", headers={"X-BX-APIKEY": "alice"}
            )
            assert stubbed.json() == {"code": 0, "data": {"balances": []}}
            faulted = http.post(
                f"{rest}/openApi/user/auth/userDataStream", headers={"X-BX-APIKEY": "bob"}
            )
            assert faulted.status_code == 503
            assert http.post(f"{rest}/_sim/reset", json={}).status_code == 200


def test_a_scenario_seeds_and_applies_in_process() -> None:
    from bingx_sim.core.state import SimConfig, SimState

    scenario = parse_scenario(TOML, "s.toml")
    state = SimState(SimConfig())
    scenario.seed(state)
    scenario.apply(state)
    assert [a.api_key for a in state.seed_accounts] == ["alice", "bob"]
    assert [s.stub.name for s in state.stubs] == ["alice's spot balance"]
    assert [f.spec.api_key for f in state.active_faults()] == ["bob"]
    assert state.account_view("alice")["balance"]


def test_serve_profile_with_an_option_over_it() -> None:
    with sandbox_process(["--profile", "bingx-python", "--option", "success_body=envelope"]) as (
        _proc,
        rest,
    ):
        changed = requests.get(f"{rest}/_sim/options").json()["changed"]
    assert changed["profile"] == "bingx-python" and changed["listen_key_source"] == "query+body"
    assert changed["success_body"] == "envelope"
