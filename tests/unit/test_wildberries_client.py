"""The Wildberries client against ``responses``: requests, answers, every error class, 429 waits."""

from __future__ import annotations

from datetime import date

import pytest
import requests
import responses

from core.errors import PermanentError, RetryableError, TransportFailure
from systems.wildberries.client import WildberriesClient, ratelimit_retry_s
from systems.wildberries.errors import (
    WildberriesAuthError,
    WildberriesProtocolError,
    WildberriesRejected,
    WildberriesTransient,
)
from systems.wildberries.pacing import Pacer, Waiter
from systems.wildberries.settings import WildberriesSettings, load_settings
from tests.fixtures.wildberries.support import ADVERT, ENV, STATISTICS, direct_client, options

COUNT = f"{ADVERT}/adv/v1/promotion/count"
ADVERTS = f"{ADVERT}/api/advert/v2/adverts"
FULLSTATS = f"{ADVERT}/adv/v3/fullstats"
ORDERS = f"{STATISTICS}/api/v1/supplier/orders"
SALES = f"{STATISTICS}/api/v1/supplier/sales"
UNAUTHORIZED = {
    "title": "unauthorized",
    "detail": "token problem; token is malformed: could not base64 decode signature",
    "code": "07e4668e",
    "requestId": "7b80742415072fe8b6b7f7761f1d1211",
    "origin": "s2s-api-auth-catalog",
    "status": 401,
    "statusText": "Unauthorized",
    "timestamp": "2024-09-30T06:52:38Z",
}


class Recorder:
    """The waiter's sleeps and keep-alive calls, without sleeping."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.alive = 0

    def keep_alive(self) -> None:
        self.alive += 1

    def waiter(self, max_wait_s: float = 600.0) -> Waiter:
        return Waiter(self.keep_alive, max_wait_s=max_wait_s, keep_alive_every_s=5, sleep=self.sleeps.append)


@pytest.fixture
def settings() -> WildberriesSettings:
    # Real-time pacing (time_scale 1): only waits that a test provokes are recorded, never slept.
    return load_settings(options(pacing={"time_scale": 1.0, "max_rate_limited": 4}))


@pytest.fixture
def client(settings: WildberriesSettings) -> WildberriesClient:
    return direct_client(settings, Pacer(settings.pacing))


@responses.activate
def test_promotion_count_flattens_the_groups_and_sends_the_raw_token(client: WildberriesClient) -> None:
    responses.get(
        COUNT,
        json={
            "adverts": [
                {"type": 9, "status": 9, "count": 1, "advert_list": [{"advertId": 11, "changeTime": "t1"}]},
                {"type": 8, "status": 7, "count": 1, "advert_list": [{"advertId": 12, "changeTime": "t2"}]},
            ],
            "all": 2,
        },
    )
    found = client.promotion_count(Recorder().waiter())
    assert found == [
        {"advertId": 11, "changeTime": "t1", "type": 9, "status": 9},
        {"advertId": 12, "changeTime": "t2", "type": 8, "status": 7},
    ]
    assert responses.calls[0].request.headers["Authorization"] == ENV["WB_TOKEN_MAIN"]  # no "Bearer"


@responses.activate
def test_a_seller_without_campaigns_gets_null_lists_as_empty_ones(client: WildberriesClient) -> None:
    responses.get(COUNT, json={"adverts": None, "all": 0})
    responses.get(ADVERTS, json={"adverts": None})
    responses.get(FULLSTATS, body="null", content_type="application/json")
    waiter = Recorder().waiter()
    assert client.promotion_count(waiter) == []
    assert client.adverts([1], waiter) == []
    assert client.fullstats([1], date(2026, 1, 1), date(2026, 1, 2), waiter) == []


@responses.activate
def test_adverts_and_fullstats_send_their_query_parameters(client: WildberriesClient) -> None:
    responses.get(ADVERTS, json={"adverts": [{"id": 1}]})
    responses.get(FULLSTATS, json=[{"advertId": 1, "days": []}])
    waiter = Recorder().waiter()
    assert client.adverts([1, 2], waiter, statuses=[9, 11], payment_type="cpc") == [{"id": 1}]
    client.fullstats([1, 2], date(2026, 1, 1), date(2026, 1, 31), waiter)
    first, second = (call.request for call in responses.calls)
    assert first.params == {"ids": "1,2", "statuses": "9,11", "payment_type": "cpc"}
    assert second.params == {"ids": "1,2", "beginDate": "2026-01-01", "endDate": "2026-01-31"}


@responses.activate
def test_orders_and_sales_page_from_date_from_on_the_statistics_host(client: WildberriesClient) -> None:
    responses.get(ORDERS, json=[{"srid": "a", "lastChangeDate": "2026-01-01T10:00:00"}])
    responses.get(SALES, json=[])
    waiter = Recorder().waiter()
    assert client.orders("2026-01-01", waiter)[0]["srid"] == "a"
    assert client.sales("2026-01-01T10:00:00", waiter) == []
    assert [call.request.params for call in responses.calls] == [
        {"dateFrom": "2026-01-01", "flag": "0"},
        {"dateFrom": "2026-01-01T10:00:00", "flag": "0"},
    ]


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"X-Ratelimit-Retry": "20"}, 20.0),
        ({"X-Ratelimit-Retry": "0.25"}, 0.25),
        ({"x-ratelimit-retry": "1.5", "X-Ratelimit-Reset": "9"}, 1.5),
        ({"X-Ratelimit-Retry": "soon", "Retry-After": "3"}, 3.0),
        ({"X-Ratelimit-Limit": "3"}, None),
    ],
)
def test_x_ratelimit_retry_is_read_as_seconds_float_or_whole(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert ratelimit_retry_s(headers) == seconds


@responses.activate
def test_a_429_is_waited_out_for_x_ratelimit_retry_without_an_error(client: WildberriesClient) -> None:
    responses.get(
        FULLSTATS, status=429, json={"title": "too many requests"}, headers={"X-Ratelimit-Retry": "1.5"}
    )
    responses.get(FULLSTATS, json=[])
    recorder = Recorder()
    waiter = recorder.waiter()
    assert client.fullstats([1], date(2026, 1, 1), date(2026, 1, 1), waiter) == []
    assert len(responses.calls) == 2
    assert 1.5 in recorder.sleeps  # the wait WB asked for, fractional
    assert recorder.alive >= 1  # the lock was kept alive while waiting


@responses.activate
def test_a_429_without_a_hint_waits_one_interval_of_the_group(
    client: WildberriesClient, settings: WildberriesSettings
) -> None:
    responses.get(SALES, status=429)
    responses.get(SALES, json=[])
    recorder = Recorder()
    client.sales("2026-01-01", recorder.waiter())
    assert sum(recorder.sleeps) >= 60.0  # sales: one request a minute


@responses.activate
def test_429s_beyond_the_task_budget_become_a_retryable_error_with_the_wait(
    client: WildberriesClient,
) -> None:
    responses.get(COUNT, status=429, headers={"X-Ratelimit-Retry": "50"})
    recorder = Recorder()
    with pytest.raises(WildberriesTransient) as raised:
        client.promotion_count(recorder.waiter(max_wait_s=30))
    assert isinstance(raised.value, RetryableError) and raised.value.retry_after == 50
    assert len(responses.calls) == 1 and recorder.sleeps == []


@responses.activate
def test_endless_429s_stop_after_max_rate_limited(client: WildberriesClient) -> None:
    responses.get(COUNT, status=429, headers={"X-Ratelimit-Retry": "0.01"})
    with pytest.raises(WildberriesTransient, match="429 4 times"):
        client.promotion_count(Recorder().waiter())
    assert len(responses.calls) == 4


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_auth_errors_name_the_category_and_the_variable_never_the_token(
    client: WildberriesClient, status: int
) -> None:
    responses.get(FULLSTATS, status=status, json={**UNAUTHORIZED, "status": status})
    responses.get(ORDERS, status=status, json={**UNAUTHORIZED, "status": status})
    waiter = Recorder().waiter()
    with pytest.raises(WildberriesAuthError) as advert:
        client.fullstats([1], date(2026, 1, 1), date(2026, 1, 1), waiter)
    with pytest.raises(WildberriesAuthError) as statistics:
        client.orders("2026-01-01", waiter)
    for raised, category in ((advert, "Продвижение"), (statistics, "Статистика")):
        message = str(raised.value)
        assert isinstance(raised.value, PermanentError)
        assert category in message and "WB_TOKEN_MAIN" in message and "token problem" in message
        assert ENV["WB_TOKEN_MAIN"] not in message


@responses.activate
def test_a_fullstats_400_fails_permanently_with_the_api_detail(client: WildberriesClient) -> None:
    body = {
        "detail": "invalid ids",
        "origin": "camp-api-public-cache",
        "request_id": "4",
        "status": 400,
        "title": "invalid payload",
    }
    responses.get(FULLSTATS, status=400, json=body)
    with pytest.raises(
        WildberriesRejected, match=r"fullstats \(account main\) answered HTTP 400: invalid ids"
    ):
        client.fullstats([1], date(2026, 1, 1), date(2026, 1, 1), Recorder().waiter())


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"errors": ["dateFrom: field required"]}, "dateFrom: field required"),
        ({"errors": "dateFrom: Value not validated"}, "dateFrom: Value not validated"),
    ],
)
@responses.activate
def test_a_statistics_400_fails_permanently_with_the_api_errors(
    client: WildberriesClient, body: dict[str, object], text: str
) -> None:
    responses.get(ORDERS, status=400, json=body)
    with pytest.raises(WildberriesRejected, match=text) as raised:
        client.orders("", Recorder().waiter())
    assert not isinstance(raised.value, RetryableError)


@pytest.mark.parametrize("status", [402, 404, 409, 413, 422])
@responses.activate
def test_other_4xx_are_permanent(client: WildberriesClient, status: int) -> None:
    responses.get(COUNT, status=status, json={"title": "refused", "detail": f"status {status}"})
    with pytest.raises(WildberriesRejected, match=f"HTTP {status}: status {status}"):
        client.promotion_count(Recorder().waiter())


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@responses.activate
def test_5xx_are_retryable(client: WildberriesClient, status: int) -> None:
    responses.get(SALES, status=status, body="<html>bad gateway</html>")
    with pytest.raises(WildberriesTransient, match=f"HTTP {status}") as raised:
        client.sales("2026-01-01", Recorder().waiter())
    assert isinstance(raised.value, RetryableError) and raised.value.spends_attempt


@responses.activate
def test_a_lost_connection_is_a_transport_failure(client: WildberriesClient) -> None:
    responses.get(ORDERS, body=requests.ConnectionError("connection reset by peer"))
    with pytest.raises(TransportFailure):
        client.orders("2026-01-01", Recorder().waiter())


@responses.activate
def test_a_200_that_is_not_the_api_json_is_a_protocol_error(client: WildberriesClient) -> None:
    responses.get(ORDERS, body="<html>maintenance</html>")
    responses.get(SALES, json={"rows": []})
    waiter = Recorder().waiter()
    with pytest.raises(WildberriesProtocolError, match="without JSON"):
        client.orders("2026-01-01", waiter)
    with pytest.raises(WildberriesProtocolError, match="not a list"):
        client.sales("2026-01-01", waiter)
