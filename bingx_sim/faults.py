"""Injected failures: make the next matching REST call answer what the exchange would
answer on a bad day (a 5xx, a rate limit, a business error), without touching state.

Pure data, consulted by the REST handlers before the exchange is asked.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Fault", "FaultPlan"]


@dataclass(slots=True)
class Fault:
    """Answer the next ``times`` calls of ``method`` (``"*"``: any) with this response.

    With ``code`` set the body is the exchange's JSON error; otherwise ``body`` as given.
    """

    method: str
    status: int
    code: int | None = None
    msg: str = ""
    body: str = ""
    times: int = 1


class FaultPlan:
    def __init__(self) -> None:
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError("a fault must apply at least once")
        if not 100 <= fault.status <= 599:
            raise ValueError(f"{fault.status} is not an HTTP status")
        self._pending.append(fault)

    def take(self, method: str) -> Fault | None:
        """The first pending fault for ``method``, consumed once."""
        for fault in self._pending:
            if fault.method in ("*", method.upper()):
                fault.times -= 1
                if fault.times == 0:
                    self._pending.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self._pending.clear()
