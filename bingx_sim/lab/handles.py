"""Handles: what ``Simulator.inject`` and ``Simulator.stub`` return, to see how often
the fault fired or the stub was called, and to clear it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bingx_sim import defaults
from bingx_sim.lab.faults import FaultSpec
from bingx_sim.lab.stubs import Stub

if TYPE_CHECKING:
    from bingx_sim.runners.lab_facade import LabFacade

__all__ = ["FaultHandle", "StubHandle"]


class FaultHandle:
    """One injected fault: ``id``, the ``spec`` it was made from, how often it fired."""

    def __init__(self, sim: LabFacade, fault_id: int, spec: FaultSpec) -> None:
        self._sim = sim
        self.id = fault_id
        self.spec = spec

    @property
    def hits(self) -> int:
        """How many times it has fired so far."""
        fault_id = self.id
        return self._sim._apply(
            "fault hits", lambda s: s.fault_hits(fault_id), defaults.FACADE_TIMEOUT
        )

    def clear(self) -> bool:
        """Stop it now (hung calls are closed unanswered); False if it was not active."""
        fault_id = self.id
        return self._sim._apply(
            "clear fault", lambda s: s.clear_fault(fault_id), defaults.FACADE_TIMEOUT
        )

    def __repr__(self) -> str:
        return f"<FaultHandle #{self.id} {self.spec!r}>"


class StubHandle:
    """One stub: ``id``, the ``stub`` it was made from, how often it was called."""

    def __init__(self, sim: LabFacade, stub_id: int, stub: Stub) -> None:
        self._sim = sim
        self.id = stub_id
        self.stub = stub

    @property
    def hits(self) -> int:
        stub_id = self.id
        return self._sim._apply(
            "stub hits", lambda s: s.stub_hits(stub_id), defaults.FACADE_TIMEOUT
        )

    def clear(self) -> bool:
        """Stop answering with it; False if it was not active."""
        stub_id = self.id
        return self._sim._apply(
            "clear stub", lambda s: s.stubs.remove(stub_id), defaults.FACADE_TIMEOUT
        )

    def __repr__(self) -> str:
        return f"<StubHandle #{self.id} {self.stub.method} {self.stub.path}>"
