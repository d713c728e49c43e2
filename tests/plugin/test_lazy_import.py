"""Installing bingx-sim must cost nothing to a pytest run that never uses a fixture."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("aiohttp", "requests", "websocket", "freezegun", "bingx", "asyncio")


def modules_after(statement: str) -> set[str]:
    """Top-level modules newly in ``sys.modules`` after ``statement``, in a fresh process."""
    code = (
        "import sys, json; before = set(sys.modules); "
        f"{statement}; "
        "print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout))


@pytest.mark.parametrize(
    "statement",
    ["import bingx_sim.pytest_plugin", "import bingx_sim", "from bingx_sim import defaults"],
)
def test_importing_the_plugin_imports_nothing_heavy(statement: str) -> None:
    assert modules_after(statement) & set(HEAVY) == set()


def test_the_simulator_does_not_need_the_client() -> None:
    loaded = modules_after("from bingx_sim import Simulator; Simulator().start().stop()")
    assert "aiohttp" in loaded
    assert "bingx" not in loaded and "requests" not in loaded


def test_old_import_paths_still_work() -> None:
    from bingx._clock import real_monotonic as old
    from bingx_clocks import real_monotonic
    from bingx_sim import Simulator
    from bingx_sim.rules.event_types import EVENT_TYPES
    from bingx_sim.runners.simulator import Simulator as same

    assert old is real_monotonic and Simulator is same
    assert {name for name, kind in EVENT_TYPES.items() if kind.pushable} == {
        "ACCOUNT_UPDATE",
        "ORDER_TRADE_UPDATE",
        "ACCOUNT_CONFIG_UPDATE",
        "SNAPSHOT",
        "executionReport",
    }


def test_a_lazy_name_that_does_not_exist_is_an_attribute_error() -> None:
    import bingx_sim

    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = bingx_sim.Nope
    assert "Simulator" in dir(bingx_sim)
