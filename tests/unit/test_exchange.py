"""The exchange's listen-key rules, without sockets (``docs/contract.md``)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bingx_sim.rules.listen_keys import Exchange, KeyOutcome, KeyState

HOUR = 60 * 60 * 1000
T0 = 1_700_000_000_000


@pytest.fixture
def ex() -> Exchange:
    exchange = Exchange()
    exchange.add_account("alice", "secret-a")
    exchange.add_account("bob", "secret-b")
    return exchange


def test_generate_mints_64_lowercase_hex_valid_for_an_hour(ex: Exchange) -> None:
    key = ex.generate("alice", T0)
    assert re.fullmatch(r"[0-9a-f]{64}", key.key)
    assert (key.owner, key.created_ms, key.expires_at_ms) == ("alice", T0, T0 + HOUR)
    assert key.state is KeyState.ACTIVE


def test_generate_twice_mints_a_new_key_and_the_old_one_keeps_its_expiry(ex: Exchange) -> None:
    first = ex.generate("alice", T0)
    second = ex.generate("alice", T0 + 1000)
    assert first.key != second.key
    assert ex.lookup(first.key, T0 + 1000) == first


def test_post_existing_same_returns_and_extends_the_live_key() -> None:
    ex = Exchange(post_existing="same")
    ex.add_account("alice", "s")
    first = ex.generate("alice", T0)
    again = ex.generate("alice", T0 + 10_000)
    assert again.key == first.key
    assert again.expires_at_ms == T0 + 10_000 + HOUR


def test_generate_for_unknown_account_is_a_key_error(ex: Exchange) -> None:
    with pytest.raises(KeyError):
        ex.generate("mallory", T0)


def test_key_is_alive_one_ms_before_the_hour_and_dead_at_it(ex: Exchange) -> None:
    key = ex.generate("alice", T0)
    assert ex.expire_due(T0 + HOUR - 1) == []
    assert ex.extend("alice", key.key, T0 + HOUR - 1) is KeyOutcome.OK
    key2 = ex.generate("alice", T0)
    expired = ex.expire_due(T0 + HOUR)
    assert [k.key for k in expired] == [key2.key]
    assert expired[0].state is KeyState.EXPIRED


def test_put_at_exactly_sixty_minutes_is_not_found(ex: Exchange) -> None:
    key = ex.generate("alice", T0)
    assert ex.extend("alice", key.key, T0 + HOUR) is KeyOutcome.NOT_FOUND
    assert ex.lookup(key.key, T0 + HOUR).state is KeyState.EXPIRED  # type: ignore[union-attr]


def test_extend_sets_expiry_to_an_hour_from_the_call_not_plus_an_hour(ex: Exchange) -> None:
    key = ex.generate("alice", T0)
    minute = 60_000
    assert ex.extend("alice", key.key, T0 + 59 * minute) is KeyOutcome.OK
    assert ex.lookup(key.key, T0 + 59 * minute).expires_at_ms == T0 + 119 * minute  # type: ignore[union-attr]
    assert ex.extend("alice", key.key, T0 + 60 * minute) is KeyOutcome.OK
    assert ex.expire_due(T0 + 119 * minute) == []
    assert ex.expire_due(T0 + 120 * minute)[0].key == key.key


def test_expired_key_cannot_be_revived(ex: Exchange) -> None:
    key = ex.generate("alice", T0)
    ex.expire_due(T0 + HOUR)
    assert ex.extend("alice", key.key, T0 + HOUR) is KeyOutcome.NOT_FOUND
    assert ex.delete("alice", key.key, T0 + HOUR) is KeyOutcome.NOT_FOUND


@pytest.mark.parametrize("missing", [None, ""])
def test_put_and_delete_without_key_are_missing(ex: Exchange, missing: str | None) -> None:
    assert ex.extend("alice", missing, T0) is KeyOutcome.MISSING
    assert ex.delete("alice", missing, T0) is KeyOutcome.MISSING


def test_unknown_key_is_not_found(ex: Exchange) -> None:
    assert ex.extend("alice", "0" * 64, T0) is KeyOutcome.NOT_FOUND
    assert ex.delete("alice", "not-even-hex", T0) is KeyOutcome.NOT_FOUND


def test_foreign_key_is_not_found_and_left_untouched(ex: Exchange) -> None:
    key = ex.generate("alice", T0)
    assert ex.extend("bob", key.key, T0 + 5) is KeyOutcome.NOT_FOUND
    assert ex.delete("bob", key.key, T0 + 5) is KeyOutcome.NOT_FOUND
    assert ex.lookup(key.key, T0 + 5) == key


def test_delete_kills_the_key_and_a_second_delete_is_not_found(ex: Exchange) -> None:
    key = ex.generate("alice", T0)
    assert ex.delete("alice", key.key, T0) is KeyOutcome.OK
    assert ex.lookup(key.key, T0).state is KeyState.DELETED  # type: ignore[union-attr]
    assert ex.delete("alice", key.key, T0) is KeyOutcome.NOT_FOUND
    assert ex.extend("alice", key.key, T0) is KeyOutcome.NOT_FOUND
    assert ex.expire_due(T0 + 2 * HOUR) == []  # a deleted key never "expires" later


def test_expire_due_returns_each_key_once_in_expiry_order(ex: Exchange) -> None:
    a = ex.generate("alice", T0)
    b = ex.generate("bob", T0 + 10)
    ex.extend("alice", a.key, T0 + 20)  # a now due after b
    due = ex.expire_due(T0 + 2 * HOUR)
    assert [k.key for k in due] == [b.key, a.key]
    assert ex.expire_due(T0 + 3 * HOUR) == []


def test_custom_ttl() -> None:
    ex = Exchange(ttl_ms=1000)
    ex.add_account("alice", "s")
    key = ex.generate("alice", T0)
    assert [k.key for k in ex.expire_due(T0 + 1000)] == [key.key]


def test_ttl_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Exchange(ttl_ms=0)


def test_add_account_generates_credentials_and_rejects_a_conflicting_secret(ex: Exchange) -> None:
    made = ex.add_account()
    assert len(made.api_key) == 64 and made.api_secret and made.api_key != made.api_secret
    assert ex.add_account("alice", "secret-a").api_key == "alice"  # same pair: idempotent
    with pytest.raises(ValueError, match="another secret"):
        ex.add_account("alice", "other")


def test_clear_forgets_everything(ex: Exchange) -> None:
    ex.generate("alice", T0)
    ex.clear()
    assert ex.listen_keys() == () and ex.accounts == ()


@given(st.lists(st.integers(min_value=0, max_value=3 * HOUR), max_size=30))
def test_a_key_lives_exactly_ttl_after_its_last_successful_touch(touches: list[int]) -> None:
    """Property: whatever the PUT times, the key is alive iff now < last OK touch + ttl."""
    ex = Exchange()
    ex.add_account("alice", "s")
    key = ex.generate("alice", 0).key
    last_ok = 0
    for offset in sorted(touches):
        outcome = ex.extend("alice", key, offset)
        alive = offset < last_ok + HOUR
        assert outcome is (KeyOutcome.OK if alive else KeyOutcome.NOT_FOUND)
        if alive:
            last_ok = offset
    latest = max(touches, default=0)
    if latest < last_ok + HOUR:  # still alive where the sequence ended: check the edge
        state = ex.lookup(key, last_ok + HOUR - 1)
        assert state is not None and state.active
    dead = ex.lookup(key, max(latest, last_ok + HOUR))
    assert dead is not None and dead.state is KeyState.EXPIRED
