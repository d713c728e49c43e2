"""Per-test overhead of the ``bingx_sim`` fixture: 500 trivial tests with it vs without.

Each variant runs as its own pytest subprocess (same interpreter, same plugins), runs are
interleaved, and the medians are compared; the session simulator's one-time start is
inside the "with" runs, spread over the 500 tests. Both files import the modules the
fixture loads lazily (aiohttp, the simulator, the client, freezegun), so that one-time
import cost is in both and the difference is what each test pays.

    python bench/fixture_overhead.py [tests] [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

IMPORTS = "import bingx, bingx_sim.server, freezegun\n"
WITH = "def test_{n}(bingx_sim):\n    assert bingx_sim.port\n"
WITHOUT = "def test_{n}():\n    assert True\n"


def run(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main(tests: int = 500, runs: int = 5) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\n")
        files = {}
        for name, template in (("with", WITH), ("without", WITHOUT)):
            files[name] = root / f"test_{name}.py"
            files[name].write_text(IMPORTS + "\n".join(template.format(n=n) for n in range(tests)))
        times: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(runs):
            for name, path in files.items():
                times[name].append(run(path))
    med = {k: statistics.median(v) for k, v in times.items()}
    per_test_us = (med["with"] - med["without"]) / tests * 1e6
    print(f"{tests} tests x {runs} runs (medians): with bingx_sim {med['with']:.3f} s, ")
    print(f"  without {med['without']:.3f} s; ratio {med['with'] / med['without']:.2f}")
    print(f"  per-test overhead of the fixture: {per_test_us:.0f} us")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
