"""Faults: the exchange's bad days, on demand, deterministic.

Each fault is a frozen, keyword-only dataclass: *what* goes wrong, for *whom*
(``account``: an API key or :class:`~bingx_sim.Account`; ``None``: everyone) and *how
many times* (``times``; ``None``: until cleared). Nothing is random and nothing depends
on a real-time window (delays aside). The wire adapters consult the :class:`FaultPlan`
at the one place each fault can act, and every firing is journaled (``FaultFired``).

What one "time" is depends on the fault: one REST call, one socket, one frame, one
upgrade. A fault injected with ``times`` set is *required* to fire: a strict test fails
at teardown naming it if it never did, unless it was injected with ``required=False``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields
from fnmatch import fnmatchcase
from typing import Any, ClassVar, Literal

from bingx_sim.rules.listen_keys import LISTEN_KEY_PATH

__all__ = [
    "FAULT_TYPES",
    "ActiveFault",
    "CorruptFrame",
    "DelayFrames",
    "Drop",
    "DuplicateFrame",
    "Fault",
    "FaultPlan",
    "FaultSpec",
    "IgnorePongs",
    "LoseEvents",
    "RefuseConnect",
    "ReorderEvents",
    "RestDelay",
    "RestError",
    "RestHang",
    "RestReset",
    "Silence",
    "SuppressTriggered",
    "fault_from_json",
]


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


FAULT_TYPES: dict[str, type[FaultSpec]] = {}
"""Faults by their snake_case name, as the control API takes them (``rest_error``);
filled as each fault class is declared."""


def _api_key(account: object) -> str | None:
    if account is None or isinstance(account, str):
        return account
    key = getattr(account, "api_key", None)
    return key if isinstance(key, str) else None


@dataclass(frozen=True, kw_only=True)
class FaultSpec:
    """What every fault has: whom it hits, how often, and whether it must fire."""

    account: Any = None  # an API key, an Account, or None for every account
    times: int | None = 1
    required: bool = True
    scope: ClassVar[str] = ""  # what one "time" is, for messages and docs

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every public fault joins :data:`FAULT_TYPES` where it is declared, by its
        snake_case name: a fault is written once (and listed in ``__all__``)."""
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            FAULT_TYPES[_snake(cls.__name__)] = cls

    def __post_init__(self) -> None:
        if self.times is not None and (isinstance(self.times, bool) or self.times < 1):
            raise ValueError("times must be a positive count, or None for until cleared")
        if self.account is not None and _api_key(self.account) is None:
            raise TypeError("account must be an API key, an Account, or None")

    @property
    def api_key(self) -> str | None:
        return _api_key(self.account)

    @property
    def name(self) -> str:
        return type(self).__name__


def _method(value: str) -> str:
    method = value.upper()
    if method not in ("*", "POST", "PUT", "DELETE", "GET"):
        raise ValueError(f"method {value!r} is not *, POST, PUT or DELETE")
    return method


# REST: one time = one listen-key call -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _RestFault(FaultSpec):
    """A fault on REST calls of ``method`` (``"*"``: any) to ``path``: the listen-key
    endpoint by default (what these faults hit before the account model existed), any
    endpoint with ``"*"``, or a shell-style pattern (``/openApi/swap/v2/trade/*``)."""

    method: str = "*"
    path: str = LISTEN_KEY_PATH
    scope: ClassVar[str] = "call"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "method", _method(self.method))
        if not isinstance(self.path, str) or not (self.path == "*" or self.path.startswith("/")):
            raise ValueError(f"path {self.path!r} is not '*' or a path starting with /")

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a call of ``method`` to ``path``."""
        if self.method not in ("*", method.upper()):
            return False
        return self.path == "*" or fnmatchcase(path, self.path)


@dataclass(frozen=True, kw_only=True)
class RestError(_RestFault):
    """Answer with ``status`` and the exchange's JSON error when ``code`` is set, else
    ``body`` verbatim (empty when ``None``)."""

    status: int = 200
    code: int | None = None
    msg: str = ""
    body: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 100 <= self.status <= 599:
            raise ValueError(f"{self.status} is not an HTTP status")


@dataclass(frozen=True, kw_only=True)
class RestDelay(_RestFault):
    """Answer ``seconds`` (real time) late; the loop serves everyone else meanwhile."""

    seconds: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.seconds <= 3600:
            raise ValueError("seconds must be between 0 and 3600")


@dataclass(frozen=True, kw_only=True)
class RestReset(_RestFault):
    """Close the connection without an answer."""


@dataclass(frozen=True, kw_only=True)
class RestHang(_RestFault):
    """Never answer; the connection is closed unanswered when the fault is cleared or
    the simulator reset or stopped."""


# account stream -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Drop(FaultSpec):
    """Close sockets: the open ones now, then each new one as it opens, until ``times``
    are used. ``code=None`` cuts the TCP connection with no close frame (the client sees
    1006), as the exchange does to peers it gives up on."""

    code: int | None = None
    reason: str = ""
    scope: ClassVar[str] = "socket"


@dataclass(frozen=True, kw_only=True)
class Silence(FaultSpec):
    """The socket stays open and sends nothing (``pings``: no heartbeat; ``events``:
    no pushes): a half-open socket. Lasts while the fault is active."""

    pings: bool = True
    events: bool = True
    scope: ClassVar[str] = "socket"


@dataclass(frozen=True, kw_only=True)
class IgnorePongs(FaultSpec):
    """The server stops counting Pongs on the socket, so it closes it after its Pong
    timeout although the client answers every Ping."""

    scope: ClassVar[str] = "socket"


@dataclass(frozen=True, kw_only=True)
class CorruptFrame(FaultSpec):
    """The next event frames arrive damaged: ``gzip`` (a binary frame that does not
    inflate), ``truncated`` (gzip cut short) or ``text`` (a text frame that is not JSON)."""

    kind: Literal["gzip", "truncated", "text"] = "gzip"
    scope: ClassVar[str] = "frame"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kind not in ("gzip", "truncated", "text"):
            raise ValueError("kind is one of gzip, truncated, text")


@dataclass(frozen=True, kw_only=True)
class DelayFrames(FaultSpec):
    """The next event frames are written ``seconds`` (real time) late, in order."""

    seconds: float
    scope: ClassVar[str] = "frame"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.seconds <= 3600:
            raise ValueError("seconds must be between 0 and 3600")


@dataclass(frozen=True, kw_only=True)
class DuplicateFrame(FaultSpec):
    """The next event frames are sent twice (``listenKeyExpired`` included)."""

    scope: ClassVar[str] = "frame"


@dataclass(frozen=True, kw_only=True)
class LoseEvents(FaultSpec):
    """The next events are not delivered, as on a lossy parallel socket."""

    scope: ClassVar[str] = "frame"


@dataclass(frozen=True, kw_only=True)
class ReorderEvents(FaultSpec):
    """The next event frames arrive out of order: each is held back and sent right
    after the event that follows it (a swapped pair), as two sockets of a load balancer
    can deliver. A frame still held when the fault is cleared is sent then."""

    scope: ClassVar[str] = "frame"


@dataclass(frozen=True, kw_only=True)
class SuppressTriggered(FaultSpec):
    """The ``ORDER_TRADE_UPDATE`` frames of triggered stop and take-profit orders are
    never pushed, though the order fills and REST shows it (reported on BingX in 2026:
    no order update when a stop-loss or take-profit triggers). One time is one frame;
    until cleared by default."""

    times: int | None = None
    scope: ClassVar[str] = "event"


@dataclass(frozen=True, kw_only=True)
class RefuseConnect(FaultSpec):
    """The next upgrades are refused: with HTTP ``status``, or (``None``) accepted, then
    the exchange's 100401 error frame and a close."""

    status: int | None = None
    scope: ClassVar[str] = "upgrade"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError("status must be a 4xx or 5xx HTTP status, or None")


Fault = FaultSpec
"""Any fault (every one is a :class:`FaultSpec`)."""


def fault_from_json(body: dict[str, Any]) -> FaultSpec:
    """``{"type": "rest_error", ...fields}`` to a fault; ``ValueError`` with a reason."""
    kind = body.get("type")
    cls = FAULT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(
            f"type {kind!r} is not a fault: type must be one of {', '.join(sorted(FAULT_TYPES))}"
        )
    names = {f.name for f in fields(cls)}
    unknown = set(body) - names - {"type"}
    if unknown:
        raise ValueError(f"{kind} takes no {', '.join(sorted(unknown))}")
    try:
        return cls(**{k: v for k, v in body.items() if k != "type"})
    except TypeError as error:
        raise ValueError(f"{kind}: {error}") from None


# the plan ---------------------------------------------------------------------------------

_ids = itertools.count(1)


@dataclass(eq=False)
class ActiveFault:
    """An injected fault: its id, how often it fired, and how often it still may."""

    spec: FaultSpec
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0
    cleared: bool = False

    @property
    def remaining(self) -> int | None:
        return None if self.spec.times is None else self.spec.times - self.hits

    @property
    def spent(self) -> bool:
        return self.remaining == 0

    def view(self) -> dict[str, Any]:
        """What the control API and ``active_faults()`` show."""
        spec = {f.name: getattr(self.spec, f.name) for f in fields(self.spec)}
        spec["account"] = self.spec.api_key
        return {"id": self.id, "type": _snake(self.spec.name), "hits": self.hits} | spec


class FaultPlan:
    """The active faults, in injection order. Lives on the simulator's loop thread."""

    def __init__(self) -> None:
        self._active: list[ActiveFault] = []
        self.finished: list[ActiveFault] = []  # spent or cleared, kept for strictness

    @property
    def empty(self) -> bool:
        """No fault injected since the last :meth:`forget`."""
        return not self._active and not self.finished

    def __bool__(self) -> bool:
        """Some fault is active (the hot paths skip every lookup when none is)."""
        return bool(self._active)

    def add(self, spec: FaultSpec) -> ActiveFault:
        active = ActiveFault(spec)
        self._active.append(active)
        return active

    def __iter__(self) -> Any:
        return iter(list(self._active))

    def find(
        self,
        kind: type[FaultSpec] | tuple[type[FaultSpec], ...],
        api_key: str | None,
        method: str | None = None,
        path: str | None = None,
    ) -> ActiveFault | None:
        """The first active fault of ``kind`` for this account (and, for REST faults,
        the call's ``method`` and ``path``)."""
        for active in self._active:
            spec = active.spec
            if not isinstance(spec, kind):
                continue
            if spec.api_key is not None and spec.api_key != api_key:
                continue
            if (
                method is not None
                and isinstance(spec, _RestFault)
                and not spec.matches(method, path or LISTEN_KEY_PATH)
            ):
                continue
            return active
        return None

    def fire(self, active: ActiveFault) -> None:
        """Count one firing; a spent fault leaves the plan."""
        active.hits += 1
        if active.spent and active in self._active:
            self._active.remove(active)
            self.finished.append(active)

    def hits(self, fault_id: int) -> int:
        """How often fault ``fault_id`` fired (active, spent or cleared)."""
        for active in (*self._active, *self.finished):
            if active.id == fault_id:
                return active.hits
        raise KeyError(f"no fault #{fault_id}")

    def remove(self, fault_id: int) -> ActiveFault | None:
        for active in self._active:
            if active.id == fault_id:
                self._active.remove(active)
                self.finished.append(active)
                active.cleared = True
                return active
        return None

    def clear(self) -> list[ActiveFault]:
        cleared, self._active = self._active, []
        self.finished.extend(cleared)
        for active in cleared:
            active.cleared = True
        return cleared

    def unfired(self) -> list[ActiveFault]:
        """Required faults with a count that never fired (active or cleared)."""
        return [
            a
            for a in (*self.finished, *self._active)
            if a.spec.required and a.spec.times is not None and a.hits == 0
        ]

    def forget(self) -> None:
        self._active.clear()
        self.finished.clear()
