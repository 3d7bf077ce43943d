"""Bitrix24 client against ``responses``: transport, retries, error classes, secret redaction."""

from __future__ import annotations

import json
import random

import pytest
import requests
import responses
from loguru import logger

from core.errors import PermanentError, RetryableError
from systems.bitrix24.client import Bitrix24Client, RetryPolicy
from systems.bitrix24.errors import (
    Bitrix24AuthError,
    Bitrix24Blocked,
    Bitrix24OperationLimit,
    Bitrix24ProtocolError,
    Bitrix24RateLimited,
    Bitrix24Rejected,
    Bitrix24Unavailable,
)
from systems.bitrix24.ratelimit import LeakyBucket, MethodPauses

SECRET = "t0psecretc0de"
WEBHOOK = f"https://portal.example/rest/7/{SECRET}/"


class FakeClock:
    """Wall clock and sleep for the client: sleeping moves time on, nobody waits."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> Bitrix24Client:
    return Bitrix24Client(
        WEBHOOK,
        requests.Session(),
        limiter=LeakyBucket(2.0, 50, clock=clock.time, sleep=clock.sleep),
        pauses=MethodPauses(clock=clock.time),
        sleep=clock.sleep,
        clock=clock.time,
        rng=random.Random(7),
    )


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def url(method: str) -> str:
    return WEBHOOK + method


def ok(result: object, **extra: object) -> dict[str, object]:
    return {"result": result, "time": {"start": 1.0, "operating_reset_at": 1_000_600}, **extra}


def error(code: str, description: str) -> dict[str, str]:
    return {"error": code, "error_description": description}


def test_call_posts_json_to_the_method_url_with_timeouts_and_tls(client, api):
    api.post(url("tasks.task.get"), json=ok({"task": {"id": "5"}}))
    response = client.call("tasks.task.get", {"taskId": 5})
    assert response.result == {"task": {"id": "5"}}
    request = api.calls[0].request
    assert request.url == url("tasks.task.get")
    assert json.loads(request.body) == {"taskId": 5}
    assert request.req_kwargs["timeout"] == (3.05, 30.0)
    assert request.req_kwargs["verify"] is not False


def test_ca_bundle_is_passed_as_verify(clock, api):
    bundle_client = Bitrix24Client(
        WEBHOOK, requests.Session(), ca_bundle="/etc/ssl/corp.pem", sleep=clock.sleep
    )
    api.post(url("user.get"), json=ok([]))
    bundle_client.call("user.get")
    assert api.calls[0].request.req_kwargs["verify"] == "/etc/ssl/corp.pem"


def test_secret_is_redacted_in_repr(client):
    assert SECRET not in repr(client)
    assert "https://portal.example/rest/7/***/" in repr(client)
    assert SECRET not in repr(client.webhook)


def test_bad_webhook_url_message_has_no_secret():
    with pytest.raises(ValueError) as caught:
        Bitrix24Client(f"ftp://portal/{SECRET}", requests.Session())
    assert SECRET not in str(caught.value)


def test_query_limit_is_retried_then_succeeds(client, clock, api):
    api.post(url("user.get"), status=503, json=error("QUERY_LIMIT_EXCEEDED", "Too many requests"))
    api.post(url("user.get"), json=ok([{"ID": "1"}]))
    assert client.call("user.get").result == [{"ID": "1"}]
    assert len(api.calls) == 2
    assert len(clock.sleeps) >= 1
    assert clock.sleeps[-1] >= 0.5  # never faster than the drain rate of the bucket


def test_query_limit_exhausted_raises_a_retryable_error(client, clock, api):
    api.post(url("user.get"), status=503, json=error("QUERY_LIMIT_EXCEEDED", "Too many requests"))
    with pytest.raises(Bitrix24RateLimited) as caught:
        client.call("user.get")
    assert isinstance(caught.value, RetryableError)
    assert len(api.calls) == 5
    assert "gave up after 5 attempts" in str(caught.value)
    assert "QUERY_LIMIT_EXCEEDED" in str(caught.value)


def test_query_limit_marks_the_shared_bucket_full(client, api):
    api.post(url("user.get"), status=503, json=error("QUERY_LIMIT_EXCEEDED", "Too many requests"))
    api.post(url("user.get"), json=ok([]))
    client.call("user.get")
    assert client.limiter.level >= client.limiter.burst - 1


def test_operation_limit_pauses_only_that_method_until_reset(client, clock, api):
    reset_at = clock.now + 100
    api.post(
        url("tasks.task.list"),
        status=429,
        json={**error("OPERATION_TIME_LIMIT", "Method is blocked"), "time": {"operating_reset_at": reset_at}},
    )
    with pytest.raises(Bitrix24OperationLimit) as caught:
        client.call("tasks.task.list")
    assert caught.value.retry_after == pytest.approx(100)
    assert isinstance(caught.value, RetryableError)
    assert len(api.calls) == 1

    with pytest.raises(Bitrix24OperationLimit):  # still paused: not even sent
        client.call("tasks.task.list")
    assert len(api.calls) == 1

    api.post(url("tasks.task.get"), json=ok({"task": {"id": "1"}}))
    client.call("tasks.task.get", {"taskId": 1})  # other methods go on
    assert len(api.calls) == 2

    clock.now = reset_at + 1
    api.replace(responses.POST, url("tasks.task.list"), json=ok({"tasks": []}))
    assert client.call("tasks.task.list").result == {"tasks": []}


def test_short_operation_pause_is_slept_through(client, clock, api):
    reset_at = clock.now + 3
    api.post(
        url("tasks.task.list"),
        status=429,
        json={**error("OPERATION_TIME_LIMIT", "Method is blocked"), "time": {"operating_reset_at": reset_at}},
    )
    api.post(url("tasks.task.list"), json=ok({"tasks": []}))
    assert client.call("tasks.task.list").result == {"tasks": []}
    assert clock.sleeps == [pytest.approx(3)]


def test_operation_limit_resetting_this_very_second_pauses_a_second_not_the_default(client, clock, api):
    # operating_reset_at is whole seconds: a 429 in the last fraction before the reset names a
    # second that has begun already (a chaos run's 429 storm ended so, and paused the method 60 s)
    clock.now = 1_000_000.4
    api.post(
        url("tasks.task.list"),
        status=429,
        json={
            **error("OPERATION_TIME_LIMIT", "Method is blocked"),
            "time": {"operating_reset_at": 1_000_000},
        },
    )
    api.post(url("tasks.task.list"), json=ok({"tasks": []}))
    assert client.call("tasks.task.list").result == {"tasks": []}
    assert clock.sleeps == [pytest.approx(1.0)]


def test_operation_limit_is_a_wait_that_spends_no_attempt():
    assert Bitrix24OperationLimit("tasks.task.add", code="OPERATION_TIME_LIMIT").spends_attempt is False


def test_operation_limit_without_time_uses_the_last_reset_hint(client, clock, api):
    api.post(url("tasks.task.list"), json=ok({"tasks": []}))  # time.operating_reset_at = 1_000_600
    client.call("tasks.task.list")
    api.replace(
        responses.POST, url("tasks.task.list"), status=429, json=error("OPERATION_TIME_LIMIT", "blocked")
    )
    with pytest.raises(Bitrix24OperationLimit) as caught:
        client.call("tasks.task.list")
    assert caught.value.retry_after == pytest.approx(600)


def test_server_error_is_retried_then_succeeds(client, clock, api):
    api.post(url("tasks.task.get"), status=500, json=error("INTERNAL_SERVER_ERROR", "Internal server error"))
    api.post(url("tasks.task.get"), status=502, body="<html>bad gateway</html>")
    api.post(url("tasks.task.get"), json=ok([]))
    assert client.task_get(3) is None
    assert len(api.calls) == 3
    assert len(clock.sleeps) == 2
    assert clock.sleeps[1] > clock.sleeps[0] * 0.5  # backoff grows (equal jitter keeps half)


def test_server_error_exhausted_is_retryable(client, api):
    api.post(url("tasks.task.get"), status=500, json=error("INTERNAL_SERVER_ERROR", "boom"))
    with pytest.raises(Bitrix24Unavailable) as caught:
        client.call("tasks.task.get", {"taskId": 1})
    assert isinstance(caught.value, RetryableError)
    assert len(api.calls) == 5


def test_retry_after_header_is_honoured(client, clock, api):
    api.post(url("user.get"), status=503, headers={"Retry-After": "4"}, json=error("", "maintenance"))
    api.post(url("user.get"), json=ok([]))
    client.call("user.get")
    assert clock.sleeps == [pytest.approx(4)]


def test_long_retry_after_raises_at_once_with_the_hint(client, clock, api):
    api.post(url("user.get"), status=503, headers={"Retry-After": "120"}, json=error("", "maintenance"))
    with pytest.raises(Bitrix24Unavailable) as caught:
        client.call("user.get")
    assert caught.value.retry_after == 120
    assert clock.sleeps == []


def test_network_error_is_retried_for_reads(client, api):
    api.post(url("tasks.task.get"), body=requests.ConnectionError(f"reset by peer on {url('x')}"))
    api.post(url("tasks.task.get"), json=ok({"task": {"id": "9"}}))
    assert client.task_get(9) == {"id": "9"}
    assert len(api.calls) == 2


def test_network_error_message_and_chain_have_no_secret(client, api):
    api.post(
        url("tasks.task.get"), body=requests.ConnectionError(f"Max retries exceeded with url: {url('x')}")
    )
    with pytest.raises(Bitrix24Unavailable) as caught:
        client.call("tasks.task.get", {"taskId": 1})
    shown: list[BaseException] = []
    current: BaseException | None = caught.value
    while current is not None:  # everything a traceback would print
        shown.append(current)
        current = None if current.__suppress_context__ else (current.__cause__ or current.__context__)
    assert all(SECRET not in str(exc) and SECRET not in repr(exc) for exc in shown)


def test_lost_answer_of_a_create_is_not_repeated(client, api):
    api.post(url("tasks.task.add"), body=requests.ReadTimeout("read timed out"))
    with pytest.raises(Bitrix24Unavailable) as caught:
        client.task_add({"TITLE": "x", "RESPONSIBLE_ID": 1})
    assert caught.value.outcome_unknown
    assert isinstance(caught.value, RetryableError)
    assert len(api.calls) == 1


def test_server_error_on_a_create_is_not_repeated(client, api):
    api.post(url("tasks.task.add"), status=500, json=error("INTERNAL_SERVER_ERROR", "boom"))
    with pytest.raises(Bitrix24Unavailable) as caught:
        client.task_add({"TITLE": "x", "RESPONSIBLE_ID": 1})
    assert caught.value.outcome_unknown
    assert len(api.calls) == 1


def test_connect_failure_of_a_create_is_repeated(client, api):
    api.post(url("tasks.task.add"), body=requests.ConnectTimeout("connect timed out"))
    api.post(url("tasks.task.add"), json=ok({"task": {"id": "1"}}))
    assert client.task_add({"TITLE": "x", "RESPONSIBLE_ID": 1}) == {"id": "1"}


def test_query_limit_on_a_create_is_repeated(client, api):
    api.post(url("tasks.task.add"), status=503, json=error("QUERY_LIMIT_EXCEEDED", "Too many requests"))
    api.post(url("tasks.task.add"), json=ok({"task": {"id": "2"}}))
    assert client.task_add({"TITLE": "x", "RESPONSIBLE_ID": 1}) == {"id": "2"}


@pytest.mark.parametrize(
    ("status", "code", "description", "kind"),
    [
        (400, "ERROR_CORE", "Task title is not specified<br>", Bitrix24Rejected),
        (400, "100", "Could not find value for parameter {fields}", Bitrix24Rejected),
        (401, "NO_AUTH_FOUND", "Wrong authorization data", Bitrix24AuthError),
        (403, "insufficient_scope", "The request requires higher privileges", Bitrix24AuthError),
        (503, "OVERLOAD_LIMIT", "REST API is blocked due to overload.", Bitrix24Blocked),
    ],
)
def test_refusals_are_not_retried(client, clock, api, status, code, description, kind):
    api.post(url("tasks.task.add"), status=status, json=error(code, description))
    with pytest.raises(kind) as caught:
        client.call("tasks.task.add", {"fields": {}})
    assert isinstance(caught.value, PermanentError)
    assert len(api.calls) == 1
    assert clock.sleeps == []
    message = str(caught.value)
    assert code in message and description in message and str(status) in message
    assert SECRET not in message and SECRET not in repr(caught.value) and "portal.example" not in message
    assert (caught.value.code, caught.value.description) == (code, description)


def test_html_200_is_a_protocol_error(client, api):
    api.post(url("user.get"), body="<html>login</html>", content_type="text/html")
    with pytest.raises(Bitrix24ProtocolError):
        client.call("user.get")


def test_logs_never_hold_the_secret(client, clock, api):
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", format="{message}")
    try:
        api.post(url("user.get"), body=requests.ConnectionError(f"failed {url('user.get')}"))
        api.post(url("user.get"), status=500, json=error("INTERNAL_SERVER_ERROR", f"bad {url('x')}"))
        api.post(url("user.get"), json=ok([]))
        client.call("user.get")
    finally:
        logger.remove(sink)
    assert lines and all(SECRET not in line for line in lines)


def test_exhausted_network_errors_keep_the_outcome_flag(clock, api):
    quick = Bitrix24Client(
        WEBHOOK, requests.Session(), retry=RetryPolicy(attempts=2), sleep=clock.sleep, clock=clock.time
    )
    api.post(url("tasks.task.get"), body=requests.ConnectTimeout("connect timed out"))
    with pytest.raises(Bitrix24Unavailable) as caught:
        quick.call("tasks.task.get", {"taskId": 1})
    assert not caught.value.outcome_unknown
    assert "gave up after 2 attempts" in str(caught.value)
