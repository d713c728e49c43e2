"""Listen-key calls a ``UserDataStream`` makes in 3 s when its reconnect is refused
although its key is alive (the exchange answers "too many sockets" with the same 404 as
a dead key), with default settings. The baseline in the same run is a keeper whose socket
stays up: its calls in the same 3 s (one POST).

    python -m bench --only keeper
"""

from __future__ import annotations

import threading

import requests
import websocket

from bingx import BingXClient, UserDataStream
from bingx_sim import Simulator
from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

from .report import Figure, Stat


def _calls(seconds: float, refuse: bool) -> tuple[int, int, int]:
    """(listen-key calls, POSTs, keys left active) of the keeper's account."""
    with Simulator(max_sockets_per_ip=2) as sim, requests.Session() as http:
        account, neighbour = sim.add_account(), sim.add_account()
        auth = {"X-BX-APIKEY": neighbour.api_key}
        url = f"{sim.rest_url}{LISTEN_KEY_PATH}"
        crowd = [
            websocket.create_connection(
                f"{sim.ws_url}?listenKey={http.post(url, headers=auth).json()['listenKey']}"
            )
        ]
        with BingXClient(account.api_key, account.api_secret, sim.rest_url) as client:
            keeper = UserDataStream(client, base_url=sim.ws_url).start()
            if refuse:
                sim.close_sockets(account)
                key = http.post(url, headers=auth).json()["listenKey"]
                crowd.append(websocket.create_connection(f"{sim.ws_url}?listenKey={key}"))
            threading.Event().wait(seconds)  # the measurement window, in real time
            calls = [
                r
                for r in sim.journal.requests
                if r.path == LISTEN_KEY_PATH and r.headers.get("X-BX-APIKEY") == account.api_key
            ]
            active = [k for k in sim.listen_keys() if k.owner == account.api_key and k.active]
            keeper.close()
        for ws in crowd:
            ws.close()
        return len(calls), sum(1 for r in calls if r.method == "POST"), len(active)


def run(quick: bool) -> list[Figure]:
    seconds = 1.0 if quick else 3.0
    base = _calls(seconds, refuse=False)
    refused = _calls(seconds, refuse=True)
    return [
        Figure(
            "keeper",
            f"listen-key calls in {seconds:g} s of refused reconnects",
            "calls",
            Stat.of([refused[0]]),
            "calls of a keeper whose socket stays up",
            Stat.of([base[0]]),
            target="a handful (backoff, 2/s budget)",
            met=refused[0] <= 4 * seconds,
            note=f"{refused[1]} POST, {refused[2]} key(s) left active",
        ),
    ]
