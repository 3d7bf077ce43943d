"""The real SMS Aero client against the real sandbox: three gates on ephemeral ports, in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.errors import RetryableError, TransportFailure
from core.tracking import TrackedItem
from systems.smsaero.client import SmsAeroClient
from systems.smsaero.errors import SmsAeroAuthFailed, SmsAeroNoCredits, SmsAeroRefused
from systems.smsaero.sending import SendSms
from systems.smsaero.tracker import SmsAeroTracker
from tests.fixtures.smsaero.support import (
    EMAIL,
    Sandbox,
    client,
    context,
    private_http,
    refused_port,
    running_sandbox,
    settings,
)
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
NUMBER = "79990000000"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as started:
        yield started


def test_send_then_status_follows_the_control_api(sandbox: Sandbox) -> None:
    api = client(sandbox.urls)
    sent = api.send(NUMBER, "Hello", "SMS Aero")
    assert (sent.status, sent.status_word, sent.cost) == (0, "queue", 4.99)
    assert api.status(sent.id).status == 0
    sandbox.control("POST", f"sms/{sent.id}/deliver")
    delivered = api.status(sent.id)
    assert delivered.delivered and delivered.status_word == "delivery"
    state = sandbox.state()
    assert state["sends"] == {f"{NUMBER}|Hello": 1} and state["balance"] == 995.01
    assert state["counters"]["gates"] == {"gate.smsaero.ru": 3}


def test_a_refused_first_gate_sends_through_the_second(sandbox: Sandbox) -> None:
    gates = [f"http://127.0.0.1:{refused_port()}/v2/", *sandbox.urls[1:]]
    sent = client(gates).send(NUMBER, "Hello", "SMS Aero")
    assert client(gates).status(sent.id).id == sent.id
    assert sandbox.state()["counters"]["gates"] == {"gate.smsaero.org": 2}


def test_a_gate_switched_down_refuses_and_the_next_answers(sandbox: Sandbox) -> None:
    assert sandbox.control("POST", "gates/1/down") == {"down": [1]}
    client(sandbox.urls).send(NUMBER, "Hello", "SMS Aero")
    assert sandbox.state()["counters"]["gates"] == {"gate.smsaero.org": 1}
    sandbox.control("POST", "gates/2/down")
    sandbox.control("POST", "gates/1/up")
    client(sandbox.urls).send(NUMBER, "Again", "SMS Aero")
    assert sandbox.state()["counters"]["gates"] == {"gate.smsaero.org": 1, "gate.smsaero.ru": 1}


def test_wrong_credentials_are_refused_with_401(sandbox: Sandbox) -> None:
    wrong = SmsAeroClient(private_http(), sandbox.urls, EMAIL, "not-the-key")
    with pytest.raises(SmsAeroAuthFailed, match="HTTP 401"):
        wrong.send(NUMBER, "Hello", "SMS Aero")
    assert sandbox.state()["sends"] == {}


def test_validation_and_money_refusals_are_final(sandbox: Sandbox) -> None:
    api = client(sandbox.urls)
    with pytest.raises(SmsAeroRefused, match="Validation error"):
        api.send(NUMBER, "Hello", "Unknown Sign")
    with pytest.raises(SmsAeroRefused, match="Validation error"):
        api.send("123", "Hello", "SMS Aero")
    sandbox.control("POST", "settings", {"balance": 1.0})
    with pytest.raises(SmsAeroNoCredits):
        api.send(NUMBER, "Hello", "SMS Aero")
    assert sandbox.state()["sends"] == {}


def test_rate_limit_and_server_errors_are_retryable_and_send_nothing(sandbox: Sandbox) -> None:
    api = client(sandbox.urls)
    sandbox.control("POST", "faults", {"kind": "rate_limit", "retry_after_s": 2})
    with pytest.raises(RetryableError) as caught:
        api.send(NUMBER, "Hello", "SMS Aero")
    assert caught.value.retry_after == 2.0
    for status in (500, 502, 503):
        sandbox.control("POST", "faults", {"kind": "server_error", "status": status})
        with pytest.raises(RetryableError, match=f"HTTP {status}"):
            api.send(NUMBER, "Hello", "SMS Aero")
    assert sandbox.state()["sends"] == {}
    assert sandbox.state()["counters"]["statuses"] == {"429": 1, "500": 1, "502": 1, "503": 1}


def test_a_slow_send_times_out_without_trying_another_gate(sandbox: Sandbox) -> None:
    sandbox.control("POST", "faults", {"kind": "slow", "delay_s": 0.6, "selector": "sms/send"})
    api = SmsAeroClient(private_http(timeout_s=0.3), sandbox.urls, EMAIL, "k3y-0f-the-sandbox-account")
    with pytest.raises(TransportFailure, match="ReadTimeout"):
        api.send(NUMBER, "Hello", "SMS Aero")
    # The gate sends it after all, and only the first gate ever saw the send.
    wait_for(lambda: sandbox.sends() == {f"{NUMBER}|Hello": 1}, timeout=5, what="the slow send")
    assert sandbox.state()["counters"]["gates"] == {"gate.smsaero.ru": 1}


def test_a_lost_answer_is_retried_by_looking_first_so_one_sms_goes_out(sandbox: Sandbox) -> None:
    sandbox.control("POST", "faults", {"kind": "lost_answer", "selector": "sms/send"})
    action = SendSms(client(sandbox.urls), settings())
    variables = {"phone": "+7 999 000-00-00", "sms_text": "Your order is ready"}
    with pytest.raises(RetryableError, match="HTTP 502"):
        action(context(variables=variables))
    outcome = action(context(variables=variables, resumed=True))
    (sms,) = sandbox.sms()
    assert outcome.id == str(sms["id"]) and sandbox.sends() == {f"{NUMBER}|Your order is ready": 1}


def test_list_filters_by_number_and_text_and_pages_newest_first(sandbox: Sandbox) -> None:
    api = client(sandbox.urls)
    ids = [api.send(NUMBER, f"Code {n}", "SMS Aero").id for n in range(25)]
    api.send("79991112233", "Code 3", "SMS Aero")
    first = api.list(NUMBER)
    assert [r.id for r in first.records] == ids[::-1][:20] and first.has_next
    second = api.list(NUMBER, page=2)
    assert [r.id for r in second.records] == ids[::-1][20:] and not second.has_next
    assert [r.id for r in api.list(NUMBER, "Code 3").records] == [ids[3]]
    assert api.list("79990009999").records == []


def test_test_mode_sends_nothing_billable_and_keeps_test_ids_apart(sandbox: Sandbox) -> None:
    test_api = client(sandbox.urls, test_mode=True)
    sent = test_api.send(NUMBER, "Hello", "SMS Aero")
    assert test_api.status(sent.id).id == sent.id
    assert [r.id for r in test_api.list(NUMBER).records] == [sent.id]
    with pytest.raises(SmsAeroRefused, match="Not found"):
        client(sandbox.urls).status(sent.id)
    assert sandbox.sends() == {} and sandbox.state()["balance"] == 1000.0


def test_the_tracker_reads_automatic_delivery_and_failure(sandbox: Sandbox) -> None:
    sandbox.control("POST", "settings", {"auto_deliver_after_s": 0, "undeliverable": ["79991112233"]})
    api = client(sandbox.urls)
    good, bad = api.send(NUMBER, "Hi", "SMS Aero"), api.send("79991112233", "Hi", "SMS Aero")
    items = [TrackedItem(f"t{r.id}", str(r.id), None, "pi", "Notify", "sms.send") for r in (good, bad)]
    outcomes = SmsAeroTracker(api, settings()).check(items)
    assert type(outcomes[f"t{good.id}"]).__name__ == "CompleteOutcome"
    assert getattr(outcomes[f"t{bad.id}"], "code", None) == "SMS_NOT_DELIVERED"
