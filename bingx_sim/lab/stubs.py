"""Stubs: answers for the other endpoints a real bot calls (markets, balance, positions),
so a client can run against the simulator unchanged. Pure data and matching; the REST
adapter answers with them (``rest.unknown_path``) and journals each call.

Like pytest-httpserver's ``expect_request(...).respond_with_json(...)``: a stub with
``times`` set that is never called fails a strict test at teardown.
"""

from __future__ import annotations

import itertools
import json as _json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ActiveStub", "Stub", "StubPlan", "stub_from_json"]

_METHODS = frozenset({"*", "GET", "POST", "PUT", "DELETE", "PATCH"})


@dataclass(frozen=True, kw_only=True)
class Stub:
    """Answer ``method`` (``*``: any) on ``path`` with ``status`` and ``json`` (or
    ``body`` verbatim) plus ``headers``, ``times`` times (``None``: until cleared).
    ``signed``: the request must carry a valid ``timestamp`` and ``signature``, checked
    as the exchange checks them (its error otherwise)."""

    method: str
    path: str
    json: Any = None
    status: int = 200
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None
    signed: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", self.method.upper())
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {', '.join(sorted(_METHODS))}")
        if not self.path.startswith("/"):
            raise ValueError("path must start with /")
        if not 100 <= self.status <= 599:
            raise ValueError(f"{self.status} is not an HTTP status")
        if self.json is not None and self.body is not None:
            raise ValueError("give json or body, not both")
        if self.times is not None and (isinstance(self.times, bool) or self.times < 1):
            raise ValueError("times must be a positive count, or None for until cleared")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in self.headers.items()):
            raise ValueError("headers must map strings to strings")
        _json.dumps(self.json)  # not JSON-serialisable: TypeError now, not at answer time

    def payload(self) -> tuple[bytes, str]:
        """The body and its content type."""
        if self.body is not None:
            return self.body.encode(), "text/plain"
        return _json.dumps(self.json, separators=(",", ":")).encode(), "application/json"


_ids = itertools.count(1)


@dataclass(eq=False)
class ActiveStub:
    stub: Stub
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0

    def view(self) -> dict[str, Any]:
        stub = self.stub
        return {
            "id": self.id,
            "hits": self.hits,
            "method": stub.method,
            "path": stub.path,
            "status": stub.status,
            "times": stub.times,
            "signed": stub.signed,
        }


class StubPlan:
    """The stubs, in the order they were added (the first match answers)."""

    def __init__(self) -> None:
        self._active: list[ActiveStub] = []
        self._done: list[ActiveStub] = []

    @property
    def empty(self) -> bool:
        """No stub added since the last :meth:`forget`."""
        return not self._active and not self._done

    def add(self, stub: Stub) -> ActiveStub:
        active = ActiveStub(stub)
        self._active.append(active)
        return active

    def __iter__(self) -> Any:
        return iter(list(self._active))

    def match(self, method: str, path: str) -> ActiveStub | None:
        """The first stub for this call, counted; a spent one leaves the plan."""
        for active in self._active:
            stub = active.stub
            if stub.path == path and stub.method in ("*", method.upper()):
                active.hits += 1
                if stub.times is not None and active.hits >= stub.times:
                    self._active.remove(active)
                    self._done.append(active)
                return active
        return None

    def hits(self, stub_id: int) -> int:
        """How often stub ``stub_id`` answered (active or spent)."""
        for active in (*self._active, *self._done):
            if active.id == stub_id:
                return active.hits
        raise KeyError(f"no stub #{stub_id}")

    def remove(self, stub_id: int) -> bool:
        for active in self._active:
            if active.id == stub_id:
                self._active.remove(active)
                self._done.append(active)
                return True
        return False

    def clear(self) -> int:
        cleared = len(self._active)
        self._done.extend(self._active)
        self._active = []
        return cleared

    def unused(self) -> list[str]:
        """Stubs with ``times`` set that were never called (strictness)."""
        return [
            f"stub #{a.id} {a.stub.method} {a.stub.path} (times={a.stub.times}) was never "
            "called: the test expected it to be"
            for a in (*self._done, *self._active)
            if a.stub.times is not None and a.hits == 0
        ]

    def forget(self) -> None:
        self._active.clear()
        self._done.clear()


def stub_from_json(body: dict[str, Any]) -> Stub:
    """A control-API body to a stub; ``ValueError`` with a reason."""
    allowed = {"method", "path", "json", "status", "body", "headers", "times", "signed"}
    unknown = set(body) - allowed
    if unknown:
        raise ValueError(f"a stub takes no {', '.join(sorted(unknown))}")
    if not isinstance(body.get("method"), str) or not isinstance(body.get("path"), str):
        raise ValueError("a stub needs a method and a path (strings)")
    try:
        return Stub(**body)
    except TypeError as error:
        raise ValueError(str(error)) from None
