"""Signed calls to the account model's REST endpoints, for our own wire tests: the
exchange's signing (sorted query, hex HMAC-SHA256, ``timestamp``), as a bot does it."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import urlencode

import requests

from bingx_clocks import wall_time_ms
from bingx_sim import Account, Simulator

__all__ = ["public", "signed"]


def signed(
    http: requests.Session,
    sim: Simulator,
    account: Account,
    method: str,
    path: str,
    **params: Any,
) -> dict[str, Any]:
    """One signed call; its JSON answer (HTTP 200 asserted: errors travel in the body)."""
    text = {
        k: ("true" if v is True else "false" if v is False else str(v)) for k, v in params.items()
    }
    text["timestamp"] = str(wall_time_ms())
    query = urlencode(sorted(text.items()))
    signature = hmac.new(account.api_secret.encode(), query.encode(), hashlib.sha256).hexdigest()
    response = http.request(
        method,
        f"{sim.rest_url}{path}?{query}&signature={signature}",
        headers={"X-BX-APIKEY": account.api_key},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert isinstance(answer, dict)
    return answer


def public(http: requests.Session, sim: Simulator, path: str, **params: Any) -> dict[str, Any]:
    response = http.get(f"{sim.rest_url}{path}", params=params)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert isinstance(answer, dict)
    return answer
