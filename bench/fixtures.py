"""What each fixture adds to a test, and the full 61-minute lifecycle as a pytest test.

One pytest subprocess per run holds, interleaved, trivial tests that use no fixture, a
do-nothing yield fixture, ``shape`` (a yield fixture taking the session simulator and
doing nothing: what pytest charges for ``bingx_sim``'s shape),
``bingx_sim``, ``bingx_account``, ``bingx_client``, and (when installed)
pytest-httpserver's ``httpserver``; plus lifecycle tests under each clock fixture. A
``conftest.py`` times each test's whole protocol (setup, call, teardown) with the real
``perf_counter``. A figure is a variant's median minus the no-fixture median in the same
run; its range is over runs. The first test of each variant (which starts session
fixtures) is left out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

from .report import Figure, Stat, installed

_CONFTEST = '''
import json, os, time
from datetime import timedelta

import pytest

_CLOCK = [time.perf_counter_ns]  # in a list: a freeze patches module globals, not this
_TIMES = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    started = _CLOCK[0]()
    yield
    variant = item.name.rsplit("_", 1)[0][len("test_"):]
    _TIMES.setdefault(variant, []).append((_CLOCK[0]() - started) / 1000)


def pytest_sessionfinish(session):
    with open(os.environ["BENCH_TIMES"], "w") as out:
        json.dump(_TIMES, out)


@pytest.fixture
def nothing():
    yield


@pytest.fixture
def shape(bingx_sim_server):
    """bingx_sim's shape with none of its work: what pytest charges for it."""
    yield bingx_sim_server


def lifecycle(sim, account, client, clock):
    """generate, connect, event, 61 minutes, listenKeyExpired, renew, reconnect, delete"""
    from bingx import AccountDataStream, events as ev
    from bingx_sim import events

    keys = client.listen_key()
    stream = AccountDataStream(keys.generate()["listenKey"], sim.ws_url)
    stream.connect()
    sim.push(account, events.account_update())
    stream.next_event(ev.AccountUpdate, timeout=5)
    clock.tick(timedelta(minutes=61))
    stream.next_event(ev.ListenKeyExpired, timeout=5)
    stream.disconnect()
    key = keys.generate()["listenKey"]
    stream = AccountDataStream(key, sim.ws_url)
    stream.connect()
    keys.delete(key)
    stream.disconnect()
'''

_TRIVIAL = {
    "none": "",
    "yield": "nothing",
    "shape": "shape",
    "sim": "bingx_sim",
    "account": "bingx_account",
    "client": "bingx_client",
    "httpserver": "httpserver",
}
_LIFECYCLE = {
    "lifecycle_freezegun": "bingx_clock",
    "lifecycle_time_machine": "bingx_time_machine",
}
_LIFECYCLE_TARGET_MS = {"bingx_clock": 12.0, "bingx_time_machine": 8.0}


_BLOCK = 5  # consecutive tests of one variant, as the tests of one module run


def _test_file(tests: int, lifecycles: int, variants: dict[str, str]) -> str:
    """``tests`` tests of each variant (``lifecycles`` of each lifecycle variant), in
    blocks of :data:`_BLOCK` consecutive tests per variant, the blocks interleaved (so
    drift hits every variant alike)."""
    lines = ["from conftest import lifecycle", ""]
    for start in range(0, tests, _BLOCK):
        for variant, fixture in variants.items():
            for n in range(start, start + _BLOCK):
                if variant.startswith("lifecycle"):
                    if n < lifecycles:
                        args = f"bingx_sim, bingx_account, bingx_client, {fixture}"
                        lines.append(f"def test_{variant}_{n}({args}):")
                        lines.append(
                            f"    lifecycle(bingx_sim, bingx_account, bingx_client, {fixture})"
                        )
                else:
                    lines.append(f"def test_{variant}_{n}({fixture}):\n    pass")
    return "\n".join(lines) + "\n"


def _one_run(root: Path) -> dict[str, list[float]]:
    out = root / "times.json"
    pytest = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio")
    done = subprocess.run(
        [*pytest, str(root / "test_fixtures.py")],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "BENCH_TIMES": str(out)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"the fixture tests failed:\n{(done.stdout + done.stderr)[-3000:]}")
    times: dict[str, list[float]] = json.loads(out.read_text())
    return {variant: spans[1:] for variant, spans in times.items()}  # first: session setup


def run(quick: bool) -> list[Figure]:
    runs, tests, lifecycles = (1, 60, 10) if quick else (5, 400, 40)  # multiples of _BLOCK
    variants = dict(_TRIVIAL)
    if not installed("pytest-httpserver"):
        del variants["httpserver"]
    variants |= _LIFECYCLE
    medians: dict[str, list[float]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\nfilterwarnings = error\n")
        (root / "conftest.py").write_text(_CONFTEST)
        (root / "test_fixtures.py").write_text(_test_file(tests, lifecycles, variants))
        for _ in range(runs):
            times = _one_run(root)
            for variant in variants:
                medians[variant].append(median(times[variant]))
    none = medians["none"]

    def added(variant: str) -> Stat:
        return Stat.of(m - b for m, b in zip(medians[variant], none, strict=True))

    base = Stat.of(none)
    figures = []
    peer = added("httpserver") if "httpserver" in variants else None
    for variant, target in (
        ("yield", None),
        ("shape", None),
        ("sim", None),
        ("account", None),
        ("client", 300.0),
        ("httpserver", None),
    ):
        if variant not in variants:
            figures.append(
                Figure(
                    "fixtures",
                    "per-test cost: httpserver",
                    "µs",
                    None,
                    note="pytest-httpserver is not installed",
                )
            )
            continue
        value = added(variant)
        ratio = None
        met = None if target is None else value.median <= target
        goal = "" if target is None else f"<= {target:g} µs"
        if variant == "sim":
            goal = "<= httpserver's"
            if peer is not None:
                ratio = Stat.of(
                    (m - b) / (p - b)
                    for m, b, p in zip(medians["sim"], none, medians["httpserver"], strict=True)
                )
                met = ratio.median <= 1
        figures.append(
            Figure(
                "fixtures",
                f"per-test cost: {_TRIVIAL[variant]}",
                "µs added",
                value,
                "µs, a test with no fixture",
                base,
                ratio,
                "its cost / httpserver's" if ratio else "",
                goal,
                met,
            )
        )
    for variant, fixture in _LIFECYCLE.items():
        limit = _LIFECYCLE_TARGET_MS[fixture]
        lifecycle = Stat.of(m / 1000 for m in medians[variant])
        figures.append(
            Figure(
                "fixtures",
                f"61-minute lifecycle test ({fixture})",
                "ms",
                lifecycle,
                "µs, a test with no fixture",
                base,
                Stat.of(m / b for m, b in zip(medians[variant], none, strict=True)),
                "lifecycle / no-fixture test",
                f"<= {limit:g} ms",
                lifecycle.median <= limit,
            )
        )
    return figures
