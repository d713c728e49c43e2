"""Every public import path that existed before the package was split into layers
(``rules/``, ``core/``, ``wire/``, ``lab/``, ``runners/``, ``plugin/``) still works: the
package's names, the public modules, the pytest plugin's entry point and the console
script. The names are the ones those modules exported before the split (commit 85d5aac)."""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import distribution

import pytest

PACKAGE_NAMES = (
    "Simulator",
    "INCIDENTS",
    "Incident",
    "LISTEN_KEY_PATH",
    "Account",
    "ContractOptions",
    "FaultHandle",
    "StubHandle",
    "JournalSnapshot",
    "JournalTimeout",
    "KeyState",
    "ListenKey",
    "RestCall",
    "SimError",
    "WsEvent",
    "WsFrame",
    "FaultFired",
)

MODULE_NAMES = {
    "bingx_sim.events": (
        "account_config_update",
        "account_update",
        "balance",
        "coinm_account_update",
        "coinm_order_trade_update",
        "config_snapshot",
        "listen_key_expired",
        "order_trade_update",
        "position",
        "spot_account_update",
        "spot_execution_report",
    ),
    "bingx_sim.faults": (
        "FAULT_TYPES",
        "ActiveFault",
        "CorruptFrame",
        "DelayFrames",
        "Drop",
        "DuplicateFrame",
        "Fault",
        "FaultPlan",
        "FaultSpec",
        "IgnorePongs",
        "LoseEvents",
        "RefuseConnect",
        "RestDelay",
        "RestError",
        "RestHang",
        "RestReset",
        "Silence",
        "fault_from_json",
    ),
    "bingx_sim.incidents": ("INCIDENTS", "Incident"),
    "bingx_sim.schemas": ("SCHEMAS", "load", "schema_for", "validate"),
    "bingx_sim.defaults": (
        "CLOSE_GRACE",
        "CONTROL_MAX_BODY",
        "CONTROL_MAX_DEPTH",
        "FACADE_TIMEOUT",
        "JOURNAL_MAX_BYTES",
        "JOURNAL_MAX_ENTRIES",
        "JOURNAL_TEXT_LIMIT",
        "KEY_TTL",
        "MAX_CLIENT_MESSAGE",
        "MAX_EPOCH_MS",
        "MAX_OUTBOX_BYTES",
        "MAX_REST_BODY",
        "PING_INTERVAL",
        "PONG_TIMEOUT",
        "TARGET_NAMES",
        "WATCH_INTERVAL",
    ),
    "bingx_sim.symbols": ("USDT_M_SYMBOLS",),
    "bingx_sim.contract": (),
    "bingx_sim.contract.test_events": (),
    "bingx_sim.contract.test_listen_keys": (),
    "bingx_sim.contract.test_streams": (),
    "bingx_sim.contract.wire": (
        "BINARY",
        "CLOSE",
        "TEXT",
        "ClosingWebSocket",
        "call",
        "close_code",
        "connect",
        "listen_key",
        "open_stream",
        "recv_frame",
        "recv_json",
    ),
}


# ``bingx_sim.defaults`` exported these with ``*``; its other names by attribute only.
STAR_ONLY = {
    "bingx_sim.defaults": (
        "CLOSE_GRACE",
        "FACADE_TIMEOUT",
        "KEY_TTL",
        "MAX_OUTBOX_BYTES",
        "PING_INTERVAL",
        "PONG_TIMEOUT",
        "TARGET_NAMES",
        "WATCH_INTERVAL",
    )
}


def test_the_package_names_import_from_the_package() -> None:
    import bingx_sim
    from bingx_sim import (  # noqa: F401
        INCIDENTS,
        LISTEN_KEY_PATH,
        Account,
        ContractOptions,
        FaultFired,
        FaultHandle,
        Incident,
        JournalSnapshot,
        JournalTimeout,
        KeyState,
        ListenKey,
        RestCall,
        SimError,
        Simulator,
        StubHandle,
        WsEvent,
        WsFrame,
    )

    assert set(PACKAGE_NAMES) <= set(bingx_sim.__all__)
    for name in PACKAGE_NAMES:
        assert getattr(bingx_sim, name) is not None, name
    assert LISTEN_KEY_PATH == "/openApi/user/auth/userDataStream"
    assert INCIDENTS and all(isinstance(i, Incident) for i in INCIDENTS.values())


@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_each_public_module_keeps_its_names(module: str) -> None:
    loaded = importlib.import_module(module)
    missing = [name for name in MODULE_NAMES[module] if not hasattr(loaded, name)]
    assert missing == [], f"{module} lost {missing}"
    exported = getattr(loaded, "__all__", None)
    if exported is not None:  # ``from module import *`` still brings them
        star = STAR_ONLY.get(module, MODULE_NAMES[module])
        assert set(star) <= set(exported), module


def test_the_events_builders_build() -> None:
    from bingx_sim import events

    for name in MODULE_NAMES["bingx_sim.events"]:
        builder = getattr(events, name)
        assert callable(builder), name
    assert events.account_update()["e"] == "ACCOUNT_UPDATE"


def test_every_fault_class_is_in_fault_types_and_round_trips_by_name() -> None:
    from bingx_sim import faults

    specs = {
        name: cls
        for name, cls in vars(faults).items()
        if inspect.isclass(cls)
        and issubclass(cls, faults.FaultSpec)
        and cls is not faults.FaultSpec
    }
    assert set(specs.values()) == set(faults.FAULT_TYPES.values())
    assert faults.fault_from_json({"type": "drop"}) == faults.Drop()


def test_the_public_module_paths_are_the_layered_homes() -> None:
    import bingx_sim
    from bingx_sim import faults, incidents
    from bingx_sim.lab import faults as lab_faults
    from bingx_sim.lab import incidents as lab_incidents

    assert faults.Drop is lab_faults.Drop and faults.FAULT_TYPES is lab_faults.FAULT_TYPES
    assert incidents.INCIDENTS is lab_incidents.INCIDENTS is bingx_sim.INCIDENTS


def test_the_schemas_validate() -> None:
    from bingx_sim import events, schemas

    frame = events.order_trade_update()
    assert schemas.schema_for(frame) == "order_trade_update"
    assert schemas.load("order_trade_update")["$schema"]
    schemas.validate(frame)


def test_the_pytest_plugin_entry_point_loads_the_plugin_module() -> None:
    """pytest finds the plugin by the installed distribution's ``pytest11`` entry point."""
    (entry,) = [e for e in distribution("bingx-sim").entry_points if e.group == "pytest11"]
    assert (entry.name, entry.value) == ("bingx_sim", "bingx_sim.pytest_plugin")
    plugin = entry.load()
    assert plugin is importlib.import_module("bingx_sim.pytest_plugin")
    assert callable(plugin.pytest_addoption) and callable(plugin.bingx_sim)


def test_the_console_script_entry_point_runs_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    (entry,) = [
        e
        for e in distribution("bingx-sim").entry_points
        if e.group == "console_scripts" and e.name == "bingx-sim"
    ]
    assert entry.value == "bingx_sim.runners.cli:main"
    main = entry.load()
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "serve" in capsys.readouterr().out
