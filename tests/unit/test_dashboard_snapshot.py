"""Assembling one dashboard snapshot: every section from its source, and a failing source
blanking its own sections only. The engine and the broker are stand-ins; the ledger is real."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from api.dashboard.metrics_source import MetricsRead, MetricsSource
from api.dashboard.models import MetricsTarget, QueueView
from api.dashboard.queues import QueueReader
from api.dashboard.readings import SystemNumbers
from api.dashboard.snapshot import ROWS, SnapshotBuilder
from core.camunda import EngineAdmin
from core.config import AppSettings
from core.config.models import SystemConfig
from core.errors import BrokerUnavailable, CamundaUnavailable
from core.ledger import RoutedTask, SqliteLedger, TaskState
from tests.support.waiting import wait_for

COCKPIT = (
    "https://engine.example/camunda/app/cockpit/default/#/process-instance/{process_instance_id}/runtime"
)


def history_row(instance: str, key: str, state: str) -> dict[str, Any]:
    return {
        "id": instance,
        "processDefinitionId": f"{key}:1:def",
        "processDefinitionKey": key,
        "processDefinitionVersion": 1,
        "businessKey": f"bk-{instance}",
        "tenantId": None,
        "state": state,
        "startTime": "2026-12-06T10:00:00.000+0000",
        "endTime": None,
    }


class Engine:
    """What the dashboard asks the engine: instances by state (with counts) and open incidents."""

    def __init__(self) -> None:
        self.down = False
        self.running = [history_row(f"run-{n}", "orders", "ACTIVE") for n in range(3)]
        self.suspended = [history_row("paused-1", "offers", "SUSPENDED")]
        self.incidents: list[dict[str, Any]] = [
            {
                "id": "inc-1",
                "incidentType": "failedExternalTask",
                "activityId": "Charge",
                "incidentMessage": "failed after 3 attempts: the upstream is down",
                "configuration": "task-9",
                "processInstanceId": "run-0",
                "processDefinitionId": "orders:1:def",
                "incidentTimestamp": "2026-12-06T10:05:00.000+0000",
            },
            {
                "id": "inc-2",
                "incidentType": "failedJob",
                "activityId": "Timer",
                "incidentMessage": "a job failed",
                "configuration": "job-1",
                "processInstanceId": "run-1",
                "processDefinitionId": "orders:1:def",
                "incidentTimestamp": "2026-12-06T10:06:00.000+0000",
            },
        ]

    def _rows(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        if self.down:
            raise CamundaUnavailable("engine at http://127.0.0.1:8080/engine-rest unreachable")
        return self.suspended if query.get("suspended") else self.running

    def history_process_instances(self, *, first_result: int, max_results: int, **query: Any) -> Any:
        return self._rows(query)[first_result : first_result + max_results]

    def count_history_process_instances(self, **query: Any) -> int:
        return len(self._rows(query))

    def list_incidents(self, **filters: Any) -> list[dict[str, Any]]:
        if self.down:
            raise CamundaUnavailable("engine unreachable")
        assert filters["sortOrder"] == "desc"
        return self.incidents[: filters["maxResults"]]


class Queues:
    def __init__(self) -> None:
        self.down = False

    def read(self) -> list[QueueView]:
        if self.down:
            raise BrokerUnavailable("cannot connect to amqp://guest:***@127.0.0.1:5672/%2F: refused")
        return [
            QueueView(name="python.queue", role="tasks", exists=True, messages=3, consumers=1, retrying=2),
            QueueView(name="errors.camunda_tasks.queue", role="errors", exists=True, messages=1, consumers=0),
        ]


class Metrics:
    def __init__(self) -> None:
        self.broken = False

    def read(self) -> MetricsRead:
        if self.broken:
            raise RuntimeError("a bug")
        numbers = SystemNumbers(
            tasks_per_min=12.0, calls_per_min=20.0, error_share=0.25, circuit=2, headroom=0.4
        )
        target = MetricsTarget(name="task_creator", url="http://127.0.0.1:9402/metrics", ok=True)
        return MetricsRead({"bitrix24": numbers, "retired": numbers}, [target])


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqliteLedger]:
    store = SqliteLedger(tmp_path / "ledger.sqlite3")
    yield store
    store.close()


def settings() -> AppSettings:
    return AppSettings(
        environment="prod",
        systems={
            "python": SystemConfig(),
            "bitrix24": SystemConfig(kind="tracked", options={"tasks": {"instance_url": COCKPIT}}),
            "openproject": SystemConfig(
                kind="tracked",
                options={
                    "instance_url": "https://engine.example/#/{process_definition_id}/{process_instance_id}"
                },
            ),
        },
    )


def route(
    ledger: SqliteLedger, task_id: str, system: str, *, instance: str = "pi-1", origin: str = "engine"
) -> None:
    ledger.record_routed(
        RoutedTask(
            external_task_id=task_id,
            message_id=f"m-{task_id}",
            system=system,
            topic=f"{system}.task",
            process_instance_id=instance,
            process_definition_key="offers",
            activity_id="Approve",
            worker_id="w",
            lock_duration_ms=60_000,
            origin=origin,
        )
    )


def builder(ledger: SqliteLedger, engine: Engine, queues: Queues, metrics: Metrics) -> SnapshotBuilder:
    return SnapshotBuilder(
        settings(),
        cast(EngineAdmin, engine),
        ledger,
        cast(QueueReader, queues),
        cast(MetricsSource, metrics),
        interval_s=2.0,
    )


def test_a_snapshot_shows_every_section(ledger: SqliteLedger) -> None:
    route(ledger, "b-old", "bitrix24", instance="pi-old")
    old = ledger.get("b-old")
    assert old is not None  # created_at orders the people work: the next one is created later
    wait_for(lambda: datetime.now(UTC) > old.created_at, timeout=1, what="the clock to pass b-old's creation")
    route(ledger, "b-new", "bitrix24", instance="pi-new")
    route(ledger, "op-1", "openproject")
    route(ledger, "direct-1", "bitrix24", origin="direct")
    route(ledger, "py-1", "python")
    for task, ref in (("b-old", "11"), ("b-new", "12"), ("op-1", "77"), ("direct-1", "13")):
        ledger.record_external(task, ref, f"https://portal.example/task/{ref}/")
        ledger.mark(task, TaskState.TRACKED)
    ledger.record_external("b-new", "12", "javascript:alert(1)")  # created, its result not yet settled
    ledger.mark("py-1", TaskState.COMPLETED)

    snapshot = builder(ledger, Engine(), Queues(), Metrics()).build()

    assert snapshot.environment == "prod"
    counts = snapshot.counts
    assert (counts.running, counts.suspended, counts.incidents, counts.in_flight, counts.poison) == (
        3,
        1,
        2,
        4,
        1,
    )
    assert counts.tasks_per_min == 12.0

    systems = {view.name: view for view in snapshot.systems}
    assert list(systems) == ["python", "bitrix24", "openproject"]  # configured systems only, in order
    assert (systems["python"].has_data, systems["python"].tasks_per_min) == (False, None)
    bitrix24 = systems["bitrix24"]
    assert (bitrix24.has_data, bitrix24.circuit, bitrix24.error_share, bitrix24.headroom) == (
        True,
        "open",
        0.25,
        0.4,
    )
    assert [t.name for t in snapshot.metrics_targets] == ["task_creator"]

    assert [(q.name, q.messages, q.retrying) for q in snapshot.queues.items] == [
        ("python.queue", 3, 2),
        ("errors.camunda_tasks.queue", 1, 0),
    ]

    work = {item.external_task_id: item for item in snapshot.work.items}
    assert [item.external_task_id for item in snapshot.work.items][:2] == ["b-old", "b-new"]  # oldest first
    assert work["b-old"].external_url == "https://portal.example/task/11/"
    assert work["b-old"].instance_url == COCKPIT.replace("{process_instance_id}", "pi-old")
    assert work["b-new"].external_url is None  # never a javascript: link on the page
    assert work["op-1"].instance_url is None  # its pattern needs the definition id, which the ledger lacks
    assert (work["direct-1"].direct, work["direct-1"].instance_url) == (True, None)

    incidents = {incident.id: incident for incident in snapshot.incidents.items}
    assert (incidents["inc-1"].retryable, incidents["inc-2"].retryable) == (True, False)
    assert incidents["inc-1"].instance_url == COCKPIT.replace("{process_instance_id}", "run-0")

    executions = snapshot.executions
    assert [(e.id, e.state) for e in executions.items] == [
        ("paused-1", "suspended"),  # first: it waits for an operator
        ("run-0", "running"),
        ("run-1", "running"),
        ("run-2", "running"),
    ]
    assert executions.total == 4 and executions.items[1].business_key == "bk-run-0"

    recent = [(row.external_task_id, row.state) for row in snapshot.recent.items]
    assert recent[0] == ("py-1", "completed") and len(recent) == 5

    again = json.loads(snapshot.model_dump_json())  # what the stream sends
    assert again["counts"]["running"] == 3 and again["at"].endswith("Z")


def test_an_engine_outage_blanks_the_engine_sections_only(ledger: SqliteLedger) -> None:
    engine = Engine()
    engine.down = True
    route(ledger, "py-1", "python")

    snapshot = builder(ledger, engine, Queues(), Metrics()).build()

    assert "unreachable" in (snapshot.executions.error or "")
    assert "unreachable" in (snapshot.incidents.error or "")
    assert (snapshot.counts.running, snapshot.counts.incidents) == (None, None)
    assert snapshot.executions.items == [] and snapshot.incidents.items == []
    assert snapshot.queues.error is None and snapshot.counts.poison == 1
    assert [row.external_task_id for row in snapshot.recent.items] == ["py-1"]


def test_a_broker_outage_blanks_the_queues_without_the_password(ledger: SqliteLedger) -> None:
    queues = Queues()
    queues.down = True

    snapshot = builder(ledger, Engine(), queues, Metrics()).build()

    assert snapshot.queues.items == [] and snapshot.counts.poison is None
    assert "refused" in (snapshot.queues.error or "") and "guest:guest" not in (snapshot.queues.error or "")
    assert snapshot.counts.running == 3


def test_a_bug_in_one_source_is_shown_as_a_failed_section(ledger: SqliteLedger) -> None:
    metrics = Metrics()
    metrics.broken = True

    snapshot = builder(ledger, Engine(), Queues(), metrics).build()

    assert snapshot.metrics_error == "reading the metrics failed (see the API's log)"
    assert all(not view.has_data for view in snapshot.systems)
    assert snapshot.counts.tasks_per_min is None and snapshot.counts.running == 3


def test_a_paused_execution_stays_listed_when_more_are_running_than_fit(ledger: SqliteLedger) -> None:
    engine = Engine()
    engine.running = [history_row(f"run-{n}", "orders", "ACTIVE") for n in range(ROWS + 5)]
    snapshot = builder(ledger, engine, Queues(), Metrics()).build()
    items = snapshot.executions.items
    assert len(items) == ROWS and (items[0].id, items[0].state) == ("paused-1", "suspended")
    assert snapshot.executions.total == ROWS + 6
