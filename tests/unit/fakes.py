"""Shared fakes for the service unit tests: an engine client, a stop event, messages, log capture.

Nothing here talks to a real service. The fakes record what the services asked for, so a
test can assert on the calls, and answer from a script, so a test decides what happens.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from core.contracts import (
    ActivityInfo,
    ExternalTaskInfo,
    ProcessInfo,
    RoutingInfo,
    TaskMessage,
)
from core.contracts.base import TypedVariable
from core.errors import PublishError
from core.ledger import Ledger, LedgerEntry, RoutedTask
from core.transport.base import Delivery, OutgoingMessage

# -- the engine -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One call a service made on the fake client."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


_UNSCRIPTED = object()


class FakeCamunda:
    """An EnginePort: the engine calls the worker and the tracker make.

    ``on(method, *outcomes)`` scripts the next calls of ``method``: an exception is raised,
    a callable is called (its result returned; it may raise), anything else is returned.
    Unscripted calls answer from ``topics``, ``waiting`` and ``xml``, or return nothing.
    ``fail_for[(method, task_id)]`` raises for one task every time.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._script: dict[str, list[Any]] = {}
        self.fail_for: dict[tuple[str, str], Exception] = {}
        self.topics: list[str] = []  # GET /external-task/topic-names
        self.waiting: dict[str, list[dict[str, Any]]] = {}  # topic -> GET /external-task rows
        self.xml: dict[str, str] = {}
        self.task_log: dict[str, list[dict[str, Any]]] = {}  # GET /history/external-task-log rows
        self.activity_history: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (instance, activity)

    def on(self, method: str, *outcomes: Any) -> FakeCamunda:
        self._script.setdefault(method, []).extend(outcomes)
        return self

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.name == method]

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        self.calls.append(Call(method, args, kwargs))
        if args and (method, args[0]) in self.fail_for:
            raise self.fail_for[(method, args[0])]
        script = self._script.get(method)
        if not script:
            return _UNSCRIPTED
        outcome = script.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome() if callable(outcome) else outcome

    @staticmethod
    def _or(answer: Any, default: Any) -> Any:
        return default if answer is _UNSCRIPTED else answer

    # -- the methods ---------------------------------------------------------------------------

    def fetch_and_lock(self, worker_id: str, topics: Sequence[Any], **kwargs: Any) -> Any:
        return self._or(self._call("fetch_and_lock", worker_id, topics, **kwargs), [])

    def topic_names(self, **kwargs: Any) -> Any:
        return self._or(self._call("topic_names", **kwargs), list(self.topics))

    def list_external_tasks(self, **filters: Any) -> list[dict[str, Any]]:
        waiting = list(self.waiting.get(filters.get("topicName", ""), []))
        return self._or(self._call("list_external_tasks", **filters), waiting)  # type: ignore[no-any-return]

    def process_definition_xml(self, definition_id: str) -> str:
        return self._or(self._call("process_definition_xml", definition_id), self.xml[definition_id])  # type: ignore[no-any-return]

    def unlock(self, task_id: str) -> None:
        self._call("unlock", task_id)

    def complete(self, task_id: str, worker_id: str, variables: Any = None) -> None:
        self._call("complete", task_id, worker_id, variables)

    def failure(self, task_id: str, worker_id: str, **kwargs: Any) -> None:
        self._call("failure", task_id, worker_id, **kwargs)

    def bpmn_error(self, task_id: str, worker_id: str, **kwargs: Any) -> None:
        self._call("bpmn_error", task_id, worker_id, **kwargs)

    def extend_lock(self, task_id: str, worker_id: str, new_duration_ms: int) -> None:
        self._call("extend_lock", task_id, worker_id, new_duration_ms)

    # -- TaskHistory -----------------------------------------------------------------------------

    def external_task_log(self, external_task_id: str) -> list[dict[str, Any]]:
        rows = list(self.task_log.get(external_task_id, []))
        return self._or(self._call("external_task_log", external_task_id), rows)  # type: ignore[no-any-return]

    def history_activity_instances_of(
        self, process_instance_id: str, activity_id: str
    ) -> list[dict[str, Any]]:
        rows = list(self.activity_history.get((process_instance_id, activity_id), []))
        answer = self._call("history_activity_instances_of", process_instance_id, activity_id)
        return self._or(answer, rows)  # type: ignore[no-any-return]


def engine_task(
    task_id: str = "task-1",
    *,
    topic: str = "python.echo",
    process_key: str = "orders",
    definition_id: str = "orders:3:def-1",
    activity_id: str = "create_task",
    instance_id: str = "instance-1",
    worker_id: str = "worker-A",
    tenant_id: str | None = None,
    retries: int | None = None,
    variables: Mapping[str, Any] | None = None,
    extension_properties: Mapping[str, str] | None = None,
    version_tag: str | None = None,
) -> dict[str, Any]:
    """One item of a fetchAndLock answer, shaped like the engine's JSON."""
    return {
        "activityId": activity_id,
        "activityInstanceId": f"{activity_id}:act-1",
        "errorMessage": None,
        "errorDetails": None,
        "executionId": "exec-1",
        "id": task_id,
        "lockExpirationTime": "2025-03-01T10:01:00.000+0000",
        "createTime": "2025-03-01T10:00:00.000+0000",
        "processDefinitionId": definition_id,
        "processDefinitionKey": process_key,
        "processDefinitionVersionTag": version_tag,
        "processInstanceId": instance_id,
        "retries": retries,
        "suspended": False,
        "workerId": worker_id,
        "topicName": topic,
        "tenantId": tenant_id,
        "priority": 5,
        "businessKey": "order-42",
        "extensionProperties": dict(extension_properties or {}),
        "variables": dict(variables or {}),
    }


def waiting_task(
    *,
    process_key: str,
    definition_id: str | None = None,
    activity_id: str = "act",
    tenant_id: str | None = None,
) -> dict[str, Any]:
    """One row of GET /external-task (what the planner probes)."""
    return {
        "id": f"{process_key}-{activity_id}",
        "processDefinitionKey": process_key,
        "processDefinitionId": definition_id or f"{process_key}:1:x",
        "activityId": activity_id,
        "tenantId": tenant_id,
    }


# -- messages -------------------------------------------------------------------------------------


def task_message(
    task_id: str = "task-1",
    *,
    topic: str = "python.echo",
    system: str = "python",
    message_id: str | None = None,
    worker_id: str = "worker-A",
    retries: int | None = None,
    variables: Mapping[str, TypedVariable] | None = None,
    caught_error_codes: Sequence[str] = (),
    catches_all_errors: bool = False,
    lock_duration_ms: int = 60_000,
) -> TaskMessage:
    """A valid task message as the universal worker publishes it."""
    return TaskMessage(
        message_id=message_id or f"msg-{task_id}",
        trace_id=f"trace-{task_id}",
        task=ExternalTaskInfo(
            id=task_id,
            topic=topic,
            worker_id=worker_id,
            lock_duration_ms=lock_duration_ms,
            retries=retries,
        ),
        process=ProcessInfo(
            definition_id="orders:3:def-1", definition_key="orders", instance_id="instance-1"
        ),
        activity=ActivityInfo(
            id="create_task",
            caught_error_codes=list(caught_error_codes),
            catches_all_errors=catches_all_errors,
        ),
        variables=dict(variables or {}),
        routing=RoutingInfo(system=system, routing_key=system, rule=1),
    )


def route(
    ledger: Ledger,
    task_id: str = "task-1",
    *,
    system: str = "python",
    worker_id: str = "worker-A",
    lock_duration_ms: int | None = 60_000,
    message_id: str | None = None,
) -> LedgerEntry:
    """Record a routed task in the ledger, as the worker does."""
    return ledger.record_routed(
        RoutedTask(
            external_task_id=task_id,
            message_id=message_id or f"msg-{task_id}",
            system=system,
            topic=f"{system}.task",
            process_instance_id="instance-1",
            process_definition_key="orders",
            activity_id="create_task",
            worker_id=worker_id,
            lock_duration_ms=lock_duration_ms,
        )
    )


# -- transport ------------------------------------------------------------------------------------


@dataclass
class Settled:
    """How a delivery was settled: ``["ack"]``, ``["nack-requeue"]``, ``["nack-drop"]``."""

    how: list[str] = field(default_factory=list)


def delivery(
    body: bytes, *, queue: str = "python.queue", message_id: str | None = "m-1", redelivered: bool = False
) -> tuple[Delivery, Settled]:
    """A delivery as a consumer hands it over, and the record of how it was settled."""
    settled = Settled()

    def settle(ack: bool, requeue: bool) -> None:
        settled.how.append("ack" if ack else ("nack-requeue" if requeue else "nack-drop"))

    item = Delivery(
        body=body,
        message_id=message_id,
        headers={"x-test": "1"},
        redelivered=redelivered,
        routing_key=queue,
        queue=queue,
        _settle=settle,
    )
    return item, settled


class ScriptedPublisher:
    """A publisher whose ``publish_many`` answers from a script (per-item errors, or a raise).

    Each script entry is an exception to raise for the whole batch, or a list of per-item
    results. Without a script every item is confirmed. Every batch is recorded.
    """

    def __init__(self, *script: BaseException | list[PublishError | None]) -> None:
        self._script = list(script)
        self.batches: list[list[OutgoingMessage]] = []

    def publish_many(self, items: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        self.batches.append(list(items))
        if not self._script:
            return [None] * len(items)
        outcome = self._script.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return list(outcome)

    def close(self) -> None:
        """Nothing to release."""


# -- time and stopping ------------------------------------------------------------------------------


class StepEvent(threading.Event):
    """A stop event whose ``wait`` never blocks: it records the timeout and returns at once.

    ``stop_after_waits`` sets the event on that many waits, so a loop ends deterministically.
    """

    def __init__(self, stop_after_waits: int | None = None) -> None:
        super().__init__()
        self.waits: list[float | None] = []
        self._stop_after = stop_after_waits

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        if self._stop_after is not None and len(self.waits) >= self._stop_after:
            self.set()
        return self.is_set()


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# -- logs ---------------------------------------------------------------------------------------------


@contextmanager
def captured_logs(level: str = "DEBUG") -> Iterator[list[str]]:
    """Loguru records as ``"LEVEL message"`` lines while the block runs."""
    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(m.rstrip("\n")), level=level, format="{level} {message}")
    try:
        yield lines
    finally:
        logger.remove(sink)
