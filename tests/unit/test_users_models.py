"""Account models without servers: validation, LIKE escaping, cursors, request builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from psadmin.models.actions import Risk
from psadmin.models.user_actions import (
    bulk_unlock_request,
    lock_request,
    unlock_all_locked_request,
    unlock_request,
)
from psadmin.models.users import (
    LockoutPolicy,
    PageCursor,
    UserRow,
    UserSort,
    cursor_of,
    format_remaining,
    like_pattern,
    storable,
    validate_minutes,
    validate_reason,
)

NOW = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)
ALICE = UserRow(7, "alice", "a@x", "user", 5, NOW + timedelta(minutes=12), None, NOW)


def test_like_pattern_escapes_every_wildcard() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
    assert like_pattern("plain") == "%plain%"


@pytest.mark.parametrize("good", [1, 30, 525_600, "15", " 15 "])
def test_minutes_accepted(good: object) -> None:
    assert 1 <= validate_minutes(good) <= 525_600


@pytest.mark.parametrize(
    "bad", [0, -1, 525_601, 10**12, "1.5", "-3", "", "\u0661\u0665", True, None, 2.0]
)
def test_minutes_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="minutes"):
        validate_minutes(bad)


@pytest.mark.parametrize("bad", ["", "   ", "x" * 1001, "two\nlines", "nul\x00"])
def test_reasons_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="reason"):
        validate_reason(bad)


def test_reason_is_trimmed_and_may_be_unicode() -> None:
    assert validate_reason("  INC-42: zoë's account  ") == "INC-42: zoë's account"


def test_storable_text() -> None:
    assert storable("zoë") and storable("'; DROP TABLE users; --")
    assert not storable("a\x00b") and not storable("\udcff")


def test_policy_at_risk_is_two_failures_from_the_lock() -> None:
    assert LockoutPolicy().at_risk_attempts == 3
    assert LockoutPolicy(max_attempts=10).at_risk_attempts == 8
    assert LockoutPolicy(max_attempts=1).at_risk_attempts == 1


def test_lock_state_and_remaining_time() -> None:
    assert ALICE.locked_at(NOW) and ALICE.remaining_s(NOW) == 720
    assert not ALICE.locked_at(NOW + timedelta(minutes=12))
    assert format_remaining(720) == "12m 00s"
    assert format_remaining(3 * 3600 + 60) == "3h 01m"
    assert format_remaining(0) == ""


def test_cursor_takes_the_sort_key_and_the_id() -> None:
    assert cursor_of(ALICE, UserSort.USERNAME) == PageCursor("alice", 7)
    assert cursor_of(ALICE, UserSort.ATTEMPTS) == PageCursor(5, 7)
    assert cursor_of(ALICE, UserSort.LAST_LOGIN) == PageCursor(None, 7)


def test_requests_carry_ids_and_name_their_redis_keys() -> None:
    unlock = unlock_request(ALICE, NOW, ("auth:attempts:{username}",), "why")
    assert unlock.kind == "unlock_user" and unlock.risk is Risk.LOW and unlock.reason_required
    assert dict(unlock.params) == {"user_id": 7, "username": "alice"}
    assert "Redis key auth:attempts:alice." in unlock.effect and "12m 00s left" in unlock.effect
    bad_template = unlock_request(ALICE, NOW, ("auth:{nope}",))
    assert "auth:{nope}" in bad_template.effect
    bob = UserRow(8, "bob", "b@x", None, 0, None, None, None)
    bulk = bulk_unlock_request([ALICE, bob])
    assert bulk.risk is Risk.HIGH and bulk.challenge == "2" and bulk.params["user_ids"] == [7, 8]
    every = unlock_all_locked_request(12)
    assert every.params == {"all_locked": True, "locked_seen": 12} and every.challenge == "12"
    lock = lock_request(bob, 90, NOW, "shared password")
    assert lock.params["minutes"] == 90 and "90 minutes" in lock.effect
