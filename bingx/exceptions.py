"""The error hierarchy of the ``bingx-python`` SDK, plus what that SDK could not tell you.

Every exception carries the HTTP ``status``, the exchange's ``code`` and ``msg`` and the
raw ``body``, so a caller can log exactly what the exchange said. The SDK's names and
constructor shapes are kept so code written against it keeps catching the same things.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIException",
    "AuthenticationException",
    "BingXException",
    "InsufficientBalanceException",
    "ListenKeyNotFound",
    "NetworkException",
    "RateLimitException",
    "StreamException",
]


class BingXException(Exception):
    """Base of every error this client raises."""

    def __init__(
        self,
        message: str,
        code: int | None = None,
        original_exception: BaseException | None = None,
        response_data: dict[str, Any] | None = None,
        *,
        status: int | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.original_exception = original_exception
        self.response_data: dict[str, Any] = response_data or {}
        self.status = status
        self.body = body

    @property
    def msg(self) -> str:
        """The exchange's own ``msg`` when it sent one, else this error's message."""
        value = self.response_data.get("msg")
        return value if isinstance(value, str) else self.message

    def __str__(self) -> str:
        parts = [f"[{self.code}]"] if self.code is not None else []
        if self.status is not None:
            parts.append(f"HTTP {self.status}:")
        parts.append(self.message)
        return " ".join(parts)


class APIException(BingXException):
    """The exchange answered with a non-zero ``code`` (or an unexpected status)."""

    def __init__(
        self,
        message: str,
        code: str | int | None = None,
        response_data: dict[str, Any] | None = None,
        *,
        status: int | None = None,
        body: str | None = None,
    ) -> None:
        numeric = int(code) if code is not None and str(code).lstrip("-").isdigit() else None
        super().__init__(message, numeric, None, response_data, status=status, body=body)
        self.api_code = None if code is None else str(code)


class AuthenticationException(APIException):
    """Bad or unknown API key, bad signature, stale timestamp, IP not whitelisted."""


class RateLimitException(APIException):
    """The exchange throttled the caller (109429 or the legacy 100410, or HTTP 429/418)."""


class InsufficientBalanceException(APIException):
    """Not enough funds for the request."""


class ListenKeyNotFound(APIException):
    """The exchange no longer knows this listen key: expired, deleted or never issued.

    The only cure is a new key (POST); extending cannot revive it.
    """


class NetworkException(BingXException):
    """The request never got an answer: connection refused, reset, timed out."""


class StreamException(BingXException):
    """The account websocket could not be opened or broke."""
