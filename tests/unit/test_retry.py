"""The retry policy: backoff growth and cap, delay-queue buckets, give-up, hints and jitter."""

from __future__ import annotations

import random

import pytest

from core.config import RetryConfig
from core.retry import RetryDecision, backoff_ms, delay_buckets, next_delay

POLICY = RetryConfig(attempts=5, min_delay_ms=1_000, max_delay_ms=10_000, multiplier=2.0, jitter=0.2)
NO_JITTER = POLICY.model_copy(update={"jitter": 0.0})


@pytest.mark.parametrize(
    ("attempt", "expected"),
    [(0, 1_000), (1, 1_000), (2, 2_000), (3, 4_000), (4, 8_000), (5, 10_000), (40, 10_000)],
)
def test_backoff_grows_by_the_multiplier_and_stops_at_the_maximum(attempt: int, expected: int) -> None:
    assert backoff_ms(attempt, POLICY) == expected


def test_a_multiplier_of_one_keeps_the_delay_constant() -> None:
    flat = RetryConfig(attempts=4, min_delay_ms=500, max_delay_ms=60_000, multiplier=1.0)

    assert [backoff_ms(n, flat) for n in range(1, 5)] == [500, 500, 500, 500]
    assert delay_buckets(flat) == [500]


def test_buckets_list_each_distinct_delay_the_policy_can_ask_for() -> None:
    assert delay_buckets(POLICY) == [1_000, 2_000, 4_000, 8_000]
    longer = POLICY.model_copy(update={"attempts": 10})
    assert delay_buckets(longer) == [1_000, 2_000, 4_000, 8_000, 10_000]


def test_a_single_attempt_policy_needs_no_delay_queue_and_never_retries() -> None:
    once = RetryConfig(attempts=1)

    assert delay_buckets(once) == []
    assert next_delay(1, once) == RetryDecision(retry=False)


def test_a_zero_minimum_delay_still_gives_a_positive_bucket() -> None:
    instant = RetryConfig(attempts=3, min_delay_ms=0, max_delay_ms=0)

    assert delay_buckets(instant) == [1]
    decision = next_delay(1, instant, rng=random.Random(1))
    assert decision.retry
    assert decision.bucket_ms == 1
    assert decision.delay_ms == 1


def test_retries_follow_the_buckets_until_the_attempts_are_used_up() -> None:
    decisions = [next_delay(n, NO_JITTER) for n in range(1, 7)]

    assert decisions[:4] == [
        RetryDecision(retry=True, bucket_ms=1_000, delay_ms=1_000),
        RetryDecision(retry=True, bucket_ms=2_000, delay_ms=2_000),
        RetryDecision(retry=True, bucket_ms=4_000, delay_ms=4_000),
        RetryDecision(retry=True, bucket_ms=8_000, delay_ms=8_000),
    ]
    assert decisions[4:] == [RetryDecision(retry=False), RetryDecision(retry=False)]


def test_every_bucket_a_decision_uses_has_a_delay_queue() -> None:
    buckets = set(delay_buckets(POLICY))

    for attempts_made in range(1, POLICY.attempts):
        assert next_delay(attempts_made, POLICY, rng=random.Random(attempts_made)).bucket_ms in buckets


@pytest.mark.parametrize(
    ("attempts_made", "hint_s", "bucket"),
    [
        (1, 3.0, 4_000),  # raised to the first bucket not shorter than the hint
        (1, 2.0, 2_000),  # a bucket equal to the hint is enough
        (1, 0.5, 1_000),  # a hint shorter than the backoff changes nothing
        (3, 1.0, 4_000),
        (1, 3600.0, 8_000),  # capped at the largest bucket
    ],
)
def test_a_retry_after_hint_picks_a_bucket_at_least_as_long(
    attempts_made: int, hint_s: float, bucket: int
) -> None:
    decision = next_delay(attempts_made, POLICY, retry_after_s=hint_s, rng=random.Random(7))

    assert decision.retry
    assert decision.bucket_ms == bucket
    assert decision.delay_ms == bucket, "jitter never shortens a delay the remote side asked for"
    assert decision.delay_ms >= min(hint_s * 1000, max(delay_buckets(POLICY)))


def test_a_hint_does_not_extend_the_number_of_attempts() -> None:
    assert next_delay(POLICY.attempts, POLICY, retry_after_s=1.0) == RetryDecision(retry=False)


@pytest.mark.parametrize("jitter", [0.2, 0.5, 1.0])
def test_jitter_only_shortens_a_delay_and_never_below_half(jitter: float) -> None:
    policy = POLICY.model_copy(update={"jitter": jitter})
    rng = random.Random(1234)

    for attempts_made in range(1, policy.attempts):
        for _ in range(200):
            decision = next_delay(attempts_made, policy, rng=rng)
            lowest = decision.bucket_ms * (1 - min(jitter, 0.5))
            assert lowest - 1 <= decision.delay_ms <= decision.bucket_ms


def test_jitter_spreads_the_delays() -> None:
    rng = random.Random(99)

    delays = {next_delay(2, POLICY, rng=rng).delay_ms for _ in range(50)}

    assert len(delays) > 10
    assert max(delays) <= 2_000
    assert min(delays) >= 1_600


def test_the_same_seed_gives_the_same_delays() -> None:
    first = [next_delay(n, POLICY, rng=random.Random(42)).delay_ms for n in range(1, 5)]
    second = [next_delay(n, POLICY, rng=random.Random(42)).delay_ms for n in range(1, 5)]

    assert first == second


def test_without_jitter_the_delay_is_the_bucket() -> None:
    assert next_delay(3, NO_JITTER, rng=random.Random(3)).delay_ms == 4_000
