"""The exchange's error codes and the exact body shape they travel in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Final

__all__ = ["ApiError", "error_body", "violation_text"]

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


def rate_limit_code(code_set: str) -> int:
    """The rate-limit code of a code set (``2025-10`` or ``legacy``)."""
    return RATE_LIMITED_2025 if code_set == "2025-10" else RATE_LIMITED


def rate_limit_error(code_set: str, reset_ms: int) -> ApiError:
    """The rate-limit error of a code set, as the rate-limit option answers it."""
    message = f"rate limited; unblocked after {reset_ms} ms"
    return ApiError(rate_limit_code(code_set), message, violation=False)


PATH_ERROR: Final = ApiError(PATH_NOT_FOUND, "api path does not exist or method not allowed")
