"""The listen-key rate limit, as BingX documents it: a budget of calls per second per
UID, a lock-out once it is exceeded, and two headers that tell a client where it stands.

Pure: every call takes both clocks. Calls are counted per *real* second (a frozen test
clock would otherwise make every call the same instant); the lock-out runs on the
*exchange* clock, so a test can jump past five minutes instead of waiting them
(``docs/contract.md``, "rate limit").
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["ErrorBudget", "RateBudget", "RateVerdict"]


@dataclass(frozen=True, slots=True)
class RateVerdict:
    """``allowed``; ``remaining`` calls in this second; ``reset_ms`` until the window
    (or the lock-out) ends: the ``X-RateLimit-Requests-Remain`` / ``-Expire`` headers."""

    allowed: bool
    remaining: int
    reset_ms: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Requests-Remain": str(self.remaining),
            "X-RateLimit-Requests-Expire": str(self.reset_ms),
        }


class RateBudget:
    """``per_second`` calls per account per real second; ``lockout_ms`` of exchange time
    refused once a call goes over (0: no lock-out, only that second's calls)."""

    def __init__(self, per_second: int, lockout_ms: int = 0) -> None:
        if per_second < 1 or lockout_ms < 0:
            raise ValueError("the rate limit must allow a call a second; lock-out >= 0")
        self.per_second = per_second
        self.lockout_ms = lockout_ms
        self._calls: dict[str, deque[int]] = {}
        self._locked_until: dict[str, int] = {}

    def check(self, api_key: str, real_ms: int, exchange_ms: int) -> RateVerdict:
        """Count one call (when allowed) and say whether it may proceed."""
        locked_until = self._locked_until.get(api_key, 0)
        if exchange_ms < locked_until:
            return RateVerdict(False, 0, locked_until - exchange_ms)
        window = self._calls.setdefault(api_key, deque())
        while window and window[0] <= real_ms - 1000:
            window.popleft()
        if len(window) >= self.per_second:
            if self.lockout_ms:  # after the lock-out the budget starts afresh
                self._locked_until[api_key] = exchange_ms + self.lockout_ms
                window.clear()
                return RateVerdict(False, 0, self.lockout_ms)
            return RateVerdict(False, 0, window[0] + 1000 - real_ms)
        window.append(real_ms)
        return RateVerdict(True, self.per_second - len(window), window[0] + 1000 - real_ms)

    def clear(self) -> None:
        self._calls.clear()
        self._locked_until.clear()


class ErrorBudget:
    """BingX's error-count lock-out, as we read its text ("over 20 error ...
    requests within 480000 ms for this api ... can retry after time: ..."): more than
    ``threshold`` erroneous requests of one account to one endpoint within ``window_ms``
    lock that endpoint for the account until the oldest of them leaves the window.
    Exchange clock, so a test jumps past it."""

    def __init__(self, threshold: int, window_ms: int) -> None:
        if threshold < 1 or window_ms < 1:
            raise ValueError("the error lock-out needs a threshold and a window of at least 1")
        self.threshold = threshold
        self.window_ms = window_ms
        self._errors: dict[str, deque[int]] = {}
        self._locked_until: dict[str, int] = {}

    def locked_until(self, api_key: str, exchange_ms: int) -> int | None:
        """When the lock on ``api_key`` ends (epoch ms), or ``None`` when not locked."""
        until = self._locked_until.get(api_key)
        if until is None or exchange_ms >= until:
            return None
        return until

    def record(self, api_key: str, exchange_ms: int) -> None:
        """Count one erroneous request; lock once there are too many in the window."""
        window = self._errors.setdefault(api_key, deque())
        while window and window[0] <= exchange_ms - self.window_ms:
            window.popleft()
        window.append(exchange_ms)
        if len(window) > self.threshold:
            self._locked_until[api_key] = window[0] + self.window_ms
            window.clear()

    def clear(self) -> None:
        self._errors.clear()
        self._locked_until.clear()
