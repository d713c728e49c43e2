"""Listen keys: the tokens that open the private account stream.

Shapes follow the ``bingx-python`` SDK (``generate()``, ``extend(k)``, ``delete(k)``, each
returning a dict) but accept what the real exchange sends: a bare ``{"listenKey": ..}``
on POST and an *empty* 200 on PUT and DELETE, on which that SDK raises.
"""

from __future__ import annotations

from typing import Any

from . import exceptions as exc
from ._http import Transport

__all__ = ["LISTEN_KEY_PATH", "ListenKeyService"]

LISTEN_KEY_PATH = "/openApi/user/auth/userDataStream"


class ListenKeyService:
    """Generate, extend and delete listen keys. The same path serves every product
    (USDT-M, coin-M, spot), so one service serves them all."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def generate(self) -> dict[str, Any]:
        """POST: a new key valid for 60 minutes, as ``{"listenKey": "<64 hex>"}``."""
        status, data = self._transport.request("POST", LISTEN_KEY_PATH)
        key = data.get("listenKey")
        inner = data.get("data")
        if key is None and isinstance(inner, dict):  # the wrapped shape some docs show
            key = inner.get("listenKey")
        if not isinstance(key, str) or not key:
            raise exc.APIException(
                f"the exchange answered POST with HTTP {status} and no listenKey",
                None,
                data,
                status=status,
            )
        return {**data, "listenKey": key}

    def _change(self, method: str, listen_key: str) -> dict[str, Any]:
        if not listen_key:
            raise ValueError("listen_key must be a non-empty string")
        try:
            status, data = self._transport.request(
                method, LISTEN_KEY_PATH, {"listenKey": listen_key}
            )
        except exc.APIException as error:
            if error.status == 404:
                raise exc.ListenKeyNotFound(
                    f"listen key {listen_key[:8]}… is expired, deleted or unknown",
                    error.api_code,
                    error.response_data,
                    status=404,
                    body=error.body,
                ) from error
            raise
        if status == 204:
            raise exc.APIException(
                "the exchange saw no listenKey parameter (HTTP 204)", None, data, status=204
            )
        return data

    def extend(self, listen_key: str) -> dict[str, Any]:
        """PUT: the key now expires 60 minutes from this call. ``{}`` on the usual empty 200.

        Raises :class:`~bingx.exceptions.ListenKeyNotFound` once the key is gone.
        """
        return self._change("PUT", listen_key)

    def delete(self, listen_key: str) -> dict[str, Any]:
        """DELETE: the key is dead at once and its streams stop."""
        return self._change("DELETE", listen_key)
