"""Every behaviour of the real exchange that public sources leave open, as one knob each.

``docs/contract.md`` records each default, the evidence behind it and its
source. A user who learns what the real exchange does differently flips one field.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from bingx_sim.rules.profiles import PROFILES

__all__ = ["ContractOptions", "option_names"]

PostShape = Literal["flat", "wrapped"]
PostExisting = Literal["new", "same"]
SuccessBody = Literal["empty", "json", "envelope"]
KeySource = Literal["query", "query+body"]
SignatureMode = Literal["off", "verify-if-present", "required"]
SignaturePayload = Literal["as-sent", "sorted", "either"]
OnExpiry = Literal["close", "silent"]
OnDelete = Literal["close", "silent"]
InvalidKey = Literal["reject", "close"]
PingEncoding = Literal["gzip", "text"]
OnPongTimeout = Literal["drop", "close"]
StrayText = Literal["ignore", "error"]
ErrorCodes = Literal["2025-10", "legacy"]
SpotExpiry = Literal["silent", "push"]
OrderIds = Literal["int", "str"]
TooManySockets = Literal["frame", "404"]
PositionMode = Literal["hedge", "oneway"]
SnapshotEvent = Literal["SNAPSHOT", "ACCOUNT_CONFIG_UPDATE"]
FillEventOrder = Literal["account-first", "order-first"]
SpotWalletBalance = Literal["total", "free"]
CoinmStatuses = Literal["recorded", "upper"]
PlaceOrderShape = Literal["wrapped", "flat"]


@dataclass(frozen=True, slots=True)
class ContractOptions:
    """The simulator's answers to the exchange's unknowns (``docs/contract.md``)."""

    post_shape: PostShape = "flat"
    """POST body: ``{"listenKey": k}`` or the ``{"code":0,"msg":"","data":{...}}`` envelope."""
    post_existing: PostExisting = "new"
    """A POST while a key is alive mints a new key, or returns (and extends) the old one."""
    success_body: SuccessBody = "empty"
    """PUT/DELETE success: empty 200, ``{}``, or a ``{code,msg,data}`` envelope."""
    listen_key_source: KeySource = "query"
    """Where PUT/DELETE read ``listenKey``: the query only, or also a form body."""
    signature: SignatureMode = "verify-if-present"
    """Listen-key calls work unsigned; a signature that is sent is verified."""
    signature_encodings: frozenset[str] = field(default_factory=lambda: frozenset({"hex"}))
    """Digest encodings accepted: ``hex`` (documented); add ``base64`` to be lenient."""
    signature_payload: SignaturePayload = "as-sent"
    """What the signature is checked over: the parameters exactly as sent (BingX's
    golden vectors sign an unsorted string; ``docs/contract.md``, "signing"), the
    parameters sorted by name (as the bingx-python SDK signs them, whatever order it
    sends them in), or ``either``."""
    recv_window_ms: int = 5000
    """Default allowed skew between ``timestamp`` and the exchange's wall clock."""
    max_recv_window_ms: int | None = None
    """The largest ``recvWindow`` honoured (a larger one counts as this). ``None``: the
    same as ``recv_window_ms``, as BingX documents "maximum is 5000"."""
    error_status: int = 200
    """HTTP status of business errors (``{"code":..,"msg":..}`` bodies)."""
    on_expiry: OnExpiry = "close"
    """After ``listenKeyExpired``: close the socket with 1000, or keep it open and silent."""
    on_delete: OnDelete = "close"
    """After DELETE of a key: close its sockets with 1000, or leave them open and silent."""
    invalid_key: InvalidKey = "reject"
    """Connecting with a bad key: HTTP 404 on the upgrade, or accept, error frame, close."""
    ping_encoding: PingEncoding = "gzip"
    """The heartbeat ``Ping``: a gzip binary frame (as every server frame), or plain text."""
    on_pong_timeout: OnPongTimeout = "drop"
    """A client silent for ``pong_timeout``: the TCP connection is cut with no close
    frame (1006, as observed in 2026-09), or closed with 1000 (this simulator before)."""
    stray_text: StrayText = "ignore"
    """Non-JSON text other than ``Pong`` on a swap or coin-M socket: ignored (as
    observed in 2026-09), or answered with the 80014 frame (as JSON messages are)."""
    snapshots: bool = True
    """Per-symbol config frames on USDT-M sockets, on connect and every
    ``snapshot_interval`` (BingX's 2026-04 account-stream reference: "full data pushed
    once on connection, then every 5 seconds"; seen on VST in 2026-06). ``False`` keeps
    a socket quiet."""
    snapshot_interval: float = 5.0
    snapshot_event: SnapshotEvent = "SNAPSHOT"
    """The config frames' event name: ``SNAPSHOT`` (what VST sent in 2026-06, and what
    BingX.Net 4.5.0 routes to its config handler) or ``ACCOUNT_CONFIG_UPDATE`` (the name
    BingX's reference gives them)."""
    snapshot_symbols: tuple[str, ...] | None = None
    """One frame per symbol per interval. ``None``: every contract the exchange lists
    (its contracts table), as VST sent one per listed contract; leverage and margin mode
    are the account's. ``bingx_sim.symbols.USDT_M_SYMBOLS`` gives the volume an idle VST
    session saw (167 symbols, 667 frames in 20 s)."""
    rate_limit_per_second: int | None = None
    """Listen-key calls per API key per real second (the exchange documents 2); None: off.
    When on, answers carry ``X-RateLimit-Requests-Remain`` and ``-Expire``."""
    rate_limit_lockout: float = 300.0
    """Exchange-clock seconds an account is refused after going over (documented: 5 min)."""
    error_lockout_threshold: int = 20
    """While rate limiting is on: more erroneous requests than this to one endpoint
    within ``error_lockout_window`` lock it (100202), as BingX's listen-key pages say."""
    error_lockout_window: float = 480.0
    """The error lock-out's window, exchange-clock seconds (documented: 480000 ms)."""
    spot_expiry: SpotExpiry = "push"
    """A spot socket whose key expires gets ``listenKeyExpired`` and the ``on_expiry``
    treatment like swap (BingX's 2026-04 websocket reference, which covers all three
    products), or stays open, sends nothing and answers a subscription with 100401 (as
    BingX.Net reads it; the default before 2026-12)."""
    order_ids: OrderIds = "int"
    """Order ids in pushed events as JSON integers (beyond 2**53) or as strings."""
    too_many_sockets: TooManySockets = "frame"
    """Over ``max_sockets_per_ip``: accept, send the 100419 error frame, close (a client
    can tell it from a dead key), or refuse the upgrade with 404 like a dead key."""
    change_needs_api_key: bool = True
    """PUT/DELETE without ``X-BX-APIKEY``: 100413 (the header is documented as required),
    or accepted on the listen key alone (BingX's own curl examples send no header)."""
    error_codes: ErrorCodes = "2025-10"
    """USDT-M error codes since BingX's 2025-10-16 change (rate limit 109429) or the
    ``legacy`` ones (100410). The websocket's 80014 frame is the same in both."""
    position_mode: PositionMode = "hedge"
    """A new account's position mode: hedge (``dualSidePosition`` true, as a fresh key
    answered in 2026) or one-way; an account changes it over REST."""
    spot_wallet_balance: SpotWalletBalance = "total"
    """Spot ``ACCOUNT_UPDATE``'s ``wb``: free plus locked (as BingX.Net reads it), or free
    only (as ccxt reads it)."""
    coinm_statuses: CoinmStatuses = "recorded"
    """Coin-M REST statuses as real logs spell them (``Pending``, ``CANCELLED``), or in
    USDT-M's upper case (``PENDING``)."""
    fill_event_order: FillEventOrder = "account-first"
    """A fill's two frames: ``ACCOUNT_UPDATE`` then the ``ORDER_TRADE_UPDATE`` of the
    trade (Binance's captured sequence; no complete BingX capture exists), or the trade
    frame first."""
    place_order_shape: PlaceOrderShape = "wrapped"
    """The place-order answer: ``data.order`` (the newest captures) or the order flat in
    ``data`` (older ones)."""
    max_sockets_per_ip: int | None = None
    """Concurrent account sockets per client IP (the exchange documents 60); None: off."""
    profile: str | None = None
    """The named profile (:data:`bingx_sim.rules.profiles.PROFILES`) these options were
    built from, or ``None``. Informational: :meth:`split` and :meth:`with_changes`
    apply a profile's values (under the ones given explicitly)."""

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise ValueError(f"{name}={value!r} is not one of {', '.join(allowed)}")
        # Always a frozenset, however given: the signature check looks its order up by it.
        object.__setattr__(self, "signature_encodings", frozenset(self.signature_encodings))
        unknown = set(self.signature_encodings) - {"hex", "base64"}
        if unknown or not self.signature_encodings:
            raise ValueError("signature_encodings must be a non-empty subset of {'hex', 'base64'}")
        if self.recv_window_ms <= 0 or self.snapshot_interval <= 0:
            raise ValueError("recv_window_ms and snapshot_interval must be positive")
        if self.rate_limit_lockout < 0:
            raise ValueError("rate_limit_lockout must be zero or more seconds")
        if self.error_lockout_threshold < 1 or self.error_lockout_window <= 0:
            raise ValueError("error_lockout_threshold and error_lockout_window must be positive")
        if self.max_recv_window_ms is not None and self.max_recv_window_ms <= 0:
            raise ValueError("max_recv_window_ms must be positive, or None")
        if self.profile is not None and self.profile not in PROFILES:
            raise ValueError(f"no profile {self.profile!r}; known: {', '.join(PROFILES)}")

    @property
    def recv_window_cap_ms(self) -> int:
        """The ``recvWindow`` cap in force."""
        return self.max_recv_window_ms or self.recv_window_ms

    @classmethod
    def split(cls, options: dict[str, Any]) -> tuple[ContractOptions, dict[str, Any]]:
        """Pick this class's fields out of ``options``; return the rest untouched.
        A ``profile`` lays its values under the ones given explicitly."""
        names = option_names()
        mine = _with_profile({k: v for k, v in options.items() if k in names})
        if "signature_encodings" in mine:
            mine["signature_encodings"] = frozenset(mine["signature_encodings"])
        if mine.get("snapshot_symbols") is not None:
            mine["snapshot_symbols"] = tuple(mine["snapshot_symbols"])
        rest = {k: v for k, v in options.items() if k not in names}
        return cls(**mine), rest

    def with_changes(self, changes: Mapping[str, object]) -> ContractOptions:
        """These options with ``changes`` (JSON-shaped values, as the control API and a
        scenario file send them) applied, validated as the constructor validates them
        plus each value's type; a ``profile`` lays its values under the explicit ones.
        ``ValueError`` naming the option (and, for an unknown name, the valid ones)."""
        unknown = set(changes) - option_names()
        if unknown:
            raise ValueError(
                f"unknown option(s) {', '.join(sorted(unknown))}; valid: "
                f"{', '.join(sorted(option_names()))}"
            )
        typed: dict[str, Any] = {
            name: _typed(name, value) for name, value in _with_profile(changes).items()
        }
        return replace(self, **typed)

    def changed(self) -> dict[str, object]:
        """The options that differ from the defaults, JSON-shaped."""
        default = ContractOptions()
        return {
            f.name: _json_value(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    def as_json(self) -> dict[str, object]:
        """Every option, JSON-shaped (sets and tuples as sorted or ordered lists)."""
        return {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}


_CHOICES: dict[str, tuple[str, ...]] = {
    name: get_args(hint)
    for name, hint in get_type_hints(ContractOptions).items()
    if get_origin(hint) is Literal
}
"""Each choice-valued field and its allowed values, read from its ``Literal`` annotation
(the one declaration): a new option is a type alias and a field, nothing more."""


@cache
def option_names() -> frozenset[str]:
    """Every contract option's name."""
    return frozenset(f.name for f in fields(ContractOptions))


def _with_profile(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with their ``profile``'s values laid under them."""
    name = options.get("profile")
    if name is None:
        return dict(options)
    if not isinstance(name, str) or name not in PROFILES:
        raise ValueError(f"no profile {name!r}; known: {', '.join(PROFILES)}")
    return {**PROFILES[name].options, **options}


def _json_value(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _typed(name: str, value: object) -> object:
    """``value`` as option ``name`` takes it (a JSON list becomes the set or tuple the
    field holds); ``ValueError`` when its type is wrong. Choices and ranges are left to
    ``ContractOptions.__post_init__``, the one place they are checked."""
    hint = _HINTS[name]
    allowed = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
    if value is None:
        if type(None) in allowed:
            return None
        raise ValueError(f"{name} cannot be null")
    for kind in allowed:
        origin = get_origin(kind)
        if origin is Literal and isinstance(value, str):
            return value
        if kind is bool and isinstance(value, bool):
            return value
        if kind is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if kind is str and isinstance(value, str):
            return value
        if origin in (frozenset, tuple) and isinstance(value, list | tuple | set | frozenset):
            if not all(isinstance(item, str) for item in value):
                raise ValueError(f"{name} must be a list of strings")
            return frozenset(value) if origin is frozenset else tuple(value)
    raise ValueError(f"{name}={value!r} has the wrong type (expected {_describe(hint)})")


def _describe(hint: object) -> str:
    """A field's type in words, for an error message."""
    parts = get_args(hint) if get_origin(hint) in (Union, types.UnionType) else (hint,)
    words = []
    for part in parts:
        if part is type(None):
            words.append("null")
        elif get_origin(part) is Literal:
            words.append("one of " + ", ".join(map(str, get_args(part))))
        elif get_origin(part) in (frozenset, tuple):
            words.append("a list of strings")
        else:
            words.append(getattr(part, "__name__", str(part)))
    return " or ".join(words)


_HINTS: dict[str, Any] = get_type_hints(ContractOptions)
