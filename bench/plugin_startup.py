"""What installing bingx-sim adds to every pytest start, even of a suite that never uses it.

Runs ``pytest --collect-only`` on an empty test file, alternately with the plugin and with
``-p no:bingx_sim``, in fresh subprocesses of the same interpreter, and compares medians.
Also reports which heavy modules importing the plugin pulls in (there should be none).

    python bench/plugin_startup.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTEST = (sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider")
HEAVY = ("aiohttp", "requests", "websocket", "freezegun", "bingx", "asyncio")
PROBE = (
    "import sys; import bingx_sim.pytest_plugin; "
    f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
)


def run(root: Path, *extra: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [*PYTEST, *extra, str(root / "test_empty.py")],
        check=False,  # "no tests collected" exits 5; only the time matters
        capture_output=True,
        cwd=root,
    )
    return time.perf_counter() - started


def import_cost_us() -> int:
    """The plugin's own cumulative import time (``-X importtime``), pytest already loaded."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import pytest; import bingx_sim.pytest_plugin"],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in done.stderr.splitlines():
        if line.rstrip().endswith("| bingx_sim.pytest_plugin"):
            return int(line.split("|")[1])
    raise RuntimeError("bingx_sim.pytest_plugin did not show up in -X importtime")


def main(runs: int = 15) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "test_empty.py").write_text("")
        run(root)  # warm the file cache once
        with_plugin: list[float] = []
        without: list[float] = []
        for _ in range(runs):
            with_plugin.append(run(root))
            without.append(run(root, "-p", "no:bingx_sim"))
    heavy = subprocess.run(
        [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
    ).stdout.strip()
    med_with, med_without = statistics.median(with_plugin), statistics.median(without)
    print(f"pytest --collect-only of an empty file, medians of {runs} interleaved runs:")
    print(f"  with the plugin      {med_with * 1000:7.1f} ms")
    print(f"  with -p no:bingx_sim {med_without * 1000:7.1f} ms")
    print(
        f"  added by the plugin  {(med_with - med_without) * 1000:7.1f} ms "
        f"(ratio {med_with / med_without:.3f}; target: under 30 ms)"
    )
    print(f"  heavy modules after `import bingx_sim.pytest_plugin`: {heavy or 'none'}")
    costs = sorted(import_cost_us() for _ in range(5))
    print(f"  the plugin's own import time (-X importtime, median of 5): {costs[2] / 1000:.1f} ms")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
