"""SMS Aero end to end: worker, creator and tracker as processes, the real engine and broker,
and the sandbox's three gates in-process (the first one down, so every call fails over)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from core.camunda import CamundaClient
from tests.fixtures.smsaero.e2e import (
    SmsSuite,
    assert_no_secret_or_phone_in_logs,
    configure,
    deploy,
    finished,
    start_all,
)
from tests.fixtures.smsaero.support import Sandbox, running_sandbox
from tests.support.suite import SHORT_CLAIM_LEASE_S
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
GOOD, BAD = "79990000000", "79991112233"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(auto_deliver_after_s=0.5, undeliverable={BAD}) as started:
        started.control("POST", "gates/1/down")
        yield started


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[SmsSuite]:
    suite = SmsSuite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def one_sms_each(sandbox: Sandbox, count: int) -> None:
    sends = sandbox.sends()
    assert len(sends) == count and set(sends.values()) == {1}, sends


def test_delivered_completes_with_the_variables_and_undelivered_is_caught_or_an_incident(
    suite: SmsSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    catching, plain = f"p{unique}", f"q{unique}"
    configure(suite, sandbox, [catching, plain])
    deploy(camunda, catching)
    deploy(camunda, plain, catches=False)
    good = camunda.start_process_instance(catching, variables={"phone": "+7 999 000-00-00", "order": 1})["id"]
    caught = camunda.start_process_instance(catching, variables={"phone": f"+{BAD}", "order": 2})["id"]
    uncaught = camunda.start_process_instance(plain, variables={"phone": f"8{BAD[1:]}", "order": 3})["id"]
    start_all(suite)
    wait_for(lambda: finished(camunda, catching) == 2, timeout=90, what="both catching instances")
    values = camunda.history_variables(good)
    sms = {row["number"] + "|" + row["text"]: row for row in sandbox.sms()}
    assert values["sms_id"] == sms[f"{GOOD}|Order 1 is ready"]["id"]
    assert (values["sms_status"], values["sms_cost"]) == ("delivery", 4.99)
    ended = {row["activityId"] for row in camunda.history_activity_instances(caught)}
    assert "End_Boundary_Notify_SMS_NOT_DELIVERED" in ended
    (incident,) = wait_for(
        lambda: camunda.list_incidents(processInstanceId=uncaught), timeout=60, what="an incident"
    )
    assert "SMS_NOT_DELIVERED" in incident["incidentMessage"]
    assert BAD not in incident["incidentMessage"]
    one_sms_each(sandbox, 3)
    assert "gate.smsaero.ru" not in sandbox.state()["counters"]["gates"]  # gate 1 is down
    assert_no_secret_or_phone_in_logs(suite, [GOOD, BAD])


def test_a_429_and_5xx_storm_is_absorbed_without_a_duplicate_sms(
    suite: SmsSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    storm = [
        {"kind": "rate_limit", "selector": "sms/send", "count": 12, "retry_after_s": 0.5},
        {"kind": "server_error", "status": 503, "selector": "sms/send", "count": 4},
        {"kind": "lost_answer", "selector": "sms/send", "count": 3},
        {"kind": "rate_limit", "selector": "sms/status", "count": 6},
    ]
    sandbox.control("POST", "faults", {"faults": storm})
    configure(suite, sandbox, [key])
    deploy(camunda, key)
    for n in range(12):
        camunda.start_process_instance(key, variables={"phone": f"+{GOOD}", "order": n})
    start_all(suite)
    wait_for(lambda: finished(camunda, key) == 12, timeout=180, interval=0.5, what="12 instances")
    statuses = sandbox.state()["counters"]["statuses"]
    assert statuses["429"] == 18 and statuses["503"] == 4 and statuses["502"] == 3
    one_sms_each(sandbox, 12)
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    adopted = [line for line in suite.log_lines("creator") if "an earlier attempt sent it" in str(line)]
    assert len(adopted) == 3  # the three lost answers were looked up, not sent again


def test_sigkill_of_the_creator_mid_send_leaves_one_sms_per_external_task(
    suite: SmsSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    # Slow sends: when the creator dies, some sends are still running at the gate and land later.
    sandbox.control("POST", "faults", {"kind": "slow", "selector": "sms/send", "delay_s": 0.4, "count": None})
    configure(suite, sandbox, [key])
    suite.set_creator(claim_lease_s=SHORT_CLAIM_LEASE_S)  # the killed creator's sends are taken over soon
    deploy(camunda, key)
    for n in range(30):
        camunda.start_process_instance(key, variables={"phone": f"+{GOOD}", "order": n})
    start_all(suite)
    wait_for(lambda: len(sandbox.sends()) >= 6, timeout=60, interval=0.05, what="sending under way")
    suite.kill("creator")
    suite.start("creator", "--system", "smsaero")
    wait_for(lambda: finished(camunda, key) == 30, timeout=240, interval=1, what="every instance to finish")
    one_sms_each(sandbox, 30)
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    adopted = [line for line in suite.log_lines("creator") if "an earlier attempt sent it" in str(line)]
    logger.info(
        "after the kill, {} SMS were found by sms/list and adopted instead of sent again", len(adopted)
    )
