"""Peak memory of the simulator's process under the inputs that used to grow it without
bound, each in a fresh interpreter, against a baseline run that starts a simulator and
sends nothing (so the figure is what the input adds):

* ``bodies``: 300 REST bodies of 900 KiB (journaled; the journal keeps 64 KiB of each);
* ``frames``: 40 pushed events of 3 MiB each to one reading client;
* ``client-frames``: 40 client text frames of 1 MiB (the cap) on one socket;
* ``bomb``: a 254 KiB gzip frame that inflates to 256 MiB, sent 5 times.

    python -m bench --only memory
"""

from __future__ import annotations

import subprocess
import sys
import zlib
from pathlib import Path

from .report import Figure, Stat

SCENARIOS = ("baseline", "bodies", "frames", "client-frames", "bomb")


def _peak_mib() -> float:
    """This process's peak RSS (``VmHWM``: unlike ``ru_maxrss``, not inherited from the
    process that started it, here the bench at full size)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _scenario(scenario: str) -> None:
    import requests
    import websocket

    from bingx_sim import Simulator
    from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

    with Simulator(pong_timeout=600) as sim, requests.Session() as http:
        account = sim.add_account()
        auth = {"X-BX-APIKEY": account.api_key}
        url = f"{sim.rest_url}{LISTEN_KEY_PATH}"
        key = http.post(url, headers=auth).json()["listenKey"]
        ws = websocket.create_connection(f"{sim.ws_url}?listenKey={key}", timeout=30)
        try:
            if scenario == "bodies":
                body = b"x=" + b"y" * (900 * 1024)
                for _ in range(300):
                    http.post(url, data=body, headers=auth)
            elif scenario == "frames":
                for i in range(40):
                    filler = f"{i:x}" * (3 * 1024 * 1024 // len(f"{i:x}"))
                    sim.push(account, {"e": "ORDER_TRADE_UPDATE", "o": {"c": filler}})
                    while True:  # read the event, skipping heartbeats
                        _, frame = ws.recv_data()
                        data = zlib.decompress(frame, wbits=31)
                        if data != b"Ping":
                            break
            elif scenario == "client-frames":
                for _ in range(40):
                    ws.send("z" * (1024 * 1024))
            elif scenario == "bomb":
                baseline = _peak_mib()
                deflater = zlib.compressobj(9, wbits=31)
                chunk = b"\0" * (1024 * 1024)
                bomb = b"".join(deflater.compress(chunk) for _ in range(256)) + deflater.flush()
                for _ in range(5):
                    bomb_ws = websocket.create_connection(f"{sim.ws_url}?listenKey={key}")
                    bomb_ws.send_binary(bomb)
                    bomb_ws.recv_data(control_frame=True)
                    bomb_ws.close()
                print(f"{_peak_mib() - baseline:.1f}", len(bomb))
                return
            kept = sum(
                len(getattr(e, "body", "")) + len(getattr(e, "text", "")) for e in sim.journal
            )
            print(f"{_peak_mib():.1f}", len(sim.journal), kept)
        finally:
            ws.close()


def run(quick: bool) -> list[Figure]:
    """Each scenario in a fresh interpreter; the figure is its peak over the baseline's."""
    chosen = ("baseline", "bomb") if quick else SCENARIOS
    results = {}
    for scenario in chosen:
        results[scenario] = subprocess.run(
            [sys.executable, "-m", "bench.memory_caps", scenario],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    base = float(results["baseline"][0])
    figures = []
    for scenario in chosen[1:]:
        out = results[scenario]
        if scenario == "bomb":
            added, note = float(out[0]), f"a {int(out[1]) // 1024} KiB frame, 5 times"
        else:
            added = float(out[0]) - base
            note = f"journal {out[1]} entries, {int(out[2]) / 2**20:.1f} MiB of text kept"
        figures.append(
            Figure(
                "memory",
                f"peak RSS added by {scenario}",
                "MiB",
                Stat.of([added]),
                "MiB, a simulator that was sent nothing",
                Stat.of([base]),
                target=_BOUNDS[scenario][0],
                met=added <= _BOUNDS[scenario][1],
                note=note,
            )
        )
    return figures


# What each scenario may add: the caps it exercises, with room for the interpreter.
_BOUNDS = {
    "bodies": ("<= 64 MiB (the journal's cap)", 64.0),
    "frames": ("<= 64 MiB", 64.0),
    "client-frames": ("<= 64 MiB", 64.0),
    "bomb": ("<= 16 MiB (1 MiB message cap)", 16.0),
}


if __name__ == "__main__":
    _scenario(sys.argv[1])
