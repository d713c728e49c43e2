"""Who is calling, and did they sign what they sent: the exchange's request checks.

The signature is verified over the parameters *exactly as sent*: the raw query string
without ``signature`` concatenated with the raw body without ``signature`` (no ``&``
between), never a sorted rebuild, because real clients sign in insertion order
(``docs/contract.md``, "signing"). ``signature_payload="sorted"`` (or ``"either"``)
checks it over the parameters sorted by name instead, as the bingx-python SDK signs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl

from bingx_sim.rules import errors
from bingx_sim.rules.errors import ApiError
from bingx_sim.rules.listen_keys import Account
from bingx_sim.rules.options import ContractOptions, SignatureMode
from bingx_sim.rules.params import ascii_int, parse_params

__all__ = ["authenticate", "sign", "sorted_payload", "strip_signature"]


def sign(secret: str, payload: str, encoding: str = "hex") -> str:
    """HMAC-SHA256 of ``payload`` keyed by ``secret``, lowercase hex or base64."""
    return _digest(secret.encode(), payload.encode(), encoding).decode()


def _digest(secret: bytes, payload: bytes, encoding: str) -> bytes:
    """:func:`sign` on bytes, as ASCII bytes (OpenSSL's one-shot HMAC)."""
    digest = hmac.digest(secret, payload, hashlib.sha256)
    if encoding == "base64":
        return base64.b64encode(digest)
    return digest.hex().encode()


def strip_signature(raw: str) -> tuple[str, str | None]:
    """Remove every ``signature=`` pair from a raw ``a=1&b=2`` string, keeping the order.

    Returns the remaining string and the (last) signature value, undecoded except for
    percent-escapes, which a base64 signature may carry.
    """
    if "signature" not in raw:  # nothing to strip (a bare ``signature`` is an empty one)
        return raw, None
    kept_head, found, last = raw.rpartition("&signature=")
    if found and "&" not in last and "signature" not in kept_head:
        # The usual shape, one signature sent last: nothing else to look at.
        if "%" in last or "+" in last:  # escapes a base64 signature may carry
            last = dict(parse_qsl(f"signature={last}", keep_blank_values=True))["signature"]
        return kept_head, last
    kept: list[str] = []
    signature: str | None = None
    for part in raw.split("&"):
        name, _, value = part.partition("=")
        if name == "signature":
            signature = value
            if "%" in value or "+" in value:  # escapes a base64 signature may carry
                signature = dict(parse_qsl(part, keep_blank_values=True))["signature"]
        else:
            kept.append(part)
    return "&".join(kept), signature


# Each set of signature encodings in a fixed order (hex first): sorting per call cost
# more than the check.
_ENCODINGS = {frozenset(s): tuple(sorted(s)) for s in ({"hex"}, {"base64"}, {"hex", "base64"})}


def sorted_payload(query: str, body: str) -> str:
    """The parameters of ``query`` and a form ``body`` (``signature`` already removed),
    as sent but sorted by name and joined with ``&``: what the bingx-python SDK signs
    (``urlencode(sorted(params))``), whatever order it then sends them in."""
    pairs = [part for raw in (query, body) if raw for part in raw.split("&") if part]
    return "&".join(sorted(pairs, key=lambda part: part.partition("=")[0]))


def _payloads(query: str, body: str, mode: str) -> tuple[str, ...]:
    """What a signature may have been computed over, by ``signature_payload``."""
    as_sent = query + body
    if mode == "as-sent":
        return (as_sent,)
    if body.lstrip().startswith("{"):  # a JSON body has no parameters to sort
        return (as_sent,)
    ordered = sorted_payload(query, body)
    return (ordered,) if mode == "sorted" else (as_sent, ordered)


def _check_timestamp(
    params: Mapping[str, str], options: ContractOptions, wall_now_ms: int
) -> ApiError | None:
    """``timestamp`` within ``recvWindow`` of the wall clock. A ``recvWindow`` over the
    documented maximum is refused (100400); 0 or absent means the default; both are
    decimal ASCII integers or the request fails 100421."""
    stamp = ascii_int(params.get("timestamp", ""))
    sent_window = params.get("recvWindow")
    window = ascii_int(sent_window) if sent_window is not None else 0
    if stamp is None or window is None:
        return errors.TIMESTAMP_ERROR
    cap = options.recv_window_cap_ms
    if window > cap:
        return errors.ApiError(errors.ARGUMENTS_INVALID, f"recvWindow must be at most {cap}")
    if abs(wall_now_ms - stamp) > (window or options.recv_window_ms):
        return errors.TIMESTAMP_ERROR
    return None


def authenticate(
    api_key: str | None,
    raw_query: str,
    raw_body: str,
    *,
    find_account: Callable[[str], Account | None],
    options: ContractOptions,
    wall_now_ms: int,
    params: Mapping[str, str] | None = None,
    signature_mode: SignatureMode | None = None,
) -> Account | ApiError:
    """Apply the exchange's checks in its order: API key, then signature, then timestamp.

    ``wall_now_ms`` is the wall clock *without* the simulator's own offset: a client
    stamps requests with its wall clock, which ``Simulator.advance`` does not move.
    ``params``: the request's parameters when the caller has parsed them already.
    ``signature_mode``: the endpoint's signature mode, when it is not the listen-key
    endpoints' ``options.signature`` (a signed endpoint requires one).
    """
    mode = options.signature if signature_mode is None else signature_mode
    if not api_key:
        return errors.NULL_API_KEY_ERROR
    account = find_account(api_key)
    if account is None:
        return errors.INCORRECT_API_KEY_ERROR
    if mode == "off":
        return account
    query, query_sig = strip_signature(raw_query)
    body, body_sig = strip_signature(raw_body)
    signature = query_sig if query_sig is not None else body_sig
    if params is None:
        params = parse_params(raw_query, raw_body).merged
    if signature is None:
        if mode == "required":
            return errors.NULL_SIGNATURE_ERROR
        if "timestamp" in params:
            return _check_timestamp(params, options, wall_now_ms) or account
        return account
    expected = signature.encode()
    secret = account.api_secret.encode()
    encodings = _ENCODINGS[options.signature_encodings]
    for payload in _payloads(query, body, options.signature_payload):
        message = payload.encode()
        for encoding in encodings:
            if hmac.compare_digest(_digest(secret, message, encoding), expected):
                return _check_timestamp(params, options, wall_now_ms) or account
    return errors.SIGNATURE_ERROR
