"""What installing a pytest plugin adds to every pytest start, ours beside our peers'.

``pytest --collect-only`` of an empty file in fresh subprocesses of this interpreter,
timed in CPU seconds of the child (user + system; wall time on this kind of machine
swings by hundreds of ms between identical runs):
the baseline disables all three plugins (ours, pytest-httpserver's, time-machine's);
each variant enables exactly one. Variants are interleaved round by round, and each
round's figure is the variant minus that round's baseline. Peers that are not installed
(they belong in the bench's environment, ``bench/requirements.txt``, not the project's)
are reported as such.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from dataclasses import replace
from importlib import metadata
from pathlib import Path

from .report import Figure, Stat, installed

PLUGINS = {  # entry-point name -> distribution
    "bingx_sim": "bingx-sim",
    "pytest_httpserver": "pytest-httpserver",
    "time_machine": "time-machine",
}
_PYTEST = (sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider")
_HEAVY = ("aiohttp", "requests", "websocket", "freezegun", "bingx", "asyncio")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _others() -> list[str]:
    """``-p no:NAME`` for every other installed pytest plugin: they cost the same in
    every variant, and their cost (and its noise) would only drown the difference."""
    names = {
        ep.name
        for dist in metadata.distributions()
        for ep in dist.entry_points
        if ep.group == "pytest11" and ep.name not in PLUGINS
    }
    return [arg for name in sorted(names) for arg in ("-p", f"no:{name}")]


_OTHERS = _others()


def _time(root: Path, enabled: str | None) -> float:
    """The CPU time (user + system) of one ``pytest --collect-only``: on a shared or
    virtual machine its wall time swings by hundreds of ms from run to run, its CPU
    time by a few."""
    disabled = [a for name in PLUGINS if name != enabled for a in ("-p", f"no:{name}")]
    disabled += _OTHERS
    started = _cpu_seconds()
    subprocess.run(
        [*_PYTEST, *disabled, str(root / "test_empty.py")],
        check=False,  # "no tests collected" exits 5; only the time matters
        capture_output=True,
        cwd=root,
    )
    return _cpu_seconds() - started


def _import_cost_ms() -> float:
    """The plugin's own cumulative import time (``-X importtime``), pytest loaded."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest; import bingx_sim.pytest_plugin"],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stderr.splitlines():
        if line.rstrip().endswith("| bingx_sim.pytest_plugin"):
            return int(line.split("|")[1]) / 1000
    raise RuntimeError("bingx_sim.pytest_plugin did not show up in -X importtime")


def _heavy_modules() -> str:
    probe = (
        "import sys; import bingx_sim.pytest_plugin; "
        f"print(','.join(m for m in {_HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return done.stdout.strip() or "none"


def run(quick: bool) -> list[Figure]:
    rounds = 1 if quick else 25
    present = [name for name, dist in PLUGINS.items() if installed(dist)]
    base: list[float] = []
    added: dict[str, list[float]] = {name: [] for name in present}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "test_empty.py").write_text("")
        _time(root, None)  # warm the file cache once
        for _ in range(rounds):
            baseline = _time(root, None)
            base.append(baseline * 1000)
            for name in present:
                added[name].append((_time(root, name) - baseline) * 1000)
    figures: list[Figure] = []
    peer = Stat.of(added["pytest_httpserver"]) if "pytest_httpserver" in added else None
    for name, dist in PLUGINS.items():
        if name not in added:
            figures.append(
                Figure(
                    "startup",
                    f"plugin start-up: {dist}",
                    "ms",
                    None,
                    note=f"{dist} is not installed (pip install -r bench/requirements.txt)",
                )
            )
            continue
        value = Stat.of(added[name])
        ratio = Stat.of((b + a) / b for a, b in zip(added[name], base, strict=True))
        figure = Figure(
            "startup",
            f"plugin start-up: {dist}",
            "CPU ms added",
            value,
            "CPU ms, pytest with none of the three",
            Stat.of(base),
            ratio,
            "with / without",
        )
        if name == "bingx_sim":
            met = value.median <= 30 and (peer is None or value.median <= peer.median)
            figure = replace(
                figure,
                target="<= +30 ms, <= pytest-httpserver",
                met=met,
                note=f"own import {_import_cost_ms():.1f} ms (-X importtime); "
                f"heavy modules the plugin loads: {_heavy_modules()}",
            )
        figures.append(figure)
    return figures
