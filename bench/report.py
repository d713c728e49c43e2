"""The vocabulary of a benchmark run: a figure, its statistics, the machine it ran on,
and the table and results file they become.

Every figure is the median of several runs with their min and max, beside a baseline
measured in the same run on the same machine, and usually a ratio of the two computed
per run (so drift during the run hits both sides alike).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

__all__ = ["Figure", "Stat", "environment", "installed", "load", "markdown", "render", "write"]

_PACKAGES = (
    "aiohttp",
    "requests",
    "websocket-client",
    "freezegun",
    "time-machine",
    "pytest",
    "pytest-httpserver",
    "bingx-sim",
    "bingx-sim-client",
)


@dataclass(frozen=True, slots=True)
class Stat:
    """The median of some runs, with their range."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, samples: Iterable[float]) -> Stat:
        values = list(samples)
        if not values:
            raise ValueError("a statistic needs at least one sample")
        return cls(statistics.median(values), min(values), max(values), len(values))

    def show(self, digits: int = 3) -> str:
        return f"{self.median:.{digits}g} ({self.low:.{digits}g}..{self.high:.{digits}g})"


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure. ``value`` is in ``unit``; ``baseline`` (what it is compared
    with, named by ``baseline_name``) in the same unit; ``ratio`` is computed per run as
    the figure's own definition says (``ratio_means``). ``met`` is ``None`` where there
    is no target or the figure could not be measured (``note`` says why)."""

    suite: str
    name: str
    unit: str
    value: Stat | None
    baseline_name: str = ""
    baseline: Stat | None = None
    ratio: Stat | None = None
    ratio_means: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""


def installed(dist: str) -> bool:
    """Whether distribution ``dist`` is installed here (the peers are optional)."""
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def _git_commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
    except OSError:
        return "unknown"
    return done.stdout.strip() or "unknown"


def environment() -> dict[str, object]:
    """What the figures depend on: versions, cores, load."""
    versions: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "packages": versions,
    }


def _cell(stat: Stat | None, digits: int = 3) -> str:
    return "-" if stat is None else stat.show(digits)


def render(figures: Sequence[Figure]) -> str:
    """A plain-text table: one line per figure (the note, if any, on the next)."""
    head = ("suite", "figure", "value", "unit", "baseline", "ratio", "target", "met")
    rows = [head]
    for f in figures:
        met = {True: "yes", False: "NO", None: "-"}[f.met]
        baseline = f"{_cell(f.baseline)} {f.baseline_name}".strip() if f.baseline else "-"
        rows.append(
            (f.suite, f.name, _cell(f.value), f.unit, baseline, _cell(f.ratio), f.target, met)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
        elif figures[n - 1].note:
            lines.append(f"    note: {figures[n - 1].note}")
    return "\n".join(lines)


def write(path: Path, figures: Sequence[Figure], env: dict[str, object], quick: bool) -> None:
    """The run as JSON: the environment, whether it was a ``--quick`` smoke run, and
    every figure with its statistics."""
    payload = {
        "environment": env,
        "quick": quick,
        "figures": [asdict(f) for f in figures],
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def load(path: Path) -> tuple[dict[str, object], list[Figure]]:
    """A results file back as (environment, figures)."""
    payload = json.loads(path.read_text())

    def stat(raw: dict[str, float] | None) -> Stat | None:
        return (
            None if raw is None else Stat(raw["median"], raw["low"], raw["high"], int(raw["runs"]))
        )

    figures = [
        Figure(**{**raw, **{k: stat(raw[k]) for k in ("value", "baseline", "ratio")}})
        for raw in payload["figures"]
    ]
    return payload["environment"], figures


def markdown(figures: Sequence[Figure]) -> str:
    """The table for ``docs/performance.md``."""
    lines = [
        "| suite | figure | value (min..max) | baseline | ratio (min..max) | target | met | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        met = {True: "yes", False: "**no**", None: ""}[f.met]
        value = f"{_cell(f.value)} {f.unit}" if f.value else "not measured"
        baseline = f"{_cell(f.baseline)} {f.baseline_name}" if f.baseline else ""
        ratio = f"{_cell(f.ratio)} ({f.ratio_means})" if f.ratio else ""
        cells = (f.suite, f.name, value, baseline, ratio, f.target, met, f.note)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
