"""SMS Aero client against ``responses``: every error class, gate failover, answer shapes."""

from __future__ import annotations

import base64
import json

import pytest
import requests
import responses
from urllib3.exceptions import NewConnectionError

from core.errors import PermanentError, RetryableError, TransportFailure
from systems.smsaero.errors import SmsAeroAuthFailed, SmsAeroNoCredits, SmsAeroRefused
from tests.fixtures.smsaero.support import API_KEY, EMAIL, GATES, client

SEND = GATES[0] + "sms/send"
RECORD = {
    "id": 686325,
    "from": "SMS Aero",
    "number": "79990000000",
    "text": "Hello",
    "status": 0,
    "extendStatus": "queue",
    "channel": "FREE SIGN",
    "cost": 2.99,
    "dateCreate": 1622650986,
    "dateSend": 1622650986,
}


def ok(data: object) -> dict[str, object]:
    return {"success": True, "data": data, "message": None}


def refused_connection() -> requests.ConnectionError:
    reason = NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(type("Pool", (), {"reason": reason})())


@responses.activate
def test_send_posts_json_with_basic_auth_and_reads_the_record() -> None:
    responses.post(SEND, json=ok(RECORD))
    record = client().send("79990000000", "Hello", "SMS Aero")
    assert (record.id, record.status, record.cost, record.status_word) == (686325, 0, 2.99, "queue")
    call = responses.calls[0].request
    assert json.loads(call.body or b"{}") == {"number": "79990000000", "text": "Hello", "sign": "SMS Aero"}
    expected = base64.b64encode(f"{EMAIL}:{API_KEY}".encode()).decode()
    assert call.headers["Authorization"] == f"Basic {expected}"


@responses.activate
def test_test_mode_uses_the_test_selectors() -> None:
    responses.post(GATES[0] + "sms/testsend", json=ok(RECORD))
    responses.post(GATES[0] + "sms/teststatus", json=ok({**RECORD, "status": 1, "cost": "2.99"}))
    test_client = client(test_mode=True)
    assert test_client.send("79990000000", "Hello", "SMS Aero").id == 686325
    assert test_client.status(686325).delivered


@responses.activate
def test_success_false_is_final_and_masks_the_number_it_quotes() -> None:
    body = {"success": False, "data": {"number": ["Invalid"]}, "message": "Number +79991234567 is invalid"}
    responses.post(SEND, status=400, json=body)
    with pytest.raises(SmsAeroRefused) as caught:
        client().send("79991234567", "Hello", "SMS Aero")
    assert isinstance(caught.value, PermanentError) and not isinstance(caught.value, RetryableError)
    assert "79991234567" not in str(caught.value) and "67" in str(caught.value)
    assert "79991234567" not in (caught.value.details or "")
    assert len(responses.calls) == 1  # never sent to another gate


@pytest.mark.parametrize(
    "body",
    [
        {"success": False, "data": None, "message": "Not enough money on the balance."},
        {"result": "no credits"},
    ],
)
@responses.activate
def test_no_money_is_its_own_final_error(body: dict[str, object]) -> None:
    responses.post(SEND, json=body)
    with pytest.raises(SmsAeroNoCredits, match="top up the account"):
        client().send("79990000000", "Hello", "SMS Aero")


@responses.activate
def test_the_older_reject_shape_is_a_refusal_with_its_reason() -> None:
    responses.post(SEND, json={"result": "reject", "reason": "empty field. reject"})
    with pytest.raises(SmsAeroRefused, match="empty field"):
        client().send("79990000000", "Hello", "SMS Aero")


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_refused_credentials_say_what_to_fix_and_never_show_the_key(status: int) -> None:
    body = {"success": False, "data": None, "message": "Your request was made with invalid credentials."}
    responses.post(SEND, status=status, json=body)
    with pytest.raises(SmsAeroAuthFailed) as caught:
        client().send("79990000000", "Hello", "SMS Aero")
    assert "api_key_env" in str(caught.value) and API_KEY not in str(caught.value)


@responses.activate
def test_429_is_retryable_with_the_wait_it_asks_for() -> None:
    responses.post(
        SEND,
        status=429,
        json={"success": False, "data": None, "message": "Too Many Requests"},
        headers={"Retry-After": "7"},
    )
    with pytest.raises(RetryableError) as caught:
        client().send("79990000000", "Hello", "SMS Aero")
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize("status", [500, 502, 503])
@responses.activate
def test_5xx_is_retryable_even_with_an_html_page(status: int) -> None:
    responses.post(SEND, status=status, body="<html><h1>Bad Gateway</h1></html>", content_type="text/html")
    with pytest.raises(RetryableError):
        client().send("79990000000", "Hello", "SMS Aero")


@responses.activate
def test_a_200_that_is_not_json_is_retryable() -> None:
    responses.post(SEND, body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(RetryableError, match="not JSON"):
        client().send("79990000000", "Hello", "SMS Aero")


@pytest.mark.parametrize("error", [requests.exceptions.ConnectTimeout("slow connect"), refused_connection()])
@responses.activate
def test_send_falls_over_to_the_next_gate_when_nothing_was_sent(error: Exception) -> None:
    responses.post(SEND, body=error)
    responses.post(GATES[1] + "sms/send", json=ok(RECORD))
    assert client().send("79990000000", "Hello", "SMS Aero").id == 686325
    assert [c.request.url for c in responses.calls] == [SEND, GATES[1] + "sms/send"]


@responses.activate
def test_send_does_not_fall_over_after_a_read_timeout_it_may_have_sent() -> None:
    responses.post(SEND, body=requests.exceptions.ReadTimeout("no answer"))
    responses.post(GATES[1] + "sms/send", json=ok(RECORD))
    with pytest.raises(TransportFailure):
        client().send("79990000000", "Hello", "SMS Aero")
    assert len(responses.calls) == 1


@responses.activate
def test_status_falls_over_on_any_connection_error() -> None:
    responses.post(GATES[0] + "sms/status", body=requests.exceptions.ReadTimeout("no answer"))
    responses.post(GATES[1] + "sms/status", body=requests.ConnectionError("reset"))
    delivered = {**RECORD, "status": 1, "extendStatus": "delivery", "cost": "2.99"}
    responses.post(GATES[2] + "sms/status", json=ok(delivered))
    record = client().status(686325)
    assert record.delivered and record.cost == 2.99 and record.status_word == "delivery"
    assert json.loads(responses.calls[2].request.body or b"{}") == {"id": 686325}


@responses.activate
def test_every_gate_down_is_a_transport_failure() -> None:
    for gate in GATES:
        responses.post(gate + "sms/status", body=refused_connection())
    with pytest.raises(TransportFailure, match="no gate answered sms/status"):
        client().status(1)


@responses.activate
def test_list_pages_carry_records_and_the_next_link() -> None:
    page = {
        "0": {**RECORD, "cost": "2.99", "status": 1},
        "1": {**RECORD, "id": 686320, "cost": "2.99"},
        "links": {"self": "/v2/sms/list?page=1", "next": "/v2/sms/list?page=2"},
        "totalCount": "25",
    }
    responses.post(GATES[0] + "sms/list", json=ok(page))
    listing = client().list("79990000000", "Hello")
    assert [r.id for r in listing.records] == [686325, 686320] and listing.has_next
    assert json.loads(responses.calls[0].request.body or b"{}") == {"number": "79990000000", "text": "Hello"}


@responses.activate
def test_a_later_list_page_is_asked_for_in_the_query_and_an_empty_one_is_empty() -> None:
    responses.post(GATES[0] + "sms/list?page=3", json=ok([]))
    listing = client().list("79990000000", page=3)
    assert listing.records == [] and not listing.has_next
    assert responses.calls[0].request.url == GATES[0] + "sms/list?page=3"


@responses.activate
def test_calls_stay_on_the_gate_that_answered_until_it_fails() -> None:
    responses.post(GATES[0] + "sms/status", body=refused_connection())
    responses.post(GATES[1] + "sms/status", json=ok({**RECORD, "cost": "2.99"}))
    api = client()
    api.status(1)
    api.status(2)
    assert [c.request.url for c in responses.calls] == [GATES[0] + "sms/status"] + [
        GATES[1] + "sms/status"
    ] * 2
    responses.replace(responses.POST, GATES[1] + "sms/status", body=refused_connection())
    responses.post(GATES[2] + "sms/status", json=ok({**RECORD, "cost": "2.99"}))
    api.status(3)
    api.status(4)
    later = [GATES[1] + "sms/status", GATES[2] + "sms/status", GATES[2] + "sms/status"]
    assert [c.request.url for c in responses.calls[3:]] == later
