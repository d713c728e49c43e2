"""``FaultHandle``: what ``Simulator.inject`` returns, to watch and clear one fault."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import defaults
from .faults import FaultSpec

if TYPE_CHECKING:
    from .server import Simulator

__all__ = ["FaultHandle"]


class FaultHandle:
    """One injected fault: ``id``, the ``spec`` it was made from, how often it fired."""

    def __init__(self, sim: Simulator, fault_id: int, spec: FaultSpec) -> None:
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
