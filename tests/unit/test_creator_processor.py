"""The task processor: one task message in, one confirmed result (or a scheduled retry) out."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import REGISTRY

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, bpmn_error, complete, tracked
from core.actions.router import TaskRouter
from core.config.models import RetryConfig, SystemConfig
from core.contracts import (
    BpmnErrorOutcome,
    CompleteOutcome,
    FailureOutcome,
    ResultMessage,
    TaskMessage,
    TrackedOutcome,
    parse_result_message,
)
from core.contracts.base import TypedVariable
from core.errors import (
    BusinessError,
    CamundaNotFound,
    CircuitOpenError,
    PermanentError,
    PublishNacked,
    RetryableError,
)
from core.ledger import SqliteLedger, TaskState
from core.retry import delay_buckets
from core.transport import ERRORS_QUEUE, TASKS_EXCHANGE, MemoryBroker, OutgoingMessage, Topology
from task_creator import processor as processor_module
from task_creator.completion import EngineCompletion
from task_creator.handled import Handled
from task_creator.marks import PendingMarks
from task_creator.processor import TaskProcessor
from tests.unit.fakes import FakeCamunda, ScriptedPublisher, Settled, delivery, route, task_message

RETRY_LABELS = {"system": "python", "topic": "python.echo", "tenant": ""}

POLICY = RetryConfig(attempts=4, min_delay_ms=1_000, max_delay_ms=8_000, multiplier=2.0, jitter=0.0)
SENT = "python.sent.queue"


class Handler:
    """A handler that answers from a script: outcomes are returned, exceptions raised."""

    def __init__(self, *script: HandlerOutcome | Exception) -> None:
        self.script = list(script)
        self.calls: list[TaskContext] = []

    def __call__(self, ctx: TaskContext) -> HandlerOutcome:
        self.calls.append(ctx)
        outcome = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class Rig:
    def __init__(self, tmp_path: Path, policy: RetryConfig = POLICY) -> None:
        self.topology = Topology.for_systems(["python"], {"python.queue": delay_buckets(policy)})
        self.broker = MemoryBroker()
        self.broker.declare(self.topology)
        self.ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
        self.router = TaskRouter("python")
        self.handler = Handler(complete({"echo": "hi"}))
        self.router.add("python.echo", lambda ctx: self.handler(ctx))
        self.config = SystemConfig(retry=policy)
        self.publisher: Any = self.broker.publisher()
        self.completion: EngineCompletion | None = None  # results all go to the tracker
        self.handled: list[Handled] = []  # what the processor gave its "handled" log lines

    @property
    def processor(self) -> TaskProcessor:
        return TaskProcessor(
            "python",
            self.config,
            self.router,
            self.ledger,
            self.publisher,
            self.topology,
            {"region": "eu"},
            completion=self.completion,
            log_handled=self.handled.append,
        )

    def deliver(self, message: TaskMessage | bytes, *, redelivered: bool = False) -> Settled:
        body = message if isinstance(message, bytes) else message.to_json()
        item, settled = delivery(body, queue="python.queue", message_id="m-1", redelivered=redelivered)
        self.processor.process(item)
        return settled

    def results(self) -> list[ResultMessage]:
        return [parse_result_message(body) for body in self.broker.bodies(SENT)]

    def errors(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.broker.bodies(ERRORS_QUEUE)]

    def taken(self, queue: str) -> list[OutgoingMessage]:
        items = []
        for _ in range(self.broker.depth(queue)):
            got = self.broker.take([queue], lambda _: True, threading.Event())
            assert got is not None
            self.broker.settle(queue, got[1], ack=True, requeue=False)
            items.append(got[1].item)
        return items


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    rig.ledger.close()


@pytest.fixture
def no_pause(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The processor's pause before a requeue, recorded instead of slept."""
    pauses: list[float] = []
    fake_time = SimpleNamespace(sleep=pauses.append, perf_counter=time.perf_counter)
    monkeypatch.setattr(processor_module, "time", fake_time)
    return pauses


# -- complete -----------------------------------------------------------------------------------------------


def test_a_completed_task_puts_its_result_on_the_sent_queue_and_acks(rig: Rig) -> None:
    # Given a task message for a handler that completes
    message = task_message("t-1", retries=2, caught_error_codes=["NO_PHONE"])

    # When it is processed
    settled = rig.deliver(message)

    # Then one result record waits on python.sent.queue
    (result,) = rig.results()
    assert result.external_task_id == "t-1"
    assert result.message_id == message.message_id
    assert result.system == "python"
    assert isinstance(result.outcome, CompleteOutcome)
    assert result.outcome.variables == {"echo": TypedVariable(type="String", value="hi")}
    assert result.attempts == 1
    # And it carries what the tracker needs to settle the task
    assert result.task is not None
    assert (result.task.worker_id, result.task.retries, result.task.caught_error_codes) == (
        "worker-A",
        2,
        ["NO_PHONE"],
    )
    # And the delivery is acked, and the ledger holds the result under the durable record id
    assert settled.how == ["ack"]
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.RESULT
    assert result.result_id == entry.record_id
    assert entry.result is not None and parse_result_message(entry.result) == result


def test_the_handler_sees_the_message_its_options_and_the_attempt_number(rig: Rig) -> None:
    rig.deliver(task_message("t-1", variables={"n": TypedVariable(type="Long", value=7)}))

    (ctx,) = rig.handler.calls
    assert ctx.external_task_id == "t-1"
    assert ctx.options == {"region": "eu"}
    assert ctx.attempt == 1
    assert ctx.variables == {"n": 7}


def test_a_redelivered_message_re_emits_the_stored_result_without_calling_the_handler(rig: Rig) -> None:
    # Given a task already handled once
    message = task_message("t-1")
    rig.deliver(message)
    first = rig.broker.bodies(SENT)[0]

    # When the same message is delivered again
    settled = rig.deliver(message, redelivered=True)

    # Then the handler is not called again, and the very same result is emitted again
    assert len(rig.handler.calls) == 1
    assert rig.broker.bodies(SENT) == [first, first]
    assert settled.how == ["ack"]
    assert [h.task_id for h in rig.handled] == ["t-1"]  # handled once, re-emitted without a second line


def test_a_task_the_worker_recorded_keeps_its_ledger_record_id(rig: Rig) -> None:
    entry = route(rig.ledger, "t-1", message_id="msg-t-1")

    rig.deliver(task_message("t-1"))

    assert rig.results()[0].result_id == entry.record_id


# -- completed in the engine by the creator ------------------------------------------------------------------


def test_a_completion_the_engine_takes_is_settled_here_and_nothing_goes_to_the_tracker(rig: Rig) -> None:
    engine = FakeCamunda()
    rig.completion = EngineCompletion(engine, PendingMarks(rig.ledger))

    settled = rig.deliver(task_message("t-1"))

    assert settled.how == ["ack"]
    (call,) = engine.calls_to("complete")
    assert call.args[:2] == ("t-1", "worker-A")
    assert rig.results() == []
    assert [(h.task_id, h.outcome, h.destination) for h in rig.handled] == [("t-1", "complete", "completed")]
    # the result is stored (a redelivery re-emits it); the final mark follows with the next group,
    # and until then the claim stays: a dead creator's would run out and name it
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.RESULT and entry.result is not None
    assert entry.claim_owner is not None and entry.claim_until is not None


def test_a_completion_the_engine_refuses_goes_to_the_tracker_as_a_result_record(rig: Rig) -> None:
    engine = FakeCamunda().on("complete", CamundaNotFound(404, "RestException", "no such task"))
    rig.completion = EngineCompletion(engine, PendingMarks(rig.ledger))

    settled = rig.deliver(task_message("t-1"))

    assert settled.how == ["ack"]
    (result,) = rig.results()
    assert isinstance(result.outcome, CompleteOutcome) and result.external_task_id == "t-1"
    assert [(h.task_id, h.outcome, h.destination) for h in rig.handled] == [("t-1", "complete", "tracker")]
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.RESULT and entry.claim_owner is None


def test_a_failure_is_never_settled_by_the_creator(rig: Rig) -> None:
    engine = FakeCamunda()
    rig.completion = EngineCompletion(engine, PendingMarks(rig.ledger))
    rig.handler = Handler(PermanentError("no such customer"))

    rig.deliver(task_message("t-1"))

    assert engine.calls == []
    (result,) = rig.results()
    assert isinstance(result.outcome, FailureOutcome)
    assert [(h.task_id, h.topic, h.outcome, h.destination) for h in rig.handled] == [
        ("t-1", "python.echo", "failure", "tracker")
    ]


def test_a_redelivery_of_a_task_completed_here_re_emits_its_result_without_running_the_handler(
    rig: Rig,
) -> None:
    # The engine took the completion, then the ack was lost with the connection: the message
    # comes back, and the stored result goes to the tracker (which finds the task done).
    engine = FakeCamunda()
    rig.completion = EngineCompletion(engine, PendingMarks(rig.ledger))
    assert rig.deliver(task_message("t-1")).how == ["ack"]

    assert rig.deliver(task_message("t-1"), redelivered=True).how == ["ack"]

    assert len(rig.handler.calls) == 1
    assert len(engine.calls_to("complete")) == 1  # the tracker, not this creator, sees the 404 now
    (result,) = rig.results()
    assert isinstance(result.outcome, CompleteOutcome)


# -- retries -------------------------------------------------------------------------------------------------


def test_a_retryable_error_schedules_the_message_on_the_first_delay_queue(rig: Rig) -> None:
    # Given a handler that fails transiently
    rig.handler = Handler(RetryableError("rate limited"))
    message = task_message("t-1")
    retries = REGISTRY.get_sample_value("exchanger_task_retries_total", RETRY_LABELS) or 0.0

    # When the message is processed
    settled = rig.deliver(message)

    # Then the unchanged message waits on the 1 s delay queue, counted, and the delivery is acked
    (retry,) = rig.taken("python.queue.retry.1000")
    assert retry.exchange == ""
    assert retry.body == message.to_json()
    assert retry.message_id == message.message_id
    assert retry.headers == {"exchanger-attempts": 1}
    assert settled.how == ["ack"]
    assert rig.broker.bodies(SENT) == []
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.attempts == 1
    assert REGISTRY.get_sample_value("exchanger_task_retries_total", RETRY_LABELS) == retries + 1
    assert entry.last_error == "RetryableError: rate limited"


def test_each_further_retry_waits_on_a_longer_delay_queue(rig: Rig) -> None:
    rig.handler = Handler(RetryableError("busy"))
    message = task_message("t-1")

    for _ in range(3):
        rig.deliver(message)

    assert [rig.broker.depth(f"python.queue.retry.{ms}") for ms in (1_000, 2_000, 4_000)] == [1, 1, 1]
    assert [ctx.attempt for ctx in rig.handler.calls] == [1, 2, 3]


@pytest.mark.parametrize(("hint_s", "bucket"), [(1.5, 2_000), (2.0, 2_000), (3.0, 4_000), (600.0, 4_000)])
def test_a_retry_after_hint_picks_a_delay_queue_at_least_as_long(
    rig: Rig, hint_s: float, bucket: int
) -> None:
    # Given a remote side that asks to come back after hint_s seconds
    rig.handler = Handler(RetryableError("slow down", retry_after=hint_s))

    # When the first attempt fails
    rig.deliver(task_message("t-1"))

    # Then the message waits on the shortest delay queue that honours the hint (or the longest one)
    assert rig.broker.depth(f"python.queue.retry.{bucket}") == 1
    assert sum(rig.broker.depth(f"python.queue.retry.{ms}") for ms in (1_000, 2_000, 4_000)) == 1


def test_exhausted_attempts_become_a_failure_result(rig: Rig) -> None:
    # Given a handler that always fails transiently, and a policy of four attempts
    rig.handler = Handler(RetryableError("still down"))
    message = task_message("t-1")

    # When the message has come back from three delays and fails a fourth time
    for _ in range(4):
        settled = rig.deliver(message)

    # Then a non-retryable failure result says how many attempts were made
    (result,) = rig.results()
    assert isinstance(result.outcome, FailureOutcome)
    assert result.outcome.message == "failed after 4 attempts: still down"
    assert result.outcome.details == "RetryableError: still down"
    assert result.outcome.retryable is False
    assert result.attempts == 4
    assert settled.how == ["ack"]
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.RESULT and entry.attempts == 4


def test_an_unexpected_handler_exception_is_retried_like_a_transient_one(rig: Rig) -> None:
    rig.handler = Handler(KeyError("missing"))

    settled = rig.deliver(task_message("t-1"))

    assert rig.broker.depth("python.queue.retry.1000") == 1
    assert settled.how == ["ack"]


# -- permanent and business errors, tracked work ----------------------------------------------------------


def test_a_permanent_error_becomes_a_failure_with_its_details_at_once(rig: Rig) -> None:
    rig.handler = Handler(PermanentError("no such deal", details="Bitrix24 said: 404 deal 17"))

    settled = rig.deliver(task_message("t-1"))

    (result,) = rig.results()
    assert isinstance(result.outcome, FailureOutcome)
    assert result.outcome.message == "failed: no such deal"
    assert result.outcome.details == "Bitrix24 said: 404 deal 17"
    assert result.outcome.retryable is False
    assert len(rig.handler.calls) == 1
    assert settled.how == ["ack"]


def test_a_business_error_becomes_a_bpmn_error_with_its_variables(rig: Rig) -> None:
    rig.handler = Handler(BusinessError("NO_PHONE", "the lead has no phone", variables={"lead": 17}))

    rig.deliver(task_message("t-1"))

    (result,) = rig.results()
    assert isinstance(result.outcome, BpmnErrorOutcome)
    assert (result.outcome.code, result.outcome.message) == ("NO_PHONE", "the lead has no phone")
    assert result.outcome.variables == {"lead": TypedVariable(type="Integer", value=17)}


def test_a_business_error_whose_variables_cannot_be_sent_becomes_a_failure_at_once(
    rig: Rig, no_pause: list[float]
) -> None:
    # Given a handler whose business error carries a datetime without a time zone
    rig.handler = Handler(
        BusinessError("NO_PHONE", "no phone", variables={"at": datetime(2025, 3, 1, 10, 0)})
    )

    # When the message is processed
    settled = rig.deliver(task_message("t-1"))

    # Then the task fails with the reason instead of the message spinning through requeues
    assert settled.how == ["ack"]
    assert no_pause == []
    (result,) = rig.results()
    assert isinstance(result.outcome, FailureOutcome)
    assert "NO_PHONE" in result.outcome.message
    assert "no time zone" in result.outcome.message
    assert result.outcome.retryable is False
    assert len(rig.handler.calls) == 1


def test_a_result_that_cannot_be_sent_fails_at_once_without_running_the_handler_again(
    rig: Rig, no_pause: list[float]
) -> None:
    # Given a handler that completes with a value the engine cannot take
    rig.handler = Handler(complete({"at": datetime(2025, 3, 1, 10, 0)}))

    # When the message is processed
    settled = rig.deliver(task_message("t-1"))

    # Then the task fails with the reason after one call (a retry would repeat its effects)
    assert settled.how == ["ack"]
    (result,) = rig.results()
    assert isinstance(result.outcome, FailureOutcome)
    assert "cannot be sent to the engine" in result.outcome.message
    assert len(rig.handler.calls) == 1


def test_a_returned_bpmn_error_becomes_a_bpmn_error_result(rig: Rig) -> None:
    rig.handler = Handler(bpmn_error("DUPLICATE", "seen before", {"id": "x"}))

    rig.deliver(task_message("t-1"))

    outcome = rig.results()[0].outcome
    assert isinstance(outcome, BpmnErrorOutcome) and outcome.code == "DUPLICATE"
    assert outcome.variables == {"id": TypedVariable(type="String", value="x")}


def test_a_tracked_outcome_records_the_work_item_in_the_ledger(rig: Rig) -> None:
    rig.handler = Handler(tracked("8017", url="https://portal/tasks/8017/"))

    rig.deliver(task_message("t-1"))

    (result,) = rig.results()
    assert isinstance(result.outcome, TrackedOutcome)
    assert (result.outcome.reference.id, result.outcome.reference.url) == (
        "8017",
        "https://portal/tasks/8017/",
    )
    entry = rig.ledger.get("t-1")
    assert entry is not None
    assert (entry.state, entry.external_id, entry.external_url) == (
        TaskState.TRACKED,
        "8017",
        "https://portal/tasks/8017/",
    )


def test_a_work_item_created_before_a_crash_is_reported_as_tracked_without_a_second_call(rig: Rig) -> None:
    # Given the system created work item 8017, then the process died before storing the result
    route(rig.ledger, "t-1")
    rig.ledger.record_external("t-1", "8017", "https://portal/tasks/8017/")

    # When the message is redelivered
    settled = rig.deliver(task_message("t-1"), redelivered=True)

    # Then the handler is not called, and a tracked result names the existing work item
    assert rig.handler.calls == []
    (result,) = rig.results()
    assert isinstance(result.outcome, TrackedOutcome)
    assert result.outcome.reference.id == "8017"
    assert settled.how == ["ack"]
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.TRACKED and entry.result is not None


def test_a_new_round_after_a_failed_tracked_task_creates_a_new_work_item(rig: Rig) -> None:
    # Given a tracked task whose work item 8017 ended in a failure the engine will retry
    route(rig.ledger, "t-1", message_id="round-1")
    rig.ledger.record_external("t-1", "8017", None)
    rig.ledger.mark("t-1", TaskState.FAILED)
    # And the worker fetched it again, starting a new round
    route(rig.ledger, "t-1", message_id="round-2")
    rig.handler = Handler(tracked("9001"))

    # When the new round's message is processed
    rig.deliver(task_message("t-1", message_id="round-2"))

    # Then the handler creates a new work item instead of the old one being reported again
    assert len(rig.handler.calls) == 1
    outcome = rig.results()[0].outcome
    assert isinstance(outcome, TrackedOutcome) and outcome.reference.id == "9001"


# -- poison messages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "invalid TaskMessage"),
        (json.dumps({"schema": "exchanger.task/1", "message_id": "x"}).encode(), "trace_id"),
        (task_message("t-1", topic="python.unknown").to_json(), "has no handler for topic 'python.unknown'"),
    ],
    ids=["invalid-json", "schema-invalid", "unknown-topic"],
)
def test_a_message_that_cannot_be_processed_goes_to_the_error_queue_and_is_acked(
    rig: Rig, body: bytes, reason: str
) -> None:
    # When a poison message is delivered
    labels = {"component": "task_creator", "queue": "python.queue"}
    poisoned = REGISTRY.get_sample_value("exchanger_tasks_poison_total", labels) or 0.0
    settled = rig.deliver(body)

    # Then one error envelope keeps the reason and the original bytes
    (envelope,) = rig.errors()
    assert reason in envelope["reason"]
    assert base64.b64decode(envelope["original_base64"]) == body
    assert envelope["source_queue"] == "python.queue"
    assert envelope["component"] == "task_creator"
    assert envelope["original_message_id"] == "m-1"
    assert REGISTRY.get_sample_value("exchanger_tasks_poison_total", labels) == poisoned + 1
    # And the delivery is acked; no handler ran and nothing went to the sent queue
    assert settled.how == ["ack"]
    assert rig.handler.calls == []
    assert rig.broker.bodies(SENT) == []


# -- broker trouble -----------------------------------------------------------------------------------------------


def test_a_result_that_cannot_be_published_is_requeued_and_re_emitted_later(
    rig: Rig, no_pause: list[float]
) -> None:
    # Given a publisher that nacks the first publish
    memory = rig.publisher
    rig.publisher = ScriptedPublisher([PublishNacked("nacked")])
    message = task_message("t-1")

    # When the message is processed
    settled = rig.deliver(message)

    # Then the delivery is requeued after a pause, not acked
    assert settled.how == ["nack-requeue"]
    assert no_pause == [1.0]

    # And when it comes back with the broker healthy, the stored result goes out, handler not re-run
    rig.publisher = memory
    assert rig.deliver(message, redelivered=True).how == ["ack"]
    assert len(rig.handler.calls) == 1
    assert len(rig.results()) == 1


def test_a_retry_that_cannot_be_published_is_requeued(rig: Rig, no_pause: list[float]) -> None:
    rig.handler = Handler(RetryableError("busy"))
    rig.publisher = ScriptedPublisher([PublishNacked("nacked")])

    settled = rig.deliver(task_message("t-1"))

    assert settled.how == ["nack-requeue"]
    assert no_pause == [1.0]


# -- through the memory broker ------------------------------------------------------------------------------------------


def test_a_retried_task_comes_back_through_its_delay_queue_and_completes(tmp_path: Path) -> None:
    # Given a consumer on python.queue with 5 ms / 10 ms delay queues, and a handler that fails once
    rig = Rig(tmp_path, RetryConfig(attempts=3, min_delay_ms=5, max_delay_ms=10, jitter=0.0))
    rig.handler = Handler(RetryableError("busy"), complete({"ok": True}))
    consumer = rig.broker.consumer(["python.queue"], rig.processor.process)
    consumer.start()

    # When the worker publishes a task for the python system
    message = task_message("t-1")
    try:
        rig.broker.publisher().publish(
            TASKS_EXCHANGE, "python", message.to_json(), message_id=message.message_id
        )
        rig.broker.join("python.queue")
    finally:
        consumer.stop()
        rig.ledger.close()

    # Then the handler ran twice and one complete result was sent
    assert [ctx.attempt for ctx in rig.handler.calls] == [1, 2]
    (result,) = rig.results()
    assert isinstance(result.outcome, CompleteOutcome)
    assert result.attempts == 2


# -- one run per task, however many deliveries ----------------------------------------------------------


def test_a_second_delivery_while_the_handler_runs_waits_and_then_reuses_the_result(rig: Rig) -> None:
    # Given a handler that is still running when a second delivery of its task arrives
    running, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(ctx: TaskContext) -> HandlerOutcome:
        calls.append(ctx.external_task_id)
        running.set()
        assert release.wait(10)
        return complete({"echo": "once"})

    rig.router.add("python.slow", slow)
    message = task_message("t-1", topic="python.slow")
    first = threading.Thread(target=rig.deliver, args=(message,))
    first.start()
    assert running.wait(10)

    # When the second delivery is processed meanwhile
    second = rig.deliver(message)

    # Then it does not run the handler: it waits on a delay queue of at least a second, acked
    (deferred,) = rig.taken("python.queue.retry.1000")
    assert deferred.body == message.to_json() and second.how == ["ack"]
    release.set()
    first.join(10)

    # And when it comes back, it re-emits the first run's result
    rig.deliver(message)
    assert calls == ["t-1"]
    results = rig.results()
    assert len(results) == 2 and results[0].result_id == results[1].result_id


def test_a_claim_whose_owner_died_is_taken_over(rig: Rig) -> None:
    route(rig.ledger, "t-1", message_id="msg-t-1")
    assert rig.ledger.claim("t-1", "dead-creator", lease_s=-1)  # its lease already ran out

    rig.deliver(task_message("t-1"))

    assert len(rig.handler.calls) == 1 and rig.handler.calls[0].resumed  # the dead run may have acted
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.RESULT and entry.claim_owner is None


def test_the_claim_is_leased_for_the_processors_claim_lease(rig: Rig) -> None:
    route(rig.ledger, "t-1", message_id="msg-t-1")
    leases: list[float] = []

    def look(ctx: TaskContext) -> HandlerOutcome:
        entry = rig.ledger.get(ctx.external_task_id)
        assert entry is not None and entry.claim_until is not None
        leases.append(entry.claim_until - time.time())
        return complete({})

    rig.router.add("python.look", look)
    processor = TaskProcessor(
        "python", rig.config, rig.router, rig.ledger, rig.publisher, rig.topology, {}, claim_lease_s=4.0
    )
    item, _ = delivery(task_message("t-1", topic="python.look").to_json(), queue="python.queue")

    processor.process(item)

    assert len(leases) == 1 and 3.0 < leases[0] <= 4.0  # not the 30 s default


def test_a_delivery_of_a_task_cancelled_before_it_ran_is_dropped_not_bounced(rig: Rig) -> None:
    route(rig.ledger, "t-1", message_id="msg-t-1")
    rig.ledger.mark("t-1", TaskState.CANCELLED)

    settled = rig.deliver(task_message("t-1"))

    assert settled.how == ["ack"] and rig.handler.calls == []
    assert rig.taken("python.queue.retry.1000") == [] and rig.results() == []


def test_an_open_circuit_sends_the_task_to_wait_without_spending_an_attempt(rig: Rig) -> None:
    rig.handler = Handler(CircuitOpenError("dadata", retry_after=1.5))
    message = task_message("t-1")

    settled = rig.deliver(message)

    (waiting,) = rig.taken("python.queue.retry.2000")  # the first delay queue at least as long
    assert waiting.body == message.to_json() and settled.how == ["ack"]
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.attempts == 0 and entry.claim_owner is None
