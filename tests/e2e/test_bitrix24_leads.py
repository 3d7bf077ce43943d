"""Bitrix24 CRM leads end to end: the demo lead process with and without a phone number."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.camunda import CamundaClient
from tests.fixtures.bitrix24.e2e import BitrixSuite, activities, configure, deploy_demo, finished, start_all
from tests.fixtures.bitrix24.support import Sandbox, assert_no_secret_in_logs, running_sandbox
from tests.support.bpmn import Step, chain_process
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(rate=2.0, burst=50) as started:
        yield started


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[BitrixSuite]:
    suite = BitrixSuite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def test_the_lead_flow_with_and_without_a_phone(
    suite: BitrixSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    demo, bare = f"p{unique}", f"q{unique}"
    configure(suite, sandbox, [demo, bare])
    deploy_demo(camunda, "lead.bpmn", demo)
    # The same create step without a boundary event: no phone is then an incident.
    step = Step("CreateLead", "bitrix24.lead.create", name="Create the lead")
    camunda.create_deployment(f"e2e-{bare}", {f"{bare}.bpmn": chain_process(bare, [step]).encode()})
    card = {"full_name": "Anna Maria Smirnova", "phone": "+7 900 555-00-11", "stage": "new"}
    with_phone = camunda.start_process_instance(demo, variables=card)["id"]
    caught = camunda.start_process_instance(demo, variables={**card, "phone": None})["id"]
    uncaught = camunda.start_process_instance(bare, variables={"full_name": "No Phone"})["id"]
    start_all(suite)
    wait_for(
        lambda: finished(camunda, demo) == 2, timeout=90, interval=0.5, what="both lead instances to end"
    )
    assert "Done" in activities(camunda, with_phone)
    assert "Dropped" in activities(camunda, caught) and "Update" not in activities(camunda, caught)
    (lead,) = sandbox.state()["leads"]
    assert camunda.history_variables(with_phone)["bitrix_lead_id"] == int(lead["ID"])
    assert lead["TITLE"] == "Anna Maria Smirnova (qualified)"
    assert (lead["NAME"], lead["SECOND_NAME"], lead["LAST_NAME"]) == ("Anna", "Maria", "Smirnova")
    assert [p["VALUE"] for p in lead["PHONE"]] == ["+7 900 555-00-11"]
    assert lead["STATUS_ID"] == "PROCESSED"
    (incident,) = wait_for(
        lambda: camunda.list_incidents(processInstanceId=uncaught), timeout=60, what="an incident"
    )
    assert "Missing phone number" in incident["incidentMessage"]
    assert camunda.list_incidents(processDefinitionKeyIn=demo) == []
    assert_no_secret_in_logs(suite)
