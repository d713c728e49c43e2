"""The exchange's rules for accounts and listen keys, as pure synchronous state.

No I/O and no clock reads: every call takes ``now_ms``. That keeps each rule of
``docs/contract.md`` unit-testable without sockets, and makes expiry *data* (``expires_at_ms``)
rather than a loop timer, so it follows whichever clock the caller trusts.
"""

from __future__ import annotations

import heapq
import random
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = [
    "LISTEN_KEY_PATH",
    "Account",
    "Exchange",
    "KeyOutcome",
    "KeyState",
    "ListenKey",
]

LISTEN_KEY_PATH = "/openApi/user/auth/userDataStream"
"""The one REST path of listen keys: POST generates, PUT extends, DELETE deletes."""

_ALPHANUMERIC = string.ascii_letters + string.digits
DEFAULT_TTL_MS = 60 * 60 * 1000


def new_listen_key() -> str:
    """64 lowercase hex characters, 32 random bytes, like every real key seen."""
    return secrets.token_hex(32)


# Random bytes mapped onto the 62 letters and digits in one C call: 40 times cheaper than
# a secrets.choice() per character. The mapping favours 8 of the 62 slightly (5/256 vs
# 4/256 each), which leaves about 380 random bits in 64 characters: plenty for a fake.
_TO_ALPHANUMERIC = bytes(ord(_ALPHANUMERIC[i % len(_ALPHANUMERIC)]) for i in range(256))


def new_api_credential(length: int = 64) -> str:
    """An API key or secret of ``length`` letters and digits, like the exchange's."""
    return secrets.token_bytes(length).translate(_TO_ALPHANUMERIC).decode()


def seeded_factories(seed: int | None) -> tuple[Callable[[], str], Callable[[], str]]:
    """Listen-key and credential makers: secure by default, reproducible with a seed
    (for a sandbox whose printed demo credentials should not change between runs)."""
    if seed is None:
        return new_listen_key, new_api_credential
    rng = random.Random(seed)
    return (
        lambda: f"{rng.getrandbits(256):064x}",
        lambda: "".join(rng.choice(_ALPHANUMERIC) for _ in range(64)),
    )


@dataclass(frozen=True, slots=True)
class Account:
    """An API key pair the exchange knows."""

    api_key: str
    api_secret: str


class KeyState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class ListenKey:
    """One listen key as the exchange holds it; immutable, so snapshots are free."""

    key: str
    owner: str
    created_ms: int
    expires_at_ms: int
    state: KeyState = KeyState.ACTIVE

    @property
    def active(self) -> bool:
        return self.state is KeyState.ACTIVE


class KeyOutcome(StrEnum):
    """What PUT/DELETE decided; the wire layer maps it to a status and body."""

    OK = "ok"
    MISSING = "missing"  # no listenKey parameter: 204
    NOT_FOUND = "not_found"  # unknown, expired, deleted or foreign: 404


class Exchange:
    """Accounts and listen keys, and the rules that move keys between states."""

    def __init__(
        self,
        *,
        ttl_ms: int = DEFAULT_TTL_MS,
        post_existing: str = "new",
        key_factory: Callable[[], str] = new_listen_key,
        credential_factory: Callable[[], str] = new_api_credential,
    ) -> None:
        if ttl_ms <= 0:
            raise ValueError("the listen-key lifetime must be positive")
        self.ttl_ms = ttl_ms
        self.post_existing = post_existing
        self._key_factory = key_factory
        self._credential_factory = credential_factory
        self._accounts: dict[str, Account] = {}
        self._keys: dict[str, ListenKey] = {}
        self._owned: dict[str, list[str]] = {}  # each account's keys, oldest first
        # (expires_at_ms, key) with lazy invalidation: an extend pushes a new entry and
        # the stale one is skipped when popped, so expire_due is O(k log n).
        self._due: list[tuple[int, str]] = []

    # accounts ---------------------------------------------------------------------

    def add_account(self, api_key: str | None = None, api_secret: str | None = None) -> Account:
        account = Account(
            api_key or self._credential_factory(), api_secret or self._credential_factory()
        )
        if not account.api_key.strip() or not account.api_secret:
            raise ValueError("an account needs a non-blank api_key and a non-empty api_secret")
        existing = self._accounts.get(account.api_key)
        if existing is not None and existing != account:
            raise ValueError(f"api key {account.api_key!r} already exists with another secret")
        self._accounts[account.api_key] = account
        return account

    def account(self, api_key: str) -> Account | None:
        return self._accounts.get(api_key)

    def owner_of(self, key: str) -> str | None:
        """Whose key this is (any state), without expiring anything; ``None`` for a key
        the exchange never issued."""
        found = self._keys.get(key)
        return None if found is None else found.owner

    def remove_account(self, api_key: str) -> None:
        """Undo :meth:`add_account` of a key that holds no listen key yet (an
        operation that failed after it)."""
        if any(key.owner == api_key for key in self._keys.values()):
            raise ValueError(f"account {api_key!r} holds listen keys")
        self._accounts.pop(api_key, None)

    @property
    def accounts(self) -> tuple[Account, ...]:
        return tuple(self._accounts.values())

    # listen keys ------------------------------------------------------------------

    def _store(self, key: ListenKey) -> ListenKey:
        self._keys[key.key] = key
        if key.active:
            heapq.heappush(self._due, (key.expires_at_ms, key.key))
        return key

    def lookup(self, key: str, now_ms: int) -> ListenKey | None:
        """The key if it exists; expiry is applied first so no caller sees a stale state."""
        self.expire_due(now_ms)
        return self._keys.get(key)

    def generate(self, api_key: str, now_ms: int) -> ListenKey:
        """POST: a new key valid for ``ttl_ms`` (or, with ``post_existing='same'``, the
        account's newest live key, extended from now as Binance does)."""
        if api_key not in self._accounts:
            raise KeyError(api_key)
        self.expire_due(now_ms)
        owned = self._owned.setdefault(api_key, [])
        if self.post_existing == "same":
            # Only this account's keys, newest first: no scan of every key stored.
            for name in reversed(owned):
                newest = self._keys[name]
                if newest.active:
                    return self._store(replace(newest, expires_at_ms=now_ms + self.ttl_ms))
        key = self._key_factory()
        while key in self._keys:
            key = self._key_factory()
        owned.append(key)
        return self._store(ListenKey(key, api_key, now_ms, now_ms + self.ttl_ms))

    def _owned_active(
        self, api_key: str | None, key: str | None, now_ms: int
    ) -> ListenKey | KeyOutcome:
        if not key:
            return KeyOutcome.MISSING
        current = self.lookup(key, now_ms)
        # A foreign key is answered exactly like an unknown one: a 404 must not tell a
        # caller that somebody else's key exists.
        # ``api_key=None``: a keyless call, where the key alone is the credential.
        foreign = api_key is not None and current is not None and current.owner != api_key
        if current is None or foreign or not current.active:
            return KeyOutcome.NOT_FOUND
        return current

    def extend(self, api_key: str | None, key: str | None, now_ms: int) -> KeyOutcome:
        """PUT: expiry becomes now + ttl (it does not add ttl). Expired keys stay dead."""
        found = self._owned_active(api_key, key, now_ms)
        if isinstance(found, KeyOutcome):
            return found
        # Built directly: dataclasses.replace costs more than the rest of an extend.
        self._store(ListenKey(found.key, found.owner, found.created_ms, now_ms + self.ttl_ms))
        return KeyOutcome.OK

    def delete(self, api_key: str | None, key: str | None, now_ms: int) -> KeyOutcome:
        """DELETE: the key is dead at once; a second DELETE is a 404."""
        found = self._owned_active(api_key, key, now_ms)
        if isinstance(found, KeyOutcome):
            return found
        self._keys[found.key] = replace(found, state=KeyState.DELETED)
        return KeyOutcome.OK

    def expire_due(self, now_ms: int) -> list[ListenKey]:
        """Mark every active key with ``expires_at_ms <= now_ms`` expired; return them.

        Expiry is hard and exact: at ``created + ttl`` the key is already gone (a PUT at
        exactly 60 minutes gets 404, ``docs/contract.md``).
        """
        expired: list[ListenKey] = []
        while self._due and self._due[0][0] <= now_ms:
            due_ms, key = heapq.heappop(self._due)
            current = self._keys.get(key)
            if current is None or not current.active or current.expires_at_ms != due_ms:
                continue  # stale heap entry: extended, deleted or already expired
            dead = replace(current, state=KeyState.EXPIRED)
            self._keys[key] = dead
            expired.append(dead)
        return expired

    def expire_now(self, key: str, now_ms: int) -> ListenKey | None:
        """The key dies now, before its time (the "expired despite keep-alive" incident);
        ``None`` when it was not active."""
        current = self.lookup(key, now_ms)
        if current is None or not current.active:
            return None
        dead = replace(current, state=KeyState.EXPIRED, expires_at_ms=now_ms)
        self._keys[key] = dead
        return dead

    def forget(self, key: str, now_ms: int) -> bool:
        """The exchange loses the key silently: it answers 404 from now on, and nothing
        is pushed. False when it was not active."""
        current = self.lookup(key, now_ms)
        if current is None or not current.active:
            return False
        self._keys[key] = replace(current, state=KeyState.DELETED)
        return True

    def untouched(self, seed_accounts: int) -> bool:
        """No listen key, and no account beyond the ``seed_accounts`` a reset restores."""
        return not self._keys and len(self._accounts) == seed_accounts

    def listen_keys(self) -> tuple[ListenKey, ...]:
        return tuple(self._keys.values())

    def clear(self) -> None:
        self._accounts.clear()
        self._keys.clear()
        self._owned.clear()
        self._due.clear()
