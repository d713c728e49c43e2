"""How long ``bingx.UserDataStream`` takes to recover from each incident of the
catalogue: from the trigger until an event pushed after it is received. The baseline in
the same run is the same measurement with no incident (an event's round trip).

Settings are the how-to's (``tests/examples/test_incidents.py``): 1 s HTTP timeout,
backoff from 0.05 s to 1 s, 1 s idle timeout. Most recoveries are bounded by those
settings (a 1 s idle timeout, a 1 s backoff), not by the simulator.
"""

from __future__ import annotations

from bingx_sim import INCIDENTS, Simulator
from tests.examples.test_incidents import arrange, quick_keeper, received_after

from .report import Figure, Stat


def _recovery_ms(name: str | None) -> float:
    with Simulator() as sim:
        account = sim.add_account()
        with quick_keeper(sim, account) as keeper:
            if name is not None:
                arrange(sim, account, INCIDENTS[name])  # the orders it acts on, if any
                INCIDENTS[name].trigger(sim, account)
            return received_after(sim, account, keeper, within=30.0) * 1000


_SLOW = ("silent-socket", "maintenance-close", "rate-limited-renewal", "slow-rest")


def run(quick: bool) -> list[Figure]:
    runs = 1 if quick else 3
    # A smoke run leaves out the incidents whose recovery waits out a 1 s setting.
    chosen = [n for n in INCIDENTS if not (quick and n in _SLOW)]
    samples: dict[str | None, list[float]] = {None: []}
    for _ in range(runs):  # interleaved: each round runs the baseline and every incident
        samples[None].append(_recovery_ms(None))
        for name in chosen:
            samples.setdefault(name, []).append(_recovery_ms(name))
    base = samples.pop(None)
    figures = []
    for incident, spans in samples.items():
        ratio = Stat.of(s / b for s, b in zip(spans, base, strict=True))
        figures.append(
            Figure(
                "incidents",
                f"recovery from {incident}",
                "ms",
                Stat.of(spans),
                "ms, an event's round trip with no incident",
                Stat.of(base),
                ratio,
                "recovery / round trip",
            )
        )
    return figures
