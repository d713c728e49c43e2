"""A synchronous BingX client for listen keys and the private account stream.

It keeps the public API of the ``bingx-python`` SDK (``BingXClient(...).listen_key()``,
``bingx.websocket.AccountDataStream``) and works on the real exchange: gzip frames,
Ping/Pong, empty 200 answers, typed events, and a managed key lifecycle.
"""

from importlib.metadata import PackageNotFoundError, version

from . import events, policy
from .client import DEFAULT_BASE_URI, BingXClient
from .exceptions import (
    APIException,
    AuthenticationException,
    BingXException,
    InsufficientBalanceException,
    ListenKeyNotFound,
    NetworkException,
    RateLimitException,
    StreamException,
)
from .keeper import Transition, TransitionKind, UserDataStream
from .listen_key import LISTEN_KEY_PATH, ListenKeyService
from .stream import DEFAULT_STREAM_URL, AccountDataStream

try:
    __version__ = version("bingx-sim-client")
except PackageNotFoundError:  # a bare checkout on sys.path
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_BASE_URI",
    "DEFAULT_STREAM_URL",
    "LISTEN_KEY_PATH",
    "APIException",
    "AccountDataStream",
    "AuthenticationException",
    "BingXClient",
    "BingXException",
    "InsufficientBalanceException",
    "ListenKeyNotFound",
    "ListenKeyService",
    "NetworkException",
    "RateLimitException",
    "StreamException",
    "Transition",
    "TransitionKind",
    "UserDataStream",
    "events",
    "policy",
]
