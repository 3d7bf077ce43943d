"""The DaData client against ``responses``: bodies, headers and every error class."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from core.config.models import CircuitConfig, LimitsConfig, SystemConfig
from core.errors import CircuitOpenError, PermanentError, RetryableError, TransportFailure
from core.http import configure
from core.http.client import forget_shared
from systems.dadata.connection import build_client
from systems.dadata.errors import DaDataAuthError, DaDataProtocolError, DaDataRejected
from systems.dadata.settings import load_settings
from tests.fixtures.dadata.support import API_KEY, CLEANER, SUGGESTIONS, X_SECRET, client, http_config

PHONE_URL = f"{CLEANER}/phone"
PARTY_URL = f"{SUGGESTIONS}/findById/party"
PHONE = {
    "source": "раб 846)231.60.14 *139",
    "type": "Стационарный",
    "phone": "+7 846 231-60-14 доб. 139",
    "qc": 0,
}


@pytest.fixture(autouse=True)
def fresh_shared_parts() -> None:
    forget_shared()


@responses.activate
def test_clean_sends_an_array_of_one_string_with_token_and_secret_and_returns_element_zero() -> None:
    responses.add(responses.POST, PHONE_URL, json=[PHONE])
    assert client().clean("phone", "раб 846)231.60.14 *139") == PHONE
    (call,) = responses.calls
    assert json.loads(call.request.body or b"") == ["раб 846)231.60.14 *139"]
    assert call.request.headers["Authorization"] == f"Token {API_KEY}"
    assert call.request.headers["X-Secret"] == X_SECRET


@responses.activate
def test_find_party_sends_the_token_only_and_returns_the_suggestions() -> None:
    responses.add(responses.POST, PARTY_URL, json={"suggestions": [{"value": "ПАО СБЕРБАНК", "data": {}}]})
    responses.add(responses.POST, PARTY_URL, json={"suggestions": []})
    assert client().find_party("7707083893", branch_type="MAIN")[0]["value"] == "ПАО СБЕРБАНК"
    assert client().find_party("0000000000") == []
    first = responses.calls[0].request
    assert "X-Secret" not in first.headers
    assert json.loads(first.body or b"") == {"query": "7707083893", "branch_type": "MAIN"}


@responses.activate
def test_a_429_is_retried_on_the_same_session_honouring_retry_after() -> None:
    responses.add(responses.POST, PHONE_URL, status=429, headers={"Retry-After": "0.5"})
    responses.add(responses.POST, PHONE_URL, status=503)
    responses.add(responses.POST, PHONE_URL, json=[PHONE])
    sleeps: list[float] = []
    assert client(sleeps=sleeps).clean("phone", "x")["qc"] == 0
    assert len(responses.calls) == 3 and len(sleeps) == 2
    assert sleeps[0] >= 0.5  # the wait DaData asked for


@responses.activate
def test_retries_run_out_into_a_retryable_error_for_the_delay_queues() -> None:
    responses.add(responses.POST, PHONE_URL, status=429)
    with pytest.raises(RetryableError, match="HTTP 429") as raised:
        client().clean("phone", "x")
    assert raised.value.spends_attempt and len(responses.calls) == 3


@responses.activate
def test_a_long_retry_after_goes_to_the_delay_queue_at_once() -> None:
    responses.add(responses.POST, PHONE_URL, status=429, headers={"Retry-After": "30"})
    with pytest.raises(RetryableError) as raised:
        client().clean("phone", "x")
    assert raised.value.retry_after == 30 and len(responses.calls) == 1


@responses.activate
def test_lost_connections_are_retried_then_raise_a_transport_failure() -> None:
    responses.add(responses.POST, PHONE_URL, body=requests.ConnectionError("reset by peer"))
    with pytest.raises(TransportFailure):
        client().clean("phone", "x")
    assert len(responses.calls) == 3


@responses.activate
def test_a_5xx_streak_opens_the_circuit_and_the_next_call_waits_without_sending() -> None:
    responses.add(responses.POST, PHONE_URL, status=502)
    with pytest.raises(CircuitOpenError) as raised:
        client(config=http_config(failures=2)).clean("phone", "x")
    assert raised.value.spends_attempt is False
    assert len(responses.calls) == 2  # the third attempt met the open circuit


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (401, "missing or malformed: check the environment variables DADATA_API_KEY / DADATA_SECRET_KEY"),
        (402, "top up the balance"),
        (403, "confirm the e-mail"),
    ],
)
@responses.activate
def test_auth_answers_are_incidents_saying_what_to_fix(status: int, hint: str) -> None:
    responses.add(responses.POST, PHONE_URL, status=status, json={"message": f"{API_KEY} refused"})
    with pytest.raises(DaDataAuthError, match=hint) as raised:
        client().clean("phone", "+7 900 123-45-67")
    assert isinstance(raised.value, PermanentError) and raised.value.status == status
    assert API_KEY not in str(raised.value) and "900" not in str(raised.value)
    assert len(responses.calls) == 1


@pytest.mark.parametrize("status", [400, 405, 413])
@responses.activate
def test_refused_requests_fail_at_once(status: int) -> None:
    responses.add(responses.POST, PARTY_URL, status=status)
    with pytest.raises(DaDataRejected, match=f"findById/party answered HTTP {status}"):
        client().find_party("7707083893")
    assert len(responses.calls) == 1


@pytest.mark.parametrize("body", ["not json", "[]", '[{"qc": 0}, {"qc": 0}]', '{"qc": 0}'])
@responses.activate
def test_a_200_that_is_not_an_array_of_one_record_is_a_protocol_error(body: str) -> None:
    responses.add(responses.POST, PHONE_URL, body=body)
    with pytest.raises(DaDataProtocolError):
        client().clean("phone", "x")


@responses.activate
def test_a_party_answer_without_suggestions_is_a_protocol_error() -> None:
    responses.add(responses.POST, PARTY_URL, json={"result": []})
    with pytest.raises(DaDataProtocolError, match="no suggestions list"):
        client().find_party("7707083893")


def test_cleaning_without_the_secret_names_the_variable_and_sends_nothing() -> None:
    with pytest.raises(DaDataAuthError, match="needs the secret key: set DADATA_API_KEY / DADATA_SECRET_KEY"):
        client(secret=None).clean("email", "a@b.ru")


def test_the_client_built_from_options_takes_the_entry_the_service_configured() -> None:
    configure(
        "dadata", SystemConfig(limits=LimitsConfig(max_concurrent=3), circuit=CircuitConfig(failures=7))
    )
    built = build_client(
        load_settings({}), environ={"DADATA_API_KEY": "k-123456", "DADATA_SECRET_KEY": "s-123456"}
    )
    assert built.http.limits.max_concurrent == 3
    assert built.http.circuit._threshold == 7
