"""bingx-sim: a faithful in-process fake of BingX listen keys and account streams.

Start with :class:`Simulator`; build pushed events with :mod:`bingx_sim.events`.
"""

from .exchange import Account, KeyState, ListenKey
from .journal import JournalSnapshot, JournalTimeout, RestCall, WsEvent, WsFrame
from .options import ContractOptions
from .rest import LISTEN_KEY_PATH
from .server import Simulator

__all__ = [
    "LISTEN_KEY_PATH",
    "Account",
    "ContractOptions",
    "JournalSnapshot",
    "JournalTimeout",
    "KeyState",
    "ListenKey",
    "RestCall",
    "Simulator",
    "WsEvent",
    "WsFrame",
]
