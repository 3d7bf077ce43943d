"""``python -m tools processes|executions|incidents|tasks`` against the real engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from core.camunda import CamundaClient, FetchTopic, LockedTask
from core.ledger import RoutedTask, SqliteLedger
from tests.support.bpmn import Step, chain_process
from tools.__main__ import main

pytestmark = pytest.mark.integration
WORKER = "cli-test"


@pytest.fixture
def config(tmp_path: Path, camunda: CamundaClient) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    settings = {"state_dir": str(tmp_path / "state"), "camunda": {"url": camunda.settings.base_url}}
    (folder / "exchanger.yaml").write_text(yaml.safe_dump(settings))
    (folder / "systems.yaml").write_text(yaml.safe_dump({"systems": {"python": {}}}))
    (folder / "routing.yaml").write_text(yaml.safe_dump({"rules": [{"topic": "x", "system": "python"}]}))
    return folder


@pytest.fixture
def process(camunda: CamundaClient, unique: str) -> str:
    """A deployed process ``cli<unique>`` with one external task ``a`` on topic ``a-cli<unique>``."""
    key = f"cli{unique}"
    xml = chain_process(key, [Step("a", f"a-{key}", name="Step a")])
    camunda.create_deployment(f"test-{key}", {f"{key}.bpmn": xml.encode()})
    return key


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config-dir", str(config), *args], catch_exceptions=False)


def run_json(config: Path, *args: str) -> Any:
    result = run(config, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_fails(result: Result, *words: str) -> None:
    """Exit 1 and one clear line on stderr, nothing on stdout."""
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    for word in words:
        assert word in line


def fetch(camunda: CamundaClient, key: str) -> LockedTask:
    (task,) = camunda.fetch_and_lock(WORKER, [FetchTopic(f"a-{key}", 600_000)], max_tasks=1)
    return task


def fail(camunda: CamundaClient, task: LockedTask) -> None:
    camunda.failure(task.id, WORKER, error_message="the remote said no", retries=0)


def row_of(output: str, first_cell: str) -> list[str]:
    return next(line.split() for line in output.splitlines() if line.startswith(first_cell + " "))


def test_processes_list_and_stats(config: Path, camunda: CamundaClient, process: str) -> None:
    camunda.start_process_instance(process)
    fail(camunda, fetch(camunda, process))
    camunda.start_process_instance(process)
    listed = {item["key"]: item for item in run_json(config, "processes", "list")}
    assert listed[process]["version"] == 1 and listed[process]["running"] == 2
    table = run(config, "processes", "list")
    assert table.exit_code == 0 and row_of(table.output, process)[1] == "1"
    stats = run(config, "processes", "stats")
    assert stats.output.splitlines()[0].split() == ["KEY", "TENANT", "RUNNING", "INCIDENTS", "COMPLETED"]
    assert row_of(stats.output, process) == [process, "-", "2", "1", "0"]


def test_processes_start_parses_variables(config: Path, camunda: CamundaClient, process: str) -> None:
    started = run_json(
        config,
        "processes",
        "start",
        process,
        "--var",
        "amount=5",
        "--var",
        'order={"items": [1, 2]}',
        "--var",
        "city=Kazan",
        "--business-key",
        "order-17",
    )
    assert started["business_key"] == "order-17"
    variables = camunda.process_instance_variables(started["id"])
    assert variables == {"amount": 5, "order": {"items": [1, 2]}, "city": "Kazan"}
    assert_fails(run(config, "processes", "start", f"{process}-missing"), "not found", f"{process}-missing")
    assert run(config, "processes", "start", process, "--var", "no-equals-sign").exit_code == 2


def test_processes_pause_resume_and_stop(config: Path, camunda: CamundaClient, process: str) -> None:
    instance = camunda.start_process_instance(process)["id"]
    paused = run_json(config, "processes", "pause", instance)
    assert paused["operation"] == "pause" and paused["actor"].startswith("cli:")
    assert camunda.get_process_instance(instance)["suspended"] is True
    resumed = run(config, "processes", "resume", instance)
    assert resumed.exit_code == 0 and f"resume {instance}: done" in resumed.output
    assert camunda.get_process_instance(instance)["suspended"] is False
    assert run(config, "processes", "stop", instance).exit_code == 2  # --reason is required
    stopped = run(config, "processes", "stop", instance, "--reason", "duplicate order")
    assert stopped.exit_code == 0 and f"stop {instance}: done" in stopped.output
    history = camunda.history_process_instance(instance)
    assert (history["state"], history["deleteReason"]) == ("EXTERNALLY_TERMINATED", "duplicate order")
    assert_fails(run(config, "processes", "pause", instance), "not found", instance)


def test_executions_list_filters(config: Path, camunda: CamundaClient, process: str) -> None:
    first = camunda.start_process_instance(process, business_key="b-1")["id"]
    second = camunda.start_process_instance(process, business_key="b-2")["id"]
    camunda.delete_process_instance(first)
    page = run_json(config, "executions", "list", "--process", process, "--state", "running")
    assert (page["total"], [item["id"] for item in page["items"]]) == (1, [second])
    paged = run_json(config, "executions", "list", "--process", process, "--limit", "1", "--offset", "1")
    assert (paged["total"], paged["offset"], paged["limit"], len(paged["items"])) == (2, 1, 1, 1)
    table = run(config, "executions", "list", "--process", process, "--business-key", "b-1")
    assert row_of(table.output, first)[1:3] == [process, "cancelled"] and "1-1 of 1" in table.output
    later = run_json(
        config, "executions", "list", "--process", process, "--started-after", "2999-01-01T00:00"
    )
    assert later["total"] == 0
    assert run(config, "executions", "list", "--state", "sleeping").exit_code == 2


def test_executions_show_masks_secrets(config: Path, camunda: CamundaClient, process: str) -> None:
    variables = {"api_token": "tok-0987654321", "city": "Kazan"}
    instance = camunda.start_process_instance(process, variables=variables)["id"]
    task = fetch(camunda, process)
    fail(camunda, task)
    shown = run(config, "executions", "show", instance)
    assert shown.exit_code == 0 and "tok-0987654321" not in shown.output
    assert row_of(shown.output, "api_token")[-1] == "***"
    assert row_of(shown.output, "a")[:2] == ["a", "Step"]  # now at activity a, named "Step a"
    assert task.id in shown.output and "the remote said no" in shown.output
    data = run_json(config, "executions", "show", instance)
    assert data["state"] == "running" and data["incidents"][0]["external_task_id"] == task.id
    assert_fails(run(config, "executions", "show", "nope"), "process instance nope not found")


def test_executions_steps_logs_and_retry(
    config: Path, camunda: CamundaClient, process: str, tmp_path: Path
) -> None:
    instance = camunda.start_process_instance(process)["id"]
    task = fetch(camunda, process)
    ledger = SqliteLedger(tmp_path / "state" / "ledger.sqlite3")
    ledger.record_routed(
        RoutedTask(
            external_task_id=task.id,
            message_id="m-1",
            system="smsaero",
            topic=task.topic_name,
            process_instance_id=instance,
            process_definition_key=process,
            activity_id="a",
            worker_id=WORKER,
            lock_duration_ms=600_000,
        )
    )
    ledger.record_external(task.id, "sms-991", None)
    fail(camunda, task)
    steps = run_json(config, "executions", "steps", instance)
    step = next(item for item in steps if item["activity_id"] == "a")
    assert step["work"]["external_id"] == "sms-991" and step["work"]["system"] == "smsaero"
    assert row_of(run(config, "executions", "steps", instance).output, "a")[5:7] == ["smsaero", "created"]
    events = run_json(config, "executions", "logs", instance)
    assert [event["at"] for event in events] == sorted(event["at"] for event in events)
    assert any(e["kind"] == "failed" and "the remote said no" in e["message"] for e in events)
    assert "incident_opened" in run(config, "executions", "logs", instance).output
    retried = run_json(config, "executions", "retry", instance, str(task.activity_instance_id))
    assert retried["external_task_id"] == task.id and camunda.list_incidents(processInstanceId=instance) == []
    assert_fails(
        run(config, "executions", "retry", instance, str(task.activity_instance_id)), "nothing failed"
    )
    assert_fails(run(config, "executions", "logs", "nope"), "not found")


def test_incidents_list_and_retry(config: Path, camunda: CamundaClient, process: str) -> None:
    instance = camunda.start_process_instance(process)["id"]
    task = fetch(camunda, process)
    fail(camunda, task)
    (incident,) = run_json(config, "incidents", "list", "--process", process)
    assert (incident["process_instance_id"], incident["external_task_id"]) == (instance, task.id)
    table = run(config, "incidents", "list", "--instance", instance)
    assert row_of(table.output, incident["id"])[1:3] == ["failedExternalTask", instance]
    retried = run(config, "incidents", "retry", incident["id"])
    assert retried.exit_code == 0 and f"external task {task.id}: retries set to 1" in retried.output
    assert run_json(config, "incidents", "list", "--process", process) == []
    assert_fails(run(config, "incidents", "retry", incident["id"]), "not found")


def test_tasks_unlock(config: Path, camunda: CamundaClient, process: str) -> None:
    camunda.start_process_instance(process)
    task = fetch(camunda, process)
    assert run_json(config, "tasks", "unlock", task.id)["target"] == task.id
    assert fetch(camunda, process).id == task.id  # fetchable again at once
    assert_fails(run(config, "tasks", "unlock", "nope"), "external task nope not found")


def test_an_unreachable_engine_is_one_line_and_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    folder.mkdir()
    settings = {"state_dir": str(tmp_path / "state"), "camunda": {"url": "http://127.0.0.1:9/engine-rest"}}
    (folder / "exchanger.yaml").write_text(yaml.safe_dump(settings))
    (folder / "systems.yaml").write_text(yaml.safe_dump({"systems": {"python": {}}}))
    (folder / "routing.yaml").write_text(yaml.safe_dump({"rules": [{"topic": "x", "system": "python"}]}))
    assert_fails(run(folder, "processes", "stats"), "unreachable")


def test_health_prints_no_debug_lines_unless_asked(config: Path, rabbitmq: str) -> None:
    quiet = run(config, "health")
    assert "broker    ok" in quiet.output and "DEBUG" not in quiet.output
    assert "DEBUG" in run(config, "--verbose", "health").output  # the broker's connect line
