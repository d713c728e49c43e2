"""``BingXClient``: the entry point, shaped like the ``bingx-python`` SDK's."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Self

import requests

from ._http import Transport
from .listen_key import ListenKeyService

__all__ = ["DEFAULT_BASE_URI", "BingXClient"]

DEFAULT_BASE_URI = "https://open-api.bingx.com"


class BingXClient:
    """Signed access to the exchange's REST API for one API key pair.

    ``base_uri`` defaults to ``$BINGX_BASE_URL``, else the real exchange (the
    ``bingx_sim`` fixtures set it, so a test that forgets it reaches the simulator).
    ``signature_encoding`` is ``"hex"`` (what the exchange documents) or ``"base64"``.
    ``recv_window`` (ms) is sent with every request when set. A ``session`` you pass in
    is yours: :meth:`close` leaves it open. A client of a loopback address (the
    simulator) ignores proxy environment variables and ``.netrc``.
    """

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        base_uri: str | None = None,
        *,
        source_key: str | None = None,
        signature_encoding: str = "hex",
        timeout: float = 10,
        recv_window: int | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self._transport = Transport(
            api_key,
            api_secret,
            base_uri or os.environ.get("BINGX_BASE_URL") or DEFAULT_BASE_URI,
            source_key=source_key,
            signature_encoding=signature_encoding,
            timeout=timeout,
            recv_window=recv_window,
            session=session,
        )
        self._listen_keys = ListenKeyService(self._transport)

    @property
    def api_key(self) -> str:
        return self._transport.api_key

    @property
    def base_uri(self) -> str:
        return self._transport.base_uri

    def listen_key(self) -> ListenKeyService:
        return self._listen_keys

    def close(self) -> None:
        """Release the HTTP connection pool. Idempotent."""
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
