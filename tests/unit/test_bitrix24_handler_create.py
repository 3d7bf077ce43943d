"""The people-task handler against the Bitrix24 sandbox (started in-process on a free port)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.actions.outcomes import Tracked
from core.errors import PermanentError
from systems.bitrix24 import build_router
from systems.bitrix24.connection import portal_base
from systems.bitrix24.errors import Bitrix24Unavailable
from systems.bitrix24.tasks import PeopleTasks
from tests.fixtures.bitrix24.support import Sandbox, context, running_sandbox, settings
from tests.support.waiting import wait_for

DOC = "Check the invoice.\nChecklist:\n- Amounts match\n- VAT is right"
PROPS = {"bitrix.responsible": "2", "bitrix.title": "Invoice {{ number }}"}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(rate=1000, burst=1000) as started:
        yield started


def handler(sandbox: Sandbox, **options: object) -> PeopleTasks:
    config = settings(**options)
    client = sandbox.client(config)
    return PeopleTasks(client, config.tasks, portal_base(client))


def test_a_task_is_created_with_its_fields_checklist_and_user_fields(sandbox: Sandbox) -> None:
    outcome = handler(sandbox)(
        context(variables={"number": "INV-7"}, properties=PROPS, documentation=DOC, task_id="ext-1")
    )
    assert isinstance(outcome, Tracked)
    (task,) = sandbox.tasks()
    assert outcome.id == str(task["id"])
    assert outcome.url == f"{sandbox.base}/company/personal/user/2/tasks/task/view/{task['id']}/"
    assert task["fields"]["title"] == "Invoice INV-7" and task["fields"]["responsibleId"] == "2"
    assert task["uf"] == {
        "UF_CAMUNDA_ID_EXTERNAL_TASK": "ext-1",
        "UF_PROCESS_INSTANCE_ID": "pi-1",
        "UF_ELEMENT_ID": "Review",
    }
    group, *items = task["checklist"]
    assert group["TITLE"] == "Checklist" and group["PARENT_ID"] == "0"
    assert [i["TITLE"] for i in items] == ["Amounts match", "VAT is right"]
    assert {i["PARENT_ID"] for i in items} == {group["ID"]}
    # One lookup, then the task and its checklist in one batch: two requests in all.
    assert sandbox.requests() == {"tasks.task.list": 1, "batch": 1}


def test_without_a_checklist_the_task_is_added_directly(sandbox: Sandbox) -> None:
    handler(sandbox)(context(variables={"number": 1}, properties=PROPS))
    assert sandbox.requests() == {"tasks.task.list": 1, "tasks.task.add": 1}


def test_a_task_an_earlier_attempt_created_is_found_not_created_again(sandbox: Sandbox) -> None:
    create = handler(sandbox)
    first = create(context(variables={"number": 1}, properties=PROPS, task_id="ext-9"))
    again = create(context(variables={"number": 1}, properties=PROPS, task_id="ext-9", attempt=2))
    assert isinstance(first, Tracked) and isinstance(again, Tracked)
    assert again.id == first.id and again.url == first.url
    assert len(sandbox.tasks()) == 1
    assert sandbox.requests() == {"tasks.task.list": 2, "tasks.task.add": 1}


def test_a_lost_answer_raises_outcome_unknown_and_the_retry_adopts_the_task(sandbox: Sandbox) -> None:
    # The portal is slow: the client gives up waiting, the portal still creates the task.
    sandbox.control("POST", "faults", {"kind": "slow", "method": "tasks.task.add", "delay_s": 0.6})
    config = settings()
    client = sandbox.client(config, read_timeout_s=0.2)
    create = PeopleTasks(client, config.tasks, portal_base(client))
    task = context(variables={"number": 1}, properties=PROPS, task_id="ext-lost")
    with pytest.raises(Bitrix24Unavailable) as caught:
        create(task)
    assert caught.value.outcome_unknown
    assert "sandboxsecret" not in str(caught.value)
    wait_for(lambda: sandbox.tasks(), timeout=5, what="the slow add to land")
    outcome = create(context(variables={"number": 1}, properties=PROPS, task_id="ext-lost", attempt=2))
    assert isinstance(outcome, Tracked)
    assert [t["id"] for t in sandbox.tasks()] == [int(outcome.id)]


def test_earlier_results_of_the_instance_go_into_the_description(sandbox: Sandbox) -> None:
    create = handler(sandbox)
    first = create(context(variables={"number": 1}, properties=PROPS, task_id="ext-a", name="Prepare"))
    assert isinstance(first, Tracked)
    sandbox.control("POST", f"tasks/{first.id}/close", {"result": "Offer sent, 5% discount"})
    other = create(context(variables={"number": 1}, properties=PROPS, task_id="ext-x", instance_id="pi-2"))
    assert isinstance(other, Tracked)
    sandbox.control("POST", f"tasks/{other.id}/close", {"result": "another instance"})
    props = {**PROPS, "bitrix.previousResults": "true"}
    second = create(context(variables={"number": 1}, properties=props, task_id="ext-b"))
    assert isinstance(second, Tracked)
    description = sandbox.control("GET", f"tasks/{second.id}")["fields"]["description"]
    assert "[B]Earlier results[/B]\n• Invoice 1: Offer sent, 5% discount" in description
    assert "another instance" not in description


def test_a_bad_model_fails_before_any_request(sandbox: Sandbox) -> None:
    with pytest.raises(PermanentError, match="no responsible person"):
        handler(sandbox)(context(variables={"number": 1}, properties={}))
    with pytest.raises(PermanentError, match="'number' is missing"):
        handler(sandbox)(context(properties=PROPS))
    assert sandbox.requests() == {}


def test_an_unknown_responsible_is_refused_by_the_portal_as_permanent(sandbox: Sandbox) -> None:
    with pytest.raises(PermanentError, match="User specified in the Responsible field not found"):
        handler(sandbox)(context(variables={"number": 1}, properties={**PROPS, "bitrix.responsible": "99"}))


def test_the_router_serves_the_configured_topics(sandbox: Sandbox) -> None:
    config = settings(topics={"task": "people.task"})
    router = build_router(config, sandbox.client(config))
    assert router.topics == sorted(
        ["people.task", "bitrix24.lead.create", "bitrix24.lead.update", "bitrix24.lead.move"]
    )
