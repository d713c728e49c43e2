"""Handles: what ``Simulator.inject`` and ``Simulator.stub`` return, to see how often
the fault fired or the stub was called, and to clear it."""

from __future__ import annotations

from typing import Protocol

from bingx_sim.lab.faults import FaultSpec
from bingx_sim.lab.stubs import Stub


class Lab(Protocol):
    """What a handle needs of the simulator: its public lab operations."""

    def fault_hits(self, fault_id: int) -> int: ...
    def clear_fault(self, fault_id: int) -> bool: ...
    def stub_hits(self, stub_id: int) -> int: ...
    def clear_stub(self, stub_id: int) -> bool: ...


__all__ = ["FaultHandle", "Lab", "StubHandle"]


class FaultHandle:
    """One injected fault: ``id``, the ``spec`` it was made from, how often it fired."""

    def __init__(self, sim: Lab, fault_id: int, spec: FaultSpec) -> None:
        self._sim = sim
        self.id = fault_id
        self.spec = spec

    @property
    def hits(self) -> int:
        """How many times it has fired so far."""
        return self._sim.fault_hits(self.id)

    def clear(self) -> bool:
        """Stop it now (hung calls are closed unanswered); False if it was not active."""
        return self._sim.clear_fault(self.id)

    def __repr__(self) -> str:
        return f"<FaultHandle #{self.id} {self.spec!r}>"


class StubHandle:
    """One stub: ``id``, the ``stub`` it was made from, how often it was called."""

    def __init__(self, sim: Lab, stub_id: int, stub: Stub) -> None:
        self._sim = sim
        self.id = stub_id
        self.stub = stub

    @property
    def hits(self) -> int:
        return self._sim.stub_hits(self.id)

    @property
    def label(self) -> str:
        """How the journal (``RestCall.stub``) and strict failures name it."""
        return f"stub #{self.id} {self.stub.label}"

    def clear(self) -> bool:
        """Stop answering with it; False if it was not active."""
        return self._sim.clear_stub(self.id)

    def __repr__(self) -> str:
        return f"<StubHandle {self.label}>"
