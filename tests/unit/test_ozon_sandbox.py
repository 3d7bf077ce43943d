"""The Ozon sandbox over HTTP: auth, verbs, bodies, paging, the rate limit, faults and its state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.fixtures.ozon.support import (
    ANCHOR,
    API_KEY,
    CLIENT_ID,
    OTHER_API_KEY,
    OTHER_CLIENT_ID,
    Sandbox,
    running_sandbox,
)
from tools.sandbox.ozon.catalogue import postings, products

PRODUCTS = "/v3/product/list"
POSTINGS = "/v3/posting/fbs/list"
SINCE = "2026-02-20T00:00:00Z"
TO = "2026-02-24T23:59:59Z"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as running:
        yield running


def postings_body(offset: int = 0, limit: int = 100, **filters: str) -> dict[str, object]:
    return {"dir": "ASC", "filter": {"since": SINCE, "to": TO, **filters}, "limit": limit, "offset": offset}


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, 16),
        ({"Client-Id": CLIENT_ID}, 401, 16),
        ({"Client-Id": "abc", "Api-Key": API_KEY}, 401, 16),
        ({"Client-Id": CLIENT_ID, "Api-Key": "wrong"}, 403, 7),
        ({"Client-Id": "999", "Api-Key": API_KEY}, 403, 7),
        ({"Client-Id": CLIENT_ID, "Api-Key": OTHER_API_KEY}, 403, 7),
    ],
)
def test_missing_or_wrong_credentials_get_ozons_error_body(
    sandbox: Sandbox, headers: dict[str, str], status: int, code: int
) -> None:
    response = sandbox.api.post(sandbox.base + PRODUCTS, json={"limit": 10}, headers=headers, timeout=5)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["message"] and body["details"] == []


def test_get_on_a_method_is_405_and_an_unknown_path_404(sandbox: Sandbox) -> None:
    headers = {"Client-Id": CLIENT_ID, "Api-Key": API_KEY}
    wrong_verb = sandbox.api.get(sandbox.base + PRODUCTS, headers=headers, timeout=5)
    assert (wrong_verb.status_code, wrong_verb.json()["code"]) == (405, 12)
    unknown = sandbox.post("/v9/nothing/here", {})
    assert (unknown.status_code, unknown.json()["code"]) == (404, 5)


@pytest.mark.parametrize(
    "body",
    [
        None,
        [1, 2],
        {"limit": 0},
        {"limit": 1001},
        {"limit": "many"},
        {"limit": 10, "last_id": "not-a-cursor"},
        {"limit": 10, "filter": {"visibility": "SOMETIMES"}},
    ],
)
def test_a_bad_product_list_body_is_400_with_code_3(sandbox: Sandbox, body: object) -> None:
    response = sandbox.post(PRODUCTS, body)
    assert response.status_code == 400 and response.json()["code"] == 3


@pytest.mark.parametrize(
    "body",
    [
        {"filter": {"since": SINCE}, "limit": 10},
        {"filter": {"since": "yesterday", "to": TO}, "limit": 10},
        {"filter": {"since": "2026-02-20T00:00:00", "to": TO}, "limit": 10},
        {"filter": {"since": TO, "to": SINCE}, "limit": 10},
        {"filter": {"since": "2025-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}, "limit": 10},
        {"filter": {"since": SINCE, "to": TO, "status": "lost"}, "limit": 10},
        {"filter": {"since": SINCE, "to": TO}, "limit": 10, "offset": -1},
        {"filter": {"since": SINCE, "to": TO}, "limit": 10, "dir": "sideways"},
    ],
)
def test_a_bad_posting_list_body_is_400_with_code_3(sandbox: Sandbox, body: object) -> None:
    response = sandbox.post(POSTINGS, body)
    assert response.status_code == 400 and response.json()["code"] == 3


def test_the_product_list_pages_by_last_id_to_the_whole_catalogue(sandbox: Sandbox) -> None:
    seen: list[int] = []
    last_id, totals = "", set()
    while True:
        result = sandbox.post(PRODUCTS, {"filter": {"visibility": "ALL"}, "last_id": last_id, "limit": 70})
        page = result.json()["result"]
        seen += [item["product_id"] for item in page["items"]]
        totals.add(page["total"])
        last_id = page["last_id"]
        if not last_id:
            break
    catalogue = products(CLIENT_ID, 300)
    assert seen == [p.product_id for p in catalogue]
    assert totals == {300} and any(p.archived for p in catalogue)
    assert sandbox.expected()["products"] == 300


def test_visibility_narrows_the_list_and_accounts_hold_different_catalogues(sandbox: Sandbox) -> None:
    visible = sandbox.post(PRODUCTS, {"filter": {"visibility": "VISIBLE"}, "limit": 1000}).json()["result"]
    archived = sandbox.post(PRODUCTS, {"filter": {"visibility": "ARCHIVED"}, "limit": 1000}).json()["result"]
    assert visible["total"] + archived["total"] == 300
    assert all(item["archived"] for item in archived["items"])
    other = sandbox.post(PRODUCTS, {"limit": 5}, client_id=OTHER_CLIENT_ID, api_key=OTHER_API_KEY)
    mine = sandbox.post(PRODUCTS, {"limit": 5})
    assert other.json()["result"]["items"] != mine.json()["result"]["items"]


def test_postings_of_a_period_page_by_offset_until_has_next_is_false(sandbox: Sandbox) -> None:
    numbers: list[str] = []
    offset = 0
    while True:
        page = sandbox.post(POSTINGS, postings_body(offset, 40)).json()["result"]
        numbers += [p["posting_number"] for p in page["postings"]]
        offset += 40
        if not page["has_next"]:
            break
    since, to = datetime(2026, 2, 20, tzinfo=UTC), datetime(2026, 2, 24, 23, 59, 59, tzinfo=UTC)
    held = [p for p in postings(CLIENT_ID, 300, 60, ANCHOR) if since <= p.in_process_at <= to]
    assert numbers == [p.posting_number for p in held] and len(numbers) > 40
    assert sandbox.expected(since=SINCE, to=TO)["posting_numbers"] == numbers


def test_a_posting_carries_its_products_and_dates_and_status_filters(sandbox: Sandbox) -> None:
    first = sandbox.post(POSTINGS, postings_body(limit=1)).json()["result"]["postings"][0]
    assert set(first) >= {"posting_number", "status", "in_process_at", "shipment_date", "products"}
    line = first["products"][0]
    assert set(line) >= {"sku", "offer_id", "name", "quantity", "price"} and isinstance(line["price"], str)
    assert first["in_process_at"].endswith("Z") and first["in_process_at"] >= SINCE
    cancelled = sandbox.post(POSTINGS, postings_body(limit=1000, status="cancelled")).json()["result"]
    assert cancelled["postings"] and {p["status"] for p in cancelled["postings"]} == {"cancelled"}
    newest = sandbox.post(POSTINGS, {**postings_body(limit=1), "dir": "desc"}).json()["result"]["postings"][0]
    assert newest["in_process_at"] > first["in_process_at"]


def test_postings_cover_sixty_days_before_the_anchor() -> None:
    held = postings(CLIENT_ID, 300, 60, ANCHOR)
    first_day = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(days=60)
    assert held[0].in_process_at >= first_day and held[-1].in_process_at < datetime(2026, 3, 1, tzinfo=UTC)
    assert held == postings(CLIENT_ID, 300, 60, ANCHOR)  # the same every time
    assert len({p.status for p in held}) >= 5


def test_more_requests_than_the_rate_per_client_are_429_code_8() -> None:
    with running_sandbox(rate=3) as sandbox:
        answers = [sandbox.post(PRODUCTS, {"limit": 1}) for _ in range(6)]
        statuses = [a.status_code for a in answers]
        assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]
        refused = next(a for a in answers if a.status_code == 429).json()
        assert refused == {
            "code": 8,
            "message": "You have reached request rate limit per second",
            "details": [],
        }
        # the other account has its own budget
        other = sandbox.post(PRODUCTS, {"limit": 1}, client_id=OTHER_CLIENT_ID, api_key=OTHER_API_KEY)
        assert other.status_code == 200


def test_faults_answer_429_500_or_drop_the_connection(sandbox: Sandbox) -> None:
    sandbox.fault("rate_limit", endpoint="product_list")
    sandbox.fault("server_error", endpoint="product_list")
    assert sandbox.post(POSTINGS, postings_body()).status_code == 200  # aimed at the other method
    assert sandbox.post(PRODUCTS, {"limit": 1}).json()["code"] == 8
    assert sandbox.post(PRODUCTS, {"limit": 1}).status_code == 500
    sandbox.fault("drop")
    with pytest.raises(requests.ConnectionError):
        sandbox.post(PRODUCTS, {"limit": 1})
    assert sandbox.post(PRODUCTS, {"limit": 1}).status_code == 200


def test_state_counts_and_logs_paging_and_reset_clears_it(sandbox: Sandbox) -> None:
    sandbox.post(PRODUCTS, {"limit": 2, "last_id": ""})
    sandbox.post(POSTINGS, postings_body(offset=20, limit=10))
    state = sandbox.state()
    assert state["counters"]["requests"] == {PRODUCTS: 1, POSTINGS: 1}
    assert state["counters"]["per_client"] == {CLIENT_ID: 2}
    logged = sandbox.log(POSTINGS)[0]
    assert (logged["offset"], logged["limit"], logged["since"], logged["to"]) == (20, 10, SINCE, TO)
    assert API_KEY not in str(state)
    sandbox.control("POST", "reset")
    assert sandbox.state()["counters"]["requests"] == {} and sandbox.log() == []


def test_settings_and_accounts_change_through_the_control_api(sandbox: Sandbox) -> None:
    assert sandbox.settings(products=50)["products"] == 50
    assert sandbox.post(PRODUCTS, {"limit": 1000}).json()["result"]["total"] == 50
    sandbox.control("POST", "clients", {"client_id": "4242", "api_key": "fresh-key"})
    assert sandbox.post(PRODUCTS, {"limit": 1}, client_id="4242", api_key="fresh-key").status_code == 200
    with pytest.raises(requests.HTTPError):
        sandbox.settings(rate_limit_rps=0)
