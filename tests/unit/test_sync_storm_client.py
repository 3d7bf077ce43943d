"""The StormBPMN clients against ``responses``: paging, 429 with Retry-After, 401, 5xx, secrets."""

from __future__ import annotations

import pytest
import requests
import responses
from loguru import logger
from pydantic import SecretStr

from camunda_sync.config import RateLimitSettings, StormSettings
from camunda_sync.errors import (
    StormAuthError,
    StormNotFound,
    StormRateLimited,
    StormResponseError,
    StormUnavailable,
    SyncConfigError,
)
from camunda_sync.storm import InternalStormClient, PublicStormClient, RateLimiter, build_storm_client

BASE = "https://storm.test"
KEY = "sk-test-4f9a1c2e7d"
LIST = f"{BASE}/public-api/v1/get-diagram-list"
ONE = f"{BASE}/public-api/v1/get-diagram-by-id"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


def settings(**overrides) -> StormSettings:
    base = {
        "base_url": BASE,
        "api_key": SecretStr(KEY),
        "token": SecretStr(KEY),
        "rate_limit": RateLimitSettings(),
    }
    return StormSettings(**{**base, **overrides})


def client(fake_time: FakeTime, **overrides) -> PublicStormClient:
    lim = RateLimiter(5, 60, clock=fake_time.clock, sleep=fake_time.sleep)
    built = PublicStormClient(settings(**overrides), requests.Session(), lim)
    built._http._sleep = fake_time.sleep  # backoff sleeps on the fake clock too
    return built


def summary(i: int) -> dict:
    return {"id": f"id-{i}", "name": f"Diagram {i}", "versionNumber": i, "updatedOn": "2026-01-01T00:00:00"}


def spring_error(status: int, error: str, message: str) -> dict:
    return {
        "timestamp": "2026-01-01T00:00:00.000+00:00",
        "status": status,
        "error": error,
        "message": message,
    }


@responses.activate
def test_paging_walks_every_page_with_the_api_key(fake_time):
    pages = {0: [summary(i) for i in range(20)], 1: [summary(i) for i in range(20, 23)]}
    for page, items in pages.items():
        responses.get(
            LIST,
            json={"totalElements": 23, "page": page, "size": 20, "returnDiagrams": items},
            match=[responses.matchers.query_param_matcher({"page": str(page)})],
        )
    found = list(client(fake_time).list_diagrams())
    assert [d.id for d in found] == [f"id-{i}" for i in range(23)]
    assert all(call.request.headers["X-Api-Key"] == KEY for call in responses.calls)
    assert found[3].revision == "v3@2026-01-01T00:00:00"


@responses.activate
def test_diagram_by_id_returns_its_body(fake_time):
    responses.get(ONE, json={**summary(7), "body": "<definitions/>", "teamFolderName": "Root folder"})
    diagram = client(fake_time).get_diagram("id-7")
    assert diagram.xml == "<definitions/>" and diagram.summary.folder == "Root folder"


@responses.activate
def test_429_waits_retry_after_then_succeeds(fake_time):
    responses.get(
        ONE,
        status=429,
        json=spring_error(429, "Too Many Requests", "You have exhausted your API Request Quota"),
        headers={"X-Rate-Limit-Retry-After-Seconds": "17"},
    )
    responses.get(ONE, json={**summary(1), "body": "<x/>"})
    assert client(fake_time).get_diagram("id-1").xml == "<x/>"
    assert sum(fake_time.sleeps) == pytest.approx(17, abs=0.1)


@responses.activate
def test_second_429_stops_instead_of_hammering(fake_time):
    for _ in range(3):
        responses.get(
            ONE,
            status=429,
            json=spring_error(429, "Too Many Requests", "quota"),
            headers={"X-Rate-Limit-Retry-After-Seconds": "5"},
        )
    with pytest.raises(StormRateLimited, match="stopping"):
        client(fake_time).get_diagram("id-1")
    assert len(responses.calls) == 2


@responses.activate
def test_401_is_an_auth_error_without_the_key(fake_time):
    responses.get(LIST, status=401, json=spring_error(401, "Unauthorized", f"bad key {KEY}"))
    with pytest.raises(StormAuthError) as caught:
        list(client(fake_time).list_diagrams())
    assert KEY not in str(caught.value) and "STORMBPMN_API_KEY" in str(caught.value)
    assert len(responses.calls) == 1


@responses.activate
def test_5xx_is_retried_with_backoff_then_unavailable(fake_time):
    for _ in range(3):
        responses.get(ONE, status=503, json=spring_error(503, "Service Unavailable", "down"))
    with pytest.raises(StormUnavailable, match="3 time"):
        client(fake_time).get_diagram("id-1")
    assert fake_time.sleeps[:2] == [1.0, 2.0]


@responses.activate
def test_5xx_then_success(fake_time):
    responses.get(ONE, status=502, body="Bad Gateway")
    responses.get(ONE, json={**summary(1), "body": "<x/>"})
    assert client(fake_time).get_diagram("id-1").xml == "<x/>"


@responses.activate
def test_network_error_is_retried(fake_time):
    responses.get(ONE, body=requests.ConnectionError("refused"))
    responses.get(ONE, json={**summary(1), "body": "<x/>"})
    assert client(fake_time).get_diagram("id-1").xml == "<x/>"


@responses.activate
def test_404_and_bad_bodies(fake_time):
    responses.get(ONE, status=404, json=spring_error(404, "Not Found", "no diagram"))
    responses.get(ONE, json={"id": "x", "name": "no body"})
    responses.get(LIST, json={"unexpected": True})
    storm = client(fake_time)
    with pytest.raises(StormNotFound):
        storm.get_diagram("x")
    with pytest.raises(StormResponseError, match="no XML body"):
        storm.get_diagram("x")
    with pytest.raises(StormResponseError, match="returnDiagrams"):
        list(storm.list_diagrams())


@responses.activate
def test_tls_verification_stays_on_and_the_key_is_not_logged(fake_time):
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG")
    try:
        responses.get(ONE, json={**summary(1), "body": "<x/>"})
        client(fake_time).get_diagram("id-1")
    finally:
        logger.remove(sink)
    assert responses.calls[0].request.req_kwargs["verify"] not in (False, None)  # True or an env CA bundle
    assert lines and not any(KEY in line for line in lines)


def test_missing_credentials_are_config_errors():
    with pytest.raises(SyncConfigError, match="STORMBPMN_API_KEY"):
        PublicStormClient(StormSettings())
    with pytest.raises(SyncConfigError, match="STORMBPMN_TOKEN"):
        InternalStormClient(StormSettings(api="internal"))


@responses.activate
def test_internal_api_with_bearer_token_and_assignees(fake_time):
    root = f"{BASE}/api/v1"
    responses.get(
        f"{root}/diagram/filter",
        json={"content": [summary(1)], "totalElements": 1, "totalPages": 1, "number": 0},
    )
    responses.get(
        f"{root}/diagram/id-1", json={"permission": "EDIT", "diagram": {**summary(1), "body": "<x/>"}}
    )
    edges = [
        {"elementId": "Activity_1", "assigneeName": "Анна", "assigneeId": "5", "assigneeType": "HUMAN"},
        {"elementId": "Activity_1", "assigneeName": "Борис", "assigneeId": "6"},
        {"elementId": None, "assigneeName": "x"},
    ]
    responses.get(f"{root}/assignee/assigneeedges/id-1", json=edges)
    lim = RateLimiter(5, 60, clock=fake_time.clock, sleep=fake_time.sleep)
    storm = build_storm_client(settings(api="internal"), requests.Session(), lim)
    assert [d.id for d in storm.list_diagrams()] == ["id-1"]
    assert storm.get_diagram("id-1").xml == "<x/>"
    assignees = storm.get_assignees("id-1")
    assert [a.name for a in assignees["Activity_1"]] == ["Анна", "Борис"]
    assert all(call.request.headers["Authorization"] == f"Bearer {KEY}" for call in responses.calls)


@responses.activate
def test_the_client_itself_never_exceeds_the_limit(fake_time):
    responses.get(ONE, json={**summary(1), "body": "<x/>"})
    storm = client(fake_time)
    starts = []
    for _ in range(12):
        storm.get_diagram("id-1")
        starts.append(fake_time.now)
    assert max(sum(1 for t in starts if s <= t < s + 60) for s in starts) <= 5
