"""How long ``bingx.UserDataStream`` takes to recover from each incident of the
catalogue: from the trigger until an event pushed after it is received. The baseline in
the same run is the same measurement with no incident (an event's round trip).

Settings are the how-to's (``tests/examples/test_incidents.py``): 1 s HTTP timeout,
backoff from 0.05 s to 1 s, 1 s idle timeout.

    python bench/incidents.py [runs]
"""

from __future__ import annotations

import statistics
import sys

from bingx_sim import INCIDENTS, Simulator
from tests.examples.test_incidents import quick_keeper, received_after


def recovery(name: str | None) -> float:
    with Simulator() as sim:
        account = sim.add_account()
        with quick_keeper(sim, account) as keeper:
            if name is not None:
                INCIDENTS[name].trigger(sim, account)
            return received_after(sim, account, keeper, within=30.0)


def main(runs: int = 3) -> None:
    base = statistics.median(recovery(None) for _ in range(runs))
    print(f"{'baseline (no incident)':34s} {base * 1000:8.1f} ms")
    for name in INCIDENTS:
        took = statistics.median(recovery(name) for _ in range(runs))
        print(f"{name:34s} {took * 1000:8.1f} ms   ratio {took / base:7.1f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
