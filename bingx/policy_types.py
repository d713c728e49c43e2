"""The keeper policy's vocabulary: what it observes and what it asks for, as frozen
dataclasses, and the transition kinds it notes. Kept apart from :mod:`bingx.policy`
(the rules) so each module stays readable. This is each name's one home and ``__all__``
their one list: :mod:`bingx.policy` re-exports every name in it (``from .policy_types
import *``), so ``bingx.policy.Connected`` and ``bingx.policy_types.Connected`` are the
same class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

__all__ = [
    "TRANSITION_KINDS",
    "Action",
    "Connect",
    "ConnectFailed",
    "Connected",
    "Delete",
    "DeleteFailed",
    "Deleted",
    "Disconnect",
    "Dropped",
    "Extend",
    "ExtendFailed",
    "Extended",
    "Generate",
    "GenerateFailed",
    "Generated",
    "KeyExpired",
    "Note",
    "Now",
    "Observation",
    "Phase",
    "TransitionKind",
]

TransitionKind = Literal[
    "connected",
    "extended",
    "extend_failed",
    "expired",
    "renewed",
    "renew_failed",
    "dropped",
    "reconnected",
    "reconnect_failed",
    "closed",
]
TRANSITION_KINDS: frozenset[str] = frozenset(get_args(TransitionKind))

Phase = Literal["new", "need_key", "checking", "need_connect", "connected", "closing", "closed"]


@dataclass(frozen=True, slots=True)
class Now:
    """When an observation happened: wall-clock ms (schedule) and monotonic s (waits)."""

    wall_ms: int
    mono: float


# actions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Generate:
    """POST a new listen key."""


@dataclass(frozen=True, slots=True)
class Extend:
    """PUT the key; ``check`` when it asks whether the key survived a drop or refusal."""

    key: str
    check: bool = False


@dataclass(frozen=True, slots=True)
class Delete:
    key: str


@dataclass(frozen=True, slots=True)
class Connect:
    """Open the account socket; ``attempt`` tags what the socket later reports."""

    key: str
    attempt: int


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Close the current socket, if any (it is no longer wanted)."""


@dataclass(frozen=True, slots=True)
class Note:
    """Record a lifecycle transition for the user."""

    kind: TransitionKind
    key: str
    detail: str = ""


Action = Generate | Extend | Delete | Connect | Disconnect | Note

# observations ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Generated:
    key: str


@dataclass(frozen=True, slots=True)
class GenerateFailed:
    reason: str


@dataclass(frozen=True, slots=True)
class Extended:
    key: str


@dataclass(frozen=True, slots=True)
class ExtendFailed:
    """``not_found``: the exchange answered 404, the key is dead."""

    key: str
    reason: str
    not_found: bool = False


@dataclass(frozen=True, slots=True)
class Deleted:
    """The key is gone: deleted now, or (``already_gone``, a 404) before."""

    key: str
    already_gone: bool = False


@dataclass(frozen=True, slots=True)
class DeleteFailed:
    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class Connected:
    key: str
    attempt: int


@dataclass(frozen=True, slots=True)
class ConnectFailed:
    """Refused (an HTTP status on the upgrade) or unreachable; either way the key's
    fate is unknown until asked."""

    key: str
    attempt: int
    reason: str


@dataclass(frozen=True, slots=True)
class Dropped:
    """The socket of ``attempt`` closed or went idle, whoever ended it."""

    key: str
    attempt: int
    reason: str


@dataclass(frozen=True, slots=True)
class KeyExpired:
    """A ``listenKeyExpired`` event for ``key``."""

    key: str


Observation = (
    Generated
    | GenerateFailed
    | Extended
    | ExtendFailed
    | Deleted
    | DeleteFailed
    | Connected
    | ConnectFailed
    | Dropped
    | KeyExpired
)
