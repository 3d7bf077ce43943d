"""core.operations (controlling process runs) against the real engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loguru import logger

from core import operations as ops
from core.camunda import CamundaClient, FetchTopic, LockedTask
from core.errors import CamundaNotFound, OperationNotFound, OperationRefused
from core.ledger import RoutedTask, SqliteLedger
from tests.support.bpmn import Step, chain_process

pytestmark = pytest.mark.integration
WORKER = "ops-test"
ACTOR = "test:ops"


def deploy(engine: CamundaClient, key: str, *activities: str) -> list[str]:
    """A process ``key`` with one external task per activity id; returns the topics."""
    steps = [Step(activity, f"{activity}-{key}", name=f"Step {activity}") for activity in activities]
    engine.create_deployment(f"test-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})
    return [step.topic for step in steps]


def fetch(engine: CamundaClient, topic: str, max_tasks: int = 10) -> list[LockedTask]:
    return engine.fetch_and_lock(WORKER, [FetchTopic(topic, 600_000)], max_tasks=max_tasks)


def fail(engine: CamundaClient, task: LockedTask, message: str = "the system said no") -> None:
    engine.failure(task.id, WORKER, error_message=message, retries=0)


def summary_of(engine: CamundaClient, key: str) -> ops.ProcessSummary:
    return next(row for row in ops.list_processes(engine) if row.key == key)


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message.record["message"])), level="INFO")
    yield lines
    logger.remove(sink)


def test_list_processes_counts_follow_the_runs(camunda: CamundaClient, unique: str) -> None:
    key = f"count{unique}"
    (topic,) = deploy(camunda, key, "a")
    deploy(camunda, key, "a")  # a second version: its counts add up with the first's
    for _ in range(3):
        camunda.start_process_instance(key)
    first = summary_of(camunda, key)
    assert (first.version, first.running, first.incidents, first.completed) == (2, 3, 0, 0)
    done, broken = fetch(camunda, topic, max_tasks=2)
    camunda.complete(done.id, WORKER)
    fail(camunda, broken)
    after = summary_of(camunda, key)
    assert (after.running, after.incidents, after.completed) == (2, 1, 1)


def test_start_process_with_variables_and_business_key(
    camunda: CamundaClient, unique: str, log_lines: list[str]
) -> None:
    key = f"start{unique}"
    deploy(camunda, key, "a")
    variables = {"amount": 5, "customer": {"name": "Пётр Сидоров"}}
    started = ops.start_process(camunda, key, variables, actor=ACTOR, business_key=f"bk-{unique}")
    assert started.business_key == f"bk-{unique}" and started.definition_id.startswith(key)
    assert camunda.process_instance_variables(started.id) == variables
    assert camunda.get_process_instance(started.id)["businessKey"] == f"bk-{unique}"
    (line,) = [line for line in log_lines if line.startswith("operation=start")]
    assert line.startswith(f"operation=start by={ACTOR} target={started.id} process={key}")
    assert "Пётр" not in line
    with pytest.raises(OperationNotFound, match=f"nope{unique}"):
        ops.start_process(camunda, f"nope{unique}", {}, actor=ACTOR)


def test_list_executions_filters_and_pages(camunda: CamundaClient, unique: str) -> None:
    key = f"list{unique}"
    (topic,) = deploy(camunda, key, "a")
    before = datetime.now(UTC) - timedelta(seconds=5)
    ids = [camunda.start_process_instance(key, business_key=f"b{n}-{unique}")["id"] for n in range(3)]
    ops.stop(camunda, ids[0], actor=ACTOR, reason="test")
    (task, _other) = fetch(camunda, topic)
    fail(camunda, task)

    def listed(page: ops.PageRequest | None = None, **filters: object) -> ops.Page[ops.ExecutionSummary]:
        query = ops.ExecutionFilters(definition_key=key, **filters)  # type: ignore[arg-type]
        return ops.list_executions(camunda, query, page or ops.PageRequest())

    first = listed(ops.PageRequest(offset=0, limit=2))
    rest = listed(ops.PageRequest(offset=2, limit=2))
    assert (first.total, len(first.items), first.offset, first.limit) == (3, 2, 0, 2)
    assert (rest.total, len(rest.items)) == (3, 1)
    assert {item.id for item in [*first.items, *rest.items]} == set(ids)
    assert [item.id for item in listed(state="cancelled").items] == [ids[0]]
    assert listed(state="cancelled").items[0].delete_reason == "test"
    assert {item.id for item in listed(state="running").items} == set(ids[1:])
    assert [item.id for item in listed(state="incident").items] == [task.process_instance_id]
    assert [item.id for item in listed(business_key=f"b1-{unique}").items] == [ids[1]]
    assert listed(started_after=before).total == 3
    assert listed(started_after=datetime.now(UTC) + timedelta(hours=1)).total == 0
    assert listed(started_before=before).total == 0


def test_show_execution_masks_secrets_and_shows_where_it_stands(camunda: CamundaClient, unique: str) -> None:
    key = f"show{unique}"
    (topic,) = deploy(camunda, key, "a")
    variables = {
        "api_token": "tok-1234567890",
        "note": "see https://bot:hunter22@example.org/x",
        "city": "Kazan",
        "count": 7,
    }
    instance = camunda.start_process_instance(key, business_key="bk", variables=variables)
    (task,) = fetch(camunda, topic)
    fail(camunda, task, "Bitrix24 said 403")
    shown = ops.show_execution(camunda, instance["id"])
    assert (shown.state, shown.business_key, shown.definition_key) == ("running", "bk", key)
    (activity,) = shown.current_activities
    assert (activity.activity_id, activity.name, activity.activity_instance_id) == (
        "a",
        "Step a",
        task.activity_instance_id,
    )
    (incident,) = shown.incidents
    assert (incident.type, incident.activity_id, incident.external_task_id) == (
        "failedExternalTask",
        "a",
        task.id,
    )
    assert incident.message == "Bitrix24 said 403" and incident.id in activity.incident_ids
    values = {variable.name: variable.value for variable in shown.variables}
    assert values == {
        "api_token": "***",
        "note": "see https://bot:***@example.org/x",
        "city": "Kazan",
        "count": 7,
    }
    assert "tok-1234567890" not in str(shown.model_dump(mode="json"))
    with pytest.raises(OperationNotFound, match="process instance nope"):
        ops.show_execution(camunda, "nope")


def test_a_finished_execution_shows_its_variables_from_history(camunda: CamundaClient, unique: str) -> None:
    key = f"done{unique}"
    (topic,) = deploy(camunda, key, "a")
    instance = camunda.start_process_instance(key, variables={"db_password": "pw-123456"})
    (task,) = fetch(camunda, topic)
    camunda.complete(task.id, WORKER, {"answer": 42})
    shown = ops.show_execution(camunda, instance["id"])
    assert (shown.state, shown.current_activities, shown.incidents) == ("completed", [], [])
    assert shown.ended_at is not None
    assert {v.name: v.value for v in shown.variables} == {"db_password": "***", "answer": 42}


def test_pause_keeps_tasks_from_workers_and_resume_gives_them_back(
    engine: CamundaClient, unique: str, log_lines: list[str]
) -> None:
    key = f"pause{unique}"
    (topic,) = deploy(engine, key, "a")
    instance = engine.start_process_instance(key)["id"]
    done = ops.pause(engine, instance, actor=ACTOR)
    assert (done.operation, done.target) == ("pause", instance)
    assert ops.show_execution(engine, instance).state == "suspended"
    assert fetch(engine, topic) == []
    ops.resume(engine, instance, actor=ACTOR)
    assert [task.process_instance_id for task in fetch(engine, topic)] == [instance]
    assert f"operation=pause by={ACTOR} target={instance}" in log_lines
    assert f"operation=resume by={ACTOR} target={instance}" in log_lines
    with pytest.raises(OperationNotFound):
        ops.pause(engine, f"nope-{unique}", actor=ACTOR)


def test_stop_cancels_the_instance_with_its_reason(camunda: CamundaClient, unique: str) -> None:
    key = f"stop{unique}"
    deploy(camunda, key, "a")
    instance = camunda.start_process_instance(key)["id"]
    assert ops.stop(camunda, instance, actor=ACTOR, reason="customer withdrew").done
    with pytest.raises(CamundaNotFound):
        camunda.get_process_instance(instance)
    history = camunda.history_process_instance(instance)
    assert (history["state"], history["deleteReason"]) == ("EXTERNALLY_TERMINATED", "customer withdrew")
    assert ops.show_execution(camunda, instance).state == "cancelled"
    with pytest.raises(OperationNotFound):
        ops.stop(camunda, instance, actor=ACTOR, reason="again")


def _ledger_record(ledger: SqliteLedger, task: LockedTask, system: str = "bitrix24") -> None:
    ledger.record_routed(
        RoutedTask(
            external_task_id=task.id,
            message_id=f"msg-{task.id}",
            system=system,
            topic=task.topic_name,
            process_instance_id=task.process_instance_id,
            process_definition_key=task.process_definition_key,
            activity_id=task.activity_id,
            worker_id=WORKER,
            lock_duration_ms=600_000,
        )
    )


def test_steps_join_the_ledger_records(camunda: CamundaClient, unique: str, tmp_path: Path) -> None:
    key = f"steps{unique}"
    topic_a, topic_b = deploy(camunda, key, "a", "b")
    instance = camunda.start_process_instance(key)["id"]
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    (task,) = fetch(camunda, topic_a)
    _ledger_record(ledger, task)
    ledger.record_external(task.id, "4711", "https://b24.example/task/4711/")
    camunda.complete(task.id, WORKER)
    steps = {step.activity_id: step for step in ops.execution_steps(camunda, ledger, instance)}
    assert list(steps) == ["start", "a", "b"]
    done, waiting = steps["a"], steps["b"]
    assert done.ended_at is not None and done.duration_ms is not None and done.duration_ms >= 0
    assert done.activity_instance_id == task.activity_instance_id and not done.canceled
    assert done.work is not None
    assert (done.work.system, done.work.state, done.work.external_id, done.work.external_task_id) == (
        "bitrix24",
        "created",
        "4711",
        task.id,
    )
    assert (waiting.ended_at, waiting.duration_ms, waiting.work) == (None, None, None)
    assert fetch(camunda, topic_b)  # b is where the instance stands
    with pytest.raises(OperationNotFound):
        ops.execution_steps(camunda, ledger, "nope")


def test_logs_are_one_ordered_story_with_the_failure(
    camunda: CamundaClient, unique: str, tmp_path: Path
) -> None:
    key = f"logs{unique}"
    (topic,) = deploy(camunda, key, "a")
    instance = camunda.start_process_instance(key)["id"]
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    (task,) = fetch(camunda, topic)
    _ledger_record(ledger, task, system="openproject")
    ledger.mark(task.id, "failed", error=f"OpenProject 422 {unique}")  # type: ignore[arg-type]
    fail(camunda, task, f"OpenProject 422 {unique}")
    ops.retry_step(camunda, instance, str(task.activity_instance_id), actor=ACTOR)
    events = ops.execution_logs(camunda, ledger, instance)
    assert [event.at for event in events] == sorted(event.at for event in events)
    kinds = [(event.source, event.kind) for event in events]
    for expected in [
        ("ledger", "routed"),
        ("ledger", "failed"),
        ("engine", "created"),
        ("engine", "failed"),
        ("incident", "incident_opened"),
        ("incident", "incident_resolved"),
    ]:
        assert expected in kinds
    assert kinds.index(("engine", "created")) < kinds.index(("engine", "failed"))
    assert kinds.index(("incident", "incident_opened")) < kinds.index(("incident", "incident_resolved"))
    failure = next(event for event in events if (event.source, event.kind) == ("engine", "failed"))
    assert f"OpenProject 422 {unique}" in failure.message and failure.activity_id == "a"


def test_retry_step_resolves_the_incident(engine: CamundaClient, unique: str, log_lines: list[str]) -> None:
    key = f"retry{unique}"
    (topic,) = deploy(engine, key, "a")
    instance = engine.start_process_instance(key)["id"]
    (task,) = fetch(engine, topic)
    activity_instance = str(task.activity_instance_id)
    with pytest.raises(OperationRefused, match="nothing failed"):
        ops.retry_step(engine, instance, activity_instance, actor=ACTOR)
    fail(engine, task)
    (incident,) = ops.list_incidents(engine, instance_id=instance)
    done = ops.retry_step(engine, instance, activity_instance, actor=ACTOR)
    assert (done.external_task_id, done.retries, done.incident_ids) == (task.id, 1, [incident.id])
    assert ops.list_incidents(engine, instance_id=instance) == []
    assert [again.id for again in fetch(engine, topic)] == [task.id]
    assert f"operation=retry by={ACTOR} target={activity_instance} external_task={task.id}" in log_lines


def test_incidents_are_listed_per_process_and_retried(camunda: CamundaClient, unique: str) -> None:
    key, other = f"inc{unique}", f"other{unique}"
    (topic,) = deploy(camunda, key, "a")
    (other_topic,) = deploy(camunda, other, "a")
    instance = camunda.start_process_instance(key)["id"]
    camunda.start_process_instance(other)
    (task,) = fetch(camunda, topic)
    fail(camunda, task, "quota exceeded")
    fail(camunda, fetch(camunda, other_topic)[0])
    (incident,) = ops.list_incidents(camunda, process_key=key)
    assert (incident.process_instance_id, incident.external_task_id, incident.message) == (
        instance,
        task.id,
        "quota exceeded",
    )
    assert incident.created_at is not None
    ops.retry_incident(camunda, incident.id, actor=ACTOR)
    assert ops.list_incidents(camunda, process_key=key) == []
    assert len(ops.list_incidents(camunda, process_key=other)) == 1
    with pytest.raises(OperationNotFound, match="incident nope"):
        ops.retry_incident(camunda, "nope", actor=ACTOR)


def test_unlock_frees_a_locked_task(camunda: CamundaClient, unique: str) -> None:
    key = f"unlock{unique}"
    (topic,) = deploy(camunda, key, "a")
    camunda.start_process_instance(key)
    (task,) = fetch(camunda, topic)
    assert fetch(camunda, topic) == []  # locked for ten minutes
    done = ops.unlock_task(camunda, task.id, actor=ACTOR)
    assert (done.operation, done.target) == ("unlock", task.id)
    assert [again.id for again in fetch(camunda, topic)] == [task.id]
    with pytest.raises(OperationNotFound, match="external task nope"):
        ops.unlock_task(camunda, "nope", actor=ACTOR)
