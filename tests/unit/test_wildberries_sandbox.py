"""The Wildberries sandbox's own contract: auth and categories, limits with a time scale, 400
bodies, paging, faults and the control API (most without HTTP, through the app)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import requests

from tests.fixtures.wildberries.support import TODAY, running_sandbox
from tools.sandbox.wildberries import feed
from tools.sandbox.wildberries.accounts import DEFAULT_TOKEN, STATS_ONLY_TOKEN
from tools.sandbox.wildberries.app import WildberriesSandbox
from tools.sandbox.wildberries.campaigns import campaigns
from tools.sandbox.wildberries.control import handle
from tools.sandbox.wildberries.limits import seconds

COUNT = "/adv/v1/promotion/count"
FULLSTATS = "/adv/v3/fullstats"
ORDERS = "/api/v1/supplier/orders"
AUTH = {"authorization": DEFAULT_TOKEN}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def sandbox(scale: float = 1.0) -> tuple[WildberriesSandbox, Clock]:
    clock = Clock()
    return WildberriesSandbox(time_scale=scale, today=TODAY, clock=clock), clock


def ids(*indexes: int) -> str:
    seeded = campaigns(1, 12)
    return ",".join(str(seeded[i].advert_id) for i in indexes)


def test_a_missing_or_unknown_token_is_401_in_wb_shape_and_bearer_is_accepted() -> None:
    app, _ = sandbox()
    for headers in ({}, {"authorization": "nope"}):
        status, body, _ = app.api("GET", COUNT, {}, headers) or (0, {}, {})
        assert (
            status == 401 and body["title"] == "unauthorized" and body["detail"].startswith("token problem")
        )
        assert {"code", "requestId", "origin", "statusText", "timestamp"} <= set(body)
    answer = app.api("GET", COUNT, {}, {"authorization": f"Bearer {DEFAULT_TOKEN}"})
    assert answer is not None and answer[0] == 200 and answer[1]["all"] == 12


def test_a_token_without_the_category_is_401_naming_the_category() -> None:
    app, _ = sandbox()
    answer = app.api("GET", COUNT, {}, {"authorization": STATS_ONLY_TOKEN})
    assert answer is not None and answer[0] == 401 and "Продвижение" in answer[1]["detail"]
    orders = app.api("GET", ORDERS, {"dateFrom": "2026-01-01"}, {"authorization": STATS_ONLY_TOKEN})
    assert orders is not None and orders[0] == 200


def test_fullstats_allows_three_a_minute_burst_one_and_says_when_to_retry() -> None:
    app, clock = sandbox()
    query = {"ids": ids(0), "beginDate": "2026-02-01", "endDate": "2026-02-02"}
    first = app.api("GET", FULLSTATS, query, AUTH)
    second = app.api("GET", FULLSTATS, query, AUTH)
    assert first is not None and first[0] == 200 and first[2]["X-Ratelimit-Remaining"] == "0"
    assert second is not None and second[0] == 429 and second[2]["X-Ratelimit-Retry"] == "20"
    assert second[1]["title"] == "too many requests" and second[1]["detail"].startswith("limited by ")
    clock.now += 20
    third = app.api("GET", FULLSTATS, query, AUTH)
    assert third is not None and third[0] == 200


def test_the_time_scale_makes_the_retry_fractional() -> None:
    app, _ = sandbox(scale=60)
    app.api("GET", ORDERS, {"dateFrom": "2026-01-01"}, AUTH)
    refused = app.api("GET", ORDERS, {"dateFrom": "2026-01-01"}, AUTH)
    assert refused is not None and refused[0] == 429 and refused[2]["X-Ratelimit-Retry"] == "1"
    assert seconds(1 / 3, whole=False) == "0.334" and seconds(19.2, whole=True) == "20"


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"beginDate": "2026-02-01", "endDate": "2026-02-02"}, "invalid ids"),
        ({"ids": "x", "beginDate": "2026-02-01", "endDate": "2026-02-02"}, "invalid ids"),
        ({"ids": ids(5), "beginDate": "2026-02-01", "endDate": "2026-02-02"}, "invalid ids"),  # status 4
        (
            {"ids": ",".join(str(i) for i in range(51)), "beginDate": "2026-02-01", "endDate": "2026-02-02"},
            "at most 50",
        ),
        ({"ids": ids(0), "beginDate": "2026-01-01", "endDate": "2026-02-01"}, "at most 31 days"),
        ({"ids": ids(0), "beginDate": "2026-02-02", "endDate": "2026-02-01"}, "before beginDate"),
    ],
)
def test_fullstats_violations_answer_400_invalid_payload(query: dict[str, str], detail: str) -> None:
    app, _ = sandbox()
    answer = app.api("GET", FULLSTATS, query, AUTH)
    assert answer is not None and answer[0] == 400
    assert answer[1]["title"] == "invalid payload" and detail in answer[1]["detail"]


def test_fullstats_totals_are_the_sum_of_the_days_and_apps_split_each_day() -> None:
    app, _ = sandbox()
    query = {"ids": ids(0, 1), "beginDate": "2026-02-20", "endDate": "2026-02-28"}
    answer = app.api("GET", FULLSTATS, query, AUTH)
    assert answer is not None and answer[0] == 200
    for item in answer[1]:
        assert item["views"] == sum(day["views"] for day in item["days"])
        assert round(item["sum"], 2) == round(sum(day["sum"] for day in item["days"]), 2)
        for day in item["days"]:
            assert day["clicks"] == sum(app_["clicks"] for app_ in day["apps"])
            assert all(app_["nms"] for app_ in day["apps"])


def test_statistics_need_date_from_and_page_by_last_change_date() -> None:
    app, clock = sandbox(scale=60)  # one a second; the clock moves a second before each call
    clock.now += 1
    missing = app.api("GET", ORDERS, {}, AUTH)
    assert missing is not None and missing[1] == {"errors": ["dateFrom: field required"]}
    clock.now += 1
    bad = app.api("GET", ORDERS, {"dateFrom": "yesterday"}, AUTH)
    assert bad is not None and bad[1] == {"errors": "dateFrom: Value not validated"}
    rows = feed.orders(1, TODAY).rows
    clock.now += 1
    page = app.api("GET", ORDERS, {"dateFrom": rows[10]["lastChangeDate"]}, AUTH)
    assert page is not None and len(page[1]) == 500
    assert page[1][0]["lastChangeDate"] <= rows[10]["lastChangeDate"] <= page[1][-1]["lastChangeDate"]
    assert all(a["lastChangeDate"] <= b["lastChangeDate"] for a, b in zip(page[1], page[1][1:], strict=False))
    day = (TODAY - timedelta(days=3)).isoformat()
    clock.now += 1
    whole_day = app.api("GET", ORDERS, {"dateFrom": day, "flag": "1"}, AUTH)
    assert whole_day is not None and whole_day[1] and all(r["date"].startswith(day) for r in whole_day[1])
    assert len(rows) > 2000 and len(feed.sales(1, TODAY).rows) > 1000
    assert all(datetime.fromisoformat(r["lastChangeDate"]).date() <= TODAY for r in rows)


def test_control_api_sets_today_time_scale_page_cap_and_tokens() -> None:
    app, _ = sandbox()
    status, settings = handle(
        app, "POST", "/_sandbox/settings", {"today": "2026-01-10", "time_scale": 60, "page_cap": 7}
    )
    assert status == 200 and settings["today"] == "2026-01-10" and settings["time_scale"] == 60
    assert app.today == date(2026, 1, 10) and app.page_cap == 7
    status, _ = handle(
        app, "POST", "/_sandbox/tokens", {"token": "t-new", "account": "second", "categories": ["Статистика"]}
    )
    assert status == 200
    answer = app.api("GET", ORDERS, {"dateFrom": "2025-12-01"}, {"authorization": "t-new"})
    assert answer is not None and answer[0] == 200 and len(answer[1]) == 7
    assert handle(app, "POST", "/_sandbox/settings", {"time_scale": 0})[0] == 400
    assert handle(app, "POST", "/_sandbox/tokens", {"token": "t", "account": "x", "categories": []})[0] == 400


def test_faults_over_http_429_5xx_dropped_and_the_call_log() -> None:
    with running_sandbox() as running:
        url = f"{running.base}{COUNT}"
        running.fault("rate_limited", endpoint="count", count=1, retry_after_s=2.5)
        running.fault("server_error", endpoint="count", status=502)
        running.fault("dropped", endpoint="count")
        limited = requests.get(url, headers={"Authorization": DEFAULT_TOKEN}, timeout=5)
        assert limited.status_code == 429 and limited.headers["X-Ratelimit-Retry"] == "2.5"
        bad_gateway = requests.get(url, headers={"Authorization": DEFAULT_TOKEN}, timeout=5)
        assert bad_gateway.status_code == 502
        with pytest.raises(requests.ConnectionError):
            requests.get(url, headers={"Authorization": DEFAULT_TOKEN}, timeout=5)
        assert requests.get(url, headers={"Authorization": DEFAULT_TOKEN}, timeout=5).status_code == 200
        state = running.state()
        assert [call["status"] for call in state["calls"]] == [429, 502, 0, 200]
        assert (
            state["settings"]["today"] == TODAY.isoformat() and state["accounts"]["main"]["campaigns"] == 12
        )
        assert all("token" not in grant for grant in state["tokens"])
