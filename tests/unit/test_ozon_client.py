"""The Ozon client against ``responses``: bodies, headers, every error class, accounts and settings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import requests
import responses

from core.errors import ConfigError, PermanentError, RetryableError, TransportFailure
from core.redact import redact
from systems.ozon.accounts import Accounts, credentials
from systems.ozon.client import OzonClient
from systems.ozon.errors import OzonAuthError, OzonProtocolError, OzonRateLimited, OzonRejected, OzonTransient
from systems.ozon.settings import Account, load_settings
from tests.fixtures.ozon.support import (
    API_KEY,
    CLIENT_ID,
    ENVIRON,
    OTHER_CLIENT_ID,
    accounts,
    context,
    settings,
)

BASE = "https://api-seller.ozon.test"
PRODUCTS = f"{BASE}/v3/product/list"
POSTINGS = f"{BASE}/v3/posting/fbs/list"
SINCE = datetime(2026, 2, 1, 21, tzinfo=UTC)
TO = datetime(2026, 2, 2, 20, 59, 59, tzinfo=UTC)


@pytest.fixture
def mocked() -> responses.RequestsMock:
    with responses.RequestsMock() as mock:
        yield mock


def client(account: str = "main") -> OzonClient:
    return accounts(settings(BASE)).client(account)


def list_postings(ozon: OzonClient, status: str | None = None) -> object:
    return ozon.fbs_postings(since=SINCE, to=TO, offset=0, limit=10, status=status)


def test_product_list_sends_the_account_headers_and_reads_the_page(mocked: responses.RequestsMock) -> None:
    items = [{"product_id": 1, "offer_id": "A", "archived": False, "quants": []}]
    mocked.post(PRODUCTS, json={"result": {"items": items, "total": 41, "last_id": "WzEsMV0="}})
    page = client().product_list(last_id="", limit=100, visibility="ALL")
    assert (page.items, page.total, page.last_id) == (items, 41, "WzEsMV0=")
    request = mocked.calls[0].request
    assert request.headers["Client-Id"] == CLIENT_ID and request.headers["Api-Key"] == API_KEY
    assert json.loads(request.body or b"") == {"filter": {"visibility": "ALL"}, "last_id": "", "limit": 100}


def test_fbs_postings_sends_the_period_in_utc_with_z_and_reads_has_next(
    mocked: responses.RequestsMock,
) -> None:
    mocked.post(POSTINGS, json={"result": {"postings": [{"posting_number": "1-1-1"}], "has_next": True}})
    mocked.post(POSTINGS, json={"result": {"has_next": False}})  # protobuf JSON omits an empty list
    first = client("second").fbs_postings(since=SINCE, to=TO, offset=20, limit=10, status="delivered")
    assert first.postings == [{"posting_number": "1-1-1"}] and first.has_next
    empty = client().fbs_postings(since=SINCE, to=TO, offset=0, limit=10)
    assert empty.postings == [] and not empty.has_next
    body = json.loads(mocked.calls[0].request.body or b"")
    assert body["filter"] == {
        "since": "2026-02-01T21:00:00Z",
        "to": "2026-02-02T20:59:59Z",
        "status": "delivered",
    }
    assert (body["dir"], body["limit"], body["offset"]) == ("ASC", 10, 20)
    assert "status" not in json.loads(mocked.calls[1].request.body or b"")["filter"]
    assert mocked.calls[0].request.headers["Client-Id"] == OTHER_CLIENT_ID


def test_429_code_8_is_rate_limited_and_retryable_with_the_hint(mocked: responses.RequestsMock) -> None:
    body = {"code": 8, "message": "You have reached request rate limit per second", "details": []}
    mocked.post(PRODUCTS, status=429, json=body, headers={"Retry-After": "2"})
    with pytest.raises(OzonRateLimited, match=r"code 8 ResourceExhausted\): You have reached") as caught:
        client().product_list(last_id="", limit=10)
    assert isinstance(caught.value, RetryableError) and caught.value.retry_after == 2.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_transient(mocked: responses.RequestsMock, status: int) -> None:
    mocked.post(POSTINGS, status=status, json={"code": 13, "message": "internal error", "details": []})
    with pytest.raises(OzonTransient, match=f"HTTP {status}") as caught:
        list_postings(client())
    assert isinstance(caught.value, RetryableError) and not isinstance(caught.value, OzonRateLimited)


@pytest.mark.parametrize("status", [400, 404, 409])
def test_other_4xx_are_permanent_with_ozons_message(mocked: responses.RequestsMock, status: int) -> None:
    mocked.post(POSTINGS, status=status, json={"code": 3, "message": "filter.since: invalid", "details": []})
    with pytest.raises(OzonRejected, match=r"code 3 InvalidArgument\): filter.since: invalid") as caught:
        list_postings(client())
    assert isinstance(caught.value, PermanentError) and not isinstance(caught.value, OzonAuthError)
    assert caught.value.status == status


@pytest.mark.parametrize(("status", "code"), [(401, 16), (403, 7)])
def test_auth_failures_name_the_variables_never_the_key(
    mocked: responses.RequestsMock, status: int, code: int
) -> None:
    mocked.post(
        PRODUCTS, status=status, json={"code": code, "message": "Invalid Api-Key, please contact support"}
    )
    with pytest.raises(OzonAuthError) as caught:
        client().product_list(last_id="", limit=10)
    text = str(caught.value)
    assert "OZON_CLIENT_ID" in text and "OZON_API_KEY" in text and API_KEY not in text
    assert isinstance(caught.value, PermanentError)


def test_a_key_echoed_in_an_error_message_is_masked(mocked: responses.RequestsMock) -> None:
    mocked.post(PRODUCTS, status=400, json={"code": 3, "message": f"bad key {API_KEY}"})
    with pytest.raises(OzonRejected) as caught:
        client().product_list(last_id="", limit=10)
    assert API_KEY not in str(caught.value) and API_KEY not in redact(f"x {API_KEY}")


@pytest.mark.parametrize(
    "answer",
    [{"json": {"items": []}}, {"json": {"result": {"items": {"a": 1}}}}, {"body": "<html>ok</html>"}],
)
def test_a_200_without_the_documented_result_is_a_protocol_error(
    mocked: responses.RequestsMock, answer: dict[str, object]
) -> None:
    mocked.post(PRODUCTS, status=200, **answer)  # type: ignore[arg-type]
    with pytest.raises(OzonProtocolError):
        client().product_list(last_id="", limit=10)


def test_a_cut_connection_is_a_transport_failure(mocked: responses.RequestsMock) -> None:
    mocked.post(PRODUCTS, body=requests.ConnectionError("connection reset by peer"))
    with pytest.raises(TransportFailure):
        client().product_list(last_id="", limit=10)


@pytest.mark.parametrize(
    ("environ", "account", "message", "key"),
    [
        ({}, Account(), "set the environment variable OZON_CLIENT_ID", "client_id_env"),
        ({"OZON_CLIENT_ID": "seller-1", "OZON_API_KEY": "k" * 8}, Account(), "must be a number", "client_id"),
        ({"OZON_CLIENT_ID": "42"}, Account(), "set the environment variable OZON_API_KEY", "api_key_env"),
        ({"OZON_API_KEY": "k" * 8}, Account(client_id="abc"), "check client_id", "client_id"),
    ],
)
def test_missing_or_malformed_credentials_stop_start_up_naming_the_variable(
    environ: dict[str, str], account: Account, message: str, key: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        credentials("main", account, environ)
    assert caught.value.key == f"systems.ozon.options.accounts.main.{key}"


def test_a_client_id_given_in_the_options_needs_only_the_key_from_the_environment() -> None:
    found = credentials(
        "shop", Account(client_id="777", api_key_env="SHOP_KEY"), {"SHOP_KEY": "shop-secret-1"}
    )
    assert (found.client_id, found.api_key) == ("777", "shop-secret-1")
    assert "shop-secret-1" not in repr(found) and redact("shop-secret-1") != "shop-secret-1"


def test_the_account_comes_from_the_property_then_the_variable_then_the_default() -> None:
    chosen = accounts(settings(BASE))
    assert chosen.pick(context()) == "main"
    assert chosen.pick(context(variables={"ozon_account": "second"})) == "second"
    assert (
        chosen.pick(context(variables={"ozon_account": "main"}, properties={"ozon.account": "second"}))
        == "second"
    )
    with pytest.raises(PermanentError, match=r"account 'third'.*known: main, second"):
        chosen.pick(context(properties={"ozon.account": "third"}))


def test_every_configured_account_is_checked_at_start_up() -> None:
    partial_env = {k: v for k, v in ENVIRON.items() if not k.startswith("OZON_SECOND")}
    with pytest.raises(ConfigError, match="OZON_SECOND_CLIENT_ID"):
        Accounts(settings(BASE), environ=partial_env)


def test_a_default_account_that_is_not_configured_is_an_error_naming_the_key() -> None:
    with pytest.raises(
        ConfigError, match=r"systems\.ozon\.options.*default_account 'shop' is not in accounts"
    ):
        load_settings({"default_account": "shop"})
    with pytest.raises(ConfigError, match=r"postings\.timezone"):
        load_settings({"postings": {"timezone": "Mars/Olympus"}})
    with pytest.raises(ConfigError, match=r"products\.page_size"):
        load_settings({"products": {"page_size": 5000}})
