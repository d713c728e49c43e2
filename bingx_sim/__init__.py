"""bingx-sim: a faithful in-process fake of BingX listen keys and account streams.

Start with :class:`Simulator`; build pushed events with :mod:`bingx_sim.events`; break
things with :mod:`bingx_sim.lab.faults` and the :data:`INCIDENTS` catalogue.

Names are imported on first use, so that importing this package (which pytest does for
the plugin in every run of every project that has us installed) costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bingx_sim.core.journal import (
        FaultFired,
        JournalSnapshot,
        JournalTimeout,
        RestCall,
        SimError,
        WsEvent,
        WsFrame,
    )
    from bingx_sim.lab.handles import FaultHandle, StubHandle
    from bingx_sim.lab.incidents import INCIDENTS, Incident
    from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH, Account, KeyState, ListenKey
    from bingx_sim.rules.options import ContractOptions
    from bingx_sim.runners.simulator import Simulator

__all__ = [
    "INCIDENTS",
    "LISTEN_KEY_PATH",
    "Account",
    "ContractOptions",
    "FaultFired",
    "FaultHandle",
    "Incident",
    "JournalSnapshot",
    "JournalTimeout",
    "KeyState",
    "ListenKey",
    "RestCall",
    "SimError",
    "Simulator",
    "StubHandle",
    "WsEvent",
    "WsFrame",
]

_HOMES = {
    "INCIDENTS": "lab.incidents",
    "FaultFired": "core.journal",
    "FaultHandle": "lab.handles",
    "StubHandle": "lab.handles",
    "Incident": "lab.incidents",
    "LISTEN_KEY_PATH": "rules.listen_keys",
    "Account": "rules.listen_keys",
    "ContractOptions": "rules.options",
    "JournalSnapshot": "core.journal",
    "JournalTimeout": "core.journal",
    "KeyState": "rules.listen_keys",
    "ListenKey": "rules.listen_keys",
    "RestCall": "core.journal",
    "SimError": "core.journal",
    "Simulator": "runners.simulator",
    "WsEvent": "core.journal",
    "WsFrame": "core.journal",
}


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:  # a bare checkout on sys.path
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the package metadata, on first use
        return _version("bingx-sim")
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # the next access is a plain attribute read
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
