"""``from bingx.websocket import AccountDataStream``, the import path the SDK's users know."""

from ..stream import DEFAULT_STREAM_URL, AccountDataStream

__all__ = ["DEFAULT_STREAM_URL", "AccountDataStream"]
