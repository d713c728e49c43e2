"""Signed requests to the exchange and the mapping of its answers to exceptions.

Signing follows the exchange's rule (``docs/contract.md``, "signing"): HMAC-SHA256 over the
parameters exactly as sent, in the order sent, with ``signature`` appended last in the
query string. Nothing goes in the body, so there is no ambiguity about what was signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from bingx_clocks import wall_time_ms

from . import exceptions as exc

__all__ = ["Transport", "sign"]

_AUTH_CODES = frozenset({100001, 100004, 100412, 100413, 100419, 100421})
_RATE_CODES = frozenset({100410, 109429})
_BALANCE_CODES = frozenset({100202, 200001})
_RATE_STATUSES = frozenset({418, 429})


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def _escape(value: str) -> str:
    """Percent-encode ``value`` for the query (RFC 3986 unreserved characters stay);
    keys, timestamps and hex signatures have nothing to encode, and skipping ``quote``
    for them is a measurable part of a call."""
    return value if _UNRESERVED.fullmatch(value) else quote(value, safe="")


def _is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sign(secret: str, payload: str, encoding: str = "hex") -> str:
    """HMAC-SHA256 of ``payload``: lowercase hex (the exchange's documented form) or base64."""
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256)
    if encoding == "base64":
        return base64.b64encode(digest.digest()).decode()
    if encoding != "hex":
        raise ValueError(f"signature_encoding must be 'hex' or 'base64', not {encoding!r}")
    return digest.hexdigest()


def _error_for(status: int, data: dict[str, Any], body: str) -> exc.APIException:
    code = data.get("code")
    message = str(data.get("msg") or f"HTTP {status}")
    numeric = code if isinstance(code, int) else None
    kind: type[exc.APIException] = exc.APIException
    if numeric in _AUTH_CODES:
        kind = exc.AuthenticationException
    elif numeric in _RATE_CODES or status in _RATE_STATUSES:
        kind = exc.RateLimitException
    elif numeric in _BALANCE_CODES:
        kind = exc.InsufficientBalanceException
    return kind(message, code, data, status=status, body=body)


class Transport:
    """One API key pair, one ``requests`` session, signed calls, typed errors."""

    def __init__(
        self,
        api_key: str,
        api_secret: str,
        base_uri: str,
        *,
        source_key: str | None,
        signature_encoding: str,
        timeout: float,
        recv_window: int | None,
        session: requests.Session | None,
    ) -> None:
        sign(api_secret, "", signature_encoding)  # validates the encoding early
        self.api_key = api_key
        self.api_secret = api_secret
        self.base_uri = base_uri.rstrip("/")
        self.source_key = source_key
        self.signature_encoding = signature_encoding
        self.timeout = timeout
        self.recv_window = recv_window
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        if session is None and _is_loopback(self.base_uri):
            # A local simulator: no proxy belongs between a test and it, and consulting
            # the proxy variables and .netrc costs requests a third of every call.
            self.session.trust_env = False

    def close(self) -> None:
        if self._owns_session:
            self.session.close()

    def _query(self, params: dict[str, Any]) -> str:
        pairs = [(k, str(v)) for k, v in params.items()]
        pairs.append(("timestamp", str(wall_time_ms())))  # the freeze's time, any thread
        if self.recv_window is not None:
            pairs.append(("recvWindow", str(self.recv_window)))
        query = "&".join(f"{k}={_escape(v)}" for k, v in pairs)
        signature = sign(self.api_secret, query, self.signature_encoding)
        return f"{query}&signature={_escape(signature)}"

    def request(
        self, method: str, path: str, params: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Send one signed request; return (status, parsed body or ``{}`` when empty).

        Raises the mapped :mod:`bingx.exceptions` error for a non-zero ``code``, and
        :class:`~bingx.exceptions.NetworkException` when no answer came. Never retries:
        a POST that timed out may have minted a key, and only the caller knows whether a
        second one is acceptable.
        """
        url = f"{self.base_uri}{path}?{self._query(params or {})}"
        headers = {"X-BX-APIKEY": self.api_key}
        if self.source_key:
            headers["X-SOURCE-KEY"] = self.source_key
        try:
            response = self.session.request(method, url, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise exc.NetworkException(
                f"{method} {path} failed: {error}", original_exception=error
            ) from error
        body = response.text
        data: dict[str, Any] = {}
        if body.strip():
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise exc.APIException(
                    f"unexpected non-JSON answer to {method} {path}",
                    None,
                    {"raw": body},
                    status=response.status_code,
                    body=body,
                )
            data = parsed
        code = data.get("code", 0)
        if code not in (0, "0", None) or response.status_code >= 400:
            raise _error_for(response.status_code, data, body)
        return response.status_code, data
