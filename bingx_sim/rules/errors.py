"""The exchange's error codes and the exact body shape they travel in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

__all__ = [
    "ApiError",
    "error_body",
    "error_lockout_error",
    "rate_limit_code",
    "rate_limit_error",
    "violation_text",
]

API_KEY_REJECTED: Final = 100413  # both "Null apiKey" and "Incorrect apiKey"
SIGNATURE_FAILED: Final = 100001
NULL_SIGNATURE: Final = 100412
TIMESTAMP_MISMATCH: Final = 100421
RATE_LIMITED: Final = 100410  # legacy; 109429 since 2025-10-16 (USDT-M)
RATE_LIMITED_2025: Final = 109429
PATH_NOT_FOUND: Final = 100404
INVALID_PARAMS_WS: Final = 80014
AUTHENTICATION_FAIL_WS: Final = 100401
ARGUMENTS_INVALID: Final = 100400
TOO_MANY_SOCKETS: Final = 100419

TIMESTAMP_MSG: Final = (
    "Null timestamp or timestamp mismatch, try to run our sample code from the link "
    "https://bingx-api.github.io/docs/#/en-us/spot/account-api.html#Query%20Assets"
)


@dataclass(frozen=True, slots=True)
class ApiError:
    """A business error as the exchange reports it; ``violation`` marks client mistakes."""

    code: int
    msg: str
    violation: bool = True


_LABELS: Final = {
    SIGNATURE_FAILED: "bad signature",
    NULL_SIGNATURE: "missing signature",
    TIMESTAMP_MISMATCH: "bad timestamp",
    API_KEY_REJECTED: "bad API key",
}


def violation_text(error: ApiError) -> str:
    """How a client mistake reads in the journal and in a strict failure: a plain label
    (what ``expect_errors("bad signature")`` matches) and the exchange's own message."""
    label = _LABELS.get(error.code)
    return f"{label}: {error.msg}" if label else error.msg


def error_body(error: ApiError, now_ms: int) -> bytes:
    """``{"code":..,"msg":..,"timestamp":..}``, the shape seen in real error bodies."""
    return json.dumps(
        {"code": error.code, "msg": error.msg, "timestamp": now_ms}, separators=(",", ":")
    ).encode()


NULL_API_KEY_ERROR: Final = ApiError(API_KEY_REJECTED, "Null apiKey")
INCORRECT_API_KEY_ERROR: Final = ApiError(API_KEY_REJECTED, "Incorrect apiKey")
SIGNATURE_ERROR: Final = ApiError(SIGNATURE_FAILED, "Signature verification failed")
NULL_SIGNATURE_ERROR: Final = ApiError(NULL_SIGNATURE, "Null signature")
TIMESTAMP_ERROR: Final = ApiError(TIMESTAMP_MISMATCH, TIMESTAMP_MSG)


def rate_limit_code(code_set: str, group: str = "") -> int:
    """The rate-limit code of a code set (``2025-10`` or ``legacy``) for an endpoint
    group: the listen-key endpoints answer 100410 in both (BingX's listen-key pages,
    scraped after the 2025-10-16 change, still list it); the USDT-M trading endpoints
    109429 since that change."""
    if group.startswith("listen-key") or code_set != "2025-10":
        return RATE_LIMITED
    return RATE_LIMITED_2025


def rate_limit_error(code_set: str, unblock_at_ms: int, group: str = "") -> ApiError:
    """Over the rate budget: the code of the group and BingX's lock-out text, with the
    absolute epoch-ms time the endpoint is unblocked."""
    message = (
        "The endpoint trigger frequency limit rule is currently in the disabled period "
        f"and will be unblocked after {unblock_at_ms}"
    )
    return ApiError(rate_limit_code(code_set, group), message, violation=False)


ERROR_LOCKED: Final = 100202


def error_lockout_error(threshold: int, window_ms: int, retry_at_ms: int) -> ApiError:
    """Too many erroneous requests to one endpoint: BingX's 100202 lock-out text."""
    message = (
        f"over {threshold} error code:{ERROR_LOCKED} requests within {window_ms} ms for this "
        f"api, can retry after time: {retry_at_ms}"
    )
    return ApiError(ERROR_LOCKED, message, violation=False)


PATH_ERROR: Final = ApiError(PATH_NOT_FOUND, "api path does not exist or method not allowed")
