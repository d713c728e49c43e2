"""The incident lab's half of the ``Simulator`` facade: faults, key accidents and stubs.

Kept apart from :mod:`bingx_sim.runners.simulator` (the simulator's lifecycle and the exchange's
operations) so each stays readable. Like the rest of the facade, each method hands one
:class:`~bingx_sim.core.state.SimState` operation to the simulator's loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from bingx_sim import defaults
from bingx_sim.core.state import SimState
from bingx_sim.lab.faults import FaultSpec, RestError
from bingx_sim.lab.handles import FaultHandle, StubHandle
from bingx_sim.lab.stubs import Stub

__all__ = ["LabFacade"]

T = TypeVar("T")


class LabFacade:
    """Mixed into :class:`~bingx_sim.Simulator`, which provides :meth:`_apply`."""

    def _apply(self, name: str, op: Callable[[SimState], T], timeout: float) -> T:
        raise NotImplementedError  # Simulator's

    def fail_next(
        self,
        method: str = "*",
        *,
        status: int = 503,
        code: int | None = None,
        msg: str = "",
        body: str = "",
        times: int = 1,
    ) -> FaultHandle:
        """Shortcut for ``inject(RestError(...))``: the next ``times`` listen-key calls of
        ``method`` answer ``status`` with the exchange's JSON error when ``code`` is
        given, else ``body``."""
        return self.inject(
            RestError(method=method, status=status, code=code, msg=msg, body=body, times=times)
        )

    def inject(self, fault: FaultSpec) -> FaultHandle:
        """Add a fault (:mod:`bingx_sim.lab.faults`); its handle counts hits and clears it."""
        active = self._apply("inject", lambda s: s.inject(fault), defaults.FACADE_TIMEOUT)
        return FaultHandle(
            self,
            active.id,
            fault,
        )

    def stub(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        status: int = 200,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        times: int | None = None,
        signed: bool = False,
    ) -> StubHandle:
        """Answer another endpoint (markets, balance, ...) with ``json`` or ``body``.
        ``signed``: the call must be signed as the exchange requires; ``times`` set: a
        strict test fails if it is never called."""
        made = Stub(
            method=method,
            path=path,
            json=json,
            status=status,
            body=body,
            headers=dict(headers or {}),
            times=times,
            signed=signed,
        )
        active = self._apply("stub", lambda s: s.add_stub(made), defaults.FACADE_TIMEOUT)
        return StubHandle(
            self,
            active.id,
            made,
        )

    def active_faults(self) -> tuple[FaultHandle, ...]:
        """The faults still active, in injection order."""
        views = self._apply("active_faults", lambda s: list(s.faults), defaults.FACADE_TIMEOUT)
        return tuple(
            FaultHandle(
                self,
                a.id,
                a.spec,
            )
            for a in views
        )

    def clear_faults(self) -> int:
        """Clear every fault (hung calls are closed unanswered); how many were active."""
        return self._apply("clear_faults", SimState.clear_faults, defaults.FACADE_TIMEOUT)

    def expire(self, key: str) -> bool:
        """The key dies now, as on a natural expiry (``listenKeyExpired``, close)."""
        return self._apply("expire", lambda s: s.expire_key(key), defaults.FACADE_TIMEOUT)

    def forget(self, key: str) -> bool:
        """The exchange loses the key silently: PUT answers 404, nothing is pushed."""
        return self._apply("forget", lambda s: s.forget_key(key), defaults.FACADE_TIMEOUT)
