"""One task message in, one confirmed result record (or a scheduled retry) out.

Runs on a pool thread. The delivery is acked only after what it produced is confirmed: by the
broker, the result on ``<system>.sent.queue``, the retry on its delay queue, or the poison
message on the error queue; by the engine, an immediate task's completion
(``task_creator.completion``). The ledger makes a redelivered message re-emit its stored result
instead of calling the system a second time.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from loguru import logger

from core import wiring
from core.actions.context import TaskContext
from core.actions.router import Handler, TaskRouter
from core.config.models import SystemConfig
from core.contracts import (
    FailureOutcome,
    ResultMessage,
    TaskMessage,
    TrackedOutcome,
    TrackedReference,
    parse_task_message,
)
from core.errors import ContractError, PermanentError, RetryableError
from core.ledger import FINAL_STATES, Ledger, LedgerEntry, RoutedTask, TaskState
from core.metrics.catalog import PUBLISH_TO_RESULT, TASK_RETRIES
from core.poison import send_to_errors
from core.retry import RetryDecision, next_delay
from core.transport.base import Delivery, MessagePublisher, OutgoingMessage
from core.transport.topology import Topology, sent_queue, system_queue
from task_creator.alive import KeepAlive
from task_creator.completion import EngineCompletion
from task_creator.handled import Handled, write_one
from task_creator.parking import Parking
from task_creator.results import ResultOutcome, outcome_of, outcome_of_error, result_message

COMPONENT = "task_creator"
# A claim's lease by default (``creator.claim_lease_s``); its owner renews it every third of
# the lease (task_creator.app), so only a dead owner's claim runs out and can be taken over.
CLAIM_LEASE_S = 30.0
BUSY_RECHECK_MS = 1_000  # a second delivery of a running task looks again after about this


@dataclass
class ProcessorStats:
    handled: int = 0
    reemitted: int = 0  # deliveries answered from the stored result, without running the handler
    deferred: int = 0  # deliveries that found the task running elsewhere and came back later
    completed_here: int = 0  # completed in the engine by this creator, not by the tracker


class TaskProcessor:
    def __init__(
        self,
        system: str,
        config: SystemConfig,
        router: TaskRouter,
        ledger: Ledger,
        publisher: MessagePublisher,
        topology: Topology,
        options: Mapping[str, Any],
        owner: str | None = None,
        claim_lease_s: float = CLAIM_LEASE_S,
        completion: EngineCompletion | None = None,
        log_handled: Callable[[Handled], None] = write_one,
    ) -> None:
        """``completion``: completes immediate tasks in the engine; None sends every result to the tracker.

        ``log_handled``: takes each task's ``handled`` line (the service groups them:
        ``task_creator.handled``); by default each is written at once.
        """
        self.system = system
        self.owner = owner or claim_owner()
        self.claim_lease_s = claim_lease_s
        self.stats = ProcessorStats()
        self._config = config
        self._router = router
        self._ledger = ledger
        self._publisher = publisher
        self._topology = topology
        self._options = options
        self._queue = system_queue(system)
        self._parking = Parking(topology, self._queue, self._publish)
        self._completion = completion
        self._log_handled = log_handled

    def process(self, delivery: Delivery) -> None:
        """Handle one delivery; on infrastructure trouble requeue it for a later try."""
        try:
            self._process(delivery)
        except Exception as err:  # broker or ledger trouble: nothing was acked, try again later
            logger.error("task message {} requeued: {}", delivery.message_id, err)
            time.sleep(1.0)  # keep a persistent fault from spinning the message at full speed
            delivery.nack(requeue=True)

    def _process(self, delivery: Delivery) -> None:
        try:
            task = parse_task_message(delivery.body)
        except ContractError as err:
            self._poison(delivery, str(err))
            return
        handler = self._router.handler_for(task.task.topic)
        if handler is None:
            self._poison(delivery, f"system {self.system!r} has no handler for topic {task.task.topic!r}")
            return
        entry = self._ledger.get(task.task.id) or self._record(task)
        if self._reemitted(delivery, entry, task):
            return
        if not self._ledger.claim(task.task.id, self.owner, self.claim_lease_s):
            self._busy(delivery, task)
            return
        stored = False
        try:
            started = time.perf_counter()
            outcome = self._run(handler, delivery, task, entry)
            if outcome is not None:
                stored = self._finish(delivery, task, entry, outcome, started)
        finally:
            if not stored:  # a retry is scheduled, or something failed: the next delivery may run it
                self._ledger.release_claim(task.task.id, self.owner)

    def _reemitted(self, delivery: Delivery, entry: LedgerEntry, task: TaskMessage) -> bool:
        """Answer from what an earlier delivery stored, if it stored anything."""
        stored = self._stored_result(entry, task)
        if stored is None:
            return False
        self.stats.reemitted += 1
        logger.info("task={} already handled: re-emitting its result", task.task.id)
        self._emit(delivery, stored, task.message_id)
        return True

    def _busy(self, delivery: Delivery, task: TaskMessage) -> None:
        """Another delivery of this task holds the claim: reuse its result, or look again later."""
        entry = self._ledger.get(task.task.id)
        if entry is not None and self._reemitted(delivery, entry, task):
            return
        if entry is not None and entry.state in FINAL_STATES:  # over without a result (cancelled)
            logger.info("task={} is already {}: this delivery is dropped", task.task.id, entry.state)
            delivery.ack()
            return
        self.stats.deferred += 1
        owner = entry.claim_owner if entry else "?"
        logger.info("task={} is being handled by {}: this delivery waits", task.task.id, owner)
        # Not a busy loop: a dead owner's lease takes up to claim_lease_s (30 s) to run out.
        self._parking.park(delivery, task.message_id, BUSY_RECHECK_MS)

    def _run(
        self, handler: Handler, delivery: Delivery, task: TaskMessage, entry: LedgerEntry
    ) -> ResultOutcome | None:
        """Call the handler once: its outcome, or None when a retry has been scheduled instead."""
        try:
            resumed = entry.claim_owner is not None or entry.attempts > 0
            alive = KeepAlive(task, entry.record_id, self._publish)
            context = TaskContext(
                task, self._options, attempt=entry.attempts + 1, resumed=resumed, keep_alive=alive
            )
            returned = handler(context)
        except PermanentError as err:
            return outcome_of_error(err, attempts=entry.attempts + 1)
        except Exception as err:
            if isinstance(err, RetryableError) and not err.spends_attempt:
                self._wait(delivery, task, err)
                return None
            decision, attempts = self._failed_attempt(task, err)
            if decision.retry:
                self._retry(delivery, task, decision, attempts, err)
                return None
            return outcome_of_error(err, attempts=attempts)
        try:
            return outcome_of(returned)
        except (ContractError, TypeError) as err:
            # Running the handler again would repeat its effects and fail the same way.
            return FailureOutcome(message=f"the handler's result cannot be sent to the engine: {err}")

    def _record(self, task: TaskMessage) -> LedgerEntry:
        """A task this host's ledger has not seen (the worker runs elsewhere): record it now."""
        return self._ledger.record_routed(
            RoutedTask(
                external_task_id=task.task.id,
                message_id=task.message_id,
                system=self.system,
                topic=task.task.topic,
                process_instance_id=task.process.instance_id,
                process_definition_key=task.process.definition_key,
                activity_id=task.activity.id,
                worker_id=task.task.worker_id,
                lock_duration_ms=task.task.lock_duration_ms,
                origin=task.origin,
            )
        )

    def _stored_result(self, entry: LedgerEntry, task: TaskMessage) -> bytes | None:
        """What an earlier delivery of this task produced, if anything."""
        if entry.result:
            return entry.result.encode("utf-8")
        if entry.external_id and entry.state is TaskState.CREATED:
            # The work item was created, then the process died before the result was stored.
            # (In any other state the reference is stale: a failed round the engine retries.)
            body = tracked_result(task, entry).to_json()
            self._ledger.record_result(task.task.id, TaskState.TRACKED, body.decode("utf-8"))
            return body
        return None

    def _failed_attempt(self, task: TaskMessage, err: Exception) -> tuple[RetryDecision, int]:
        reason = f"{type(err).__name__}: {err}"
        attempts = self._ledger.record_attempt(task.task.id, reason)
        hint = err.retry_after if isinstance(err, RetryableError) else None
        return next_delay(attempts, self._config.retry, retry_after_s=hint), attempts

    def _wait(self, delivery: Delivery, task: TaskMessage, err: RetryableError) -> None:
        """Nobody failed (an open circuit): back on a delay queue, its retries untouched."""
        delay = self._parking.park(delivery, task.message_id, int((err.retry_after or 0) * 1000))
        logger.info("task={} waits {}ms, no attempt spent: {}", task.task.id, delay, err)

    def _retry(
        self, delivery: Delivery, task: TaskMessage, decision: RetryDecision, attempts: int, err: Exception
    ) -> None:
        queue = self._topology.retry_queue(self._queue, decision.bucket_ms)
        message = OutgoingMessage(
            "",
            queue,
            delivery.body,
            task.message_id,
            {"exchanger-attempts": attempts},
            expiration_ms=decision.delay_ms,
        )
        self._publish(message)
        delivery.ack()
        TASK_RETRIES.labels(self.system, task.task.topic, task.task.tenant_id or "").inc()
        level = "INFO" if isinstance(err, RetryableError) else "WARNING"
        logger.log(
            level,
            "retry topic={} task={} attempt={}/{} in {}ms: {}",
            task.task.topic,
            task.task.id,
            attempts,
            self._config.retry.attempts,
            decision.bucket_ms,
            err,
        )
        if not isinstance(err, RetryableError):
            logger.debug("handler error detail:\n{}", "".join(traceback.format_exception(err)))

    def _finish(
        self,
        delivery: Delivery,
        task: TaskMessage,
        entry: LedgerEntry,
        outcome: ResultOutcome,
        started: float,
    ) -> bool:
        """Store the result (which ends the claim), complete or publish it, and ack; True when done."""
        if isinstance(outcome, TrackedOutcome):
            self._ledger.record_external(task.task.id, outcome.reference.id, outcome.reference.url)
        result = result_message(task, outcome, record_id=entry.record_id, attempts=entry.attempts + 1)
        body = result.to_json()
        state = TaskState.TRACKED if isinstance(outcome, TrackedOutcome) else TaskState.RESULT
        # A task completed here keeps its claim until the ledger's final mark (task_creator.marks):
        # a claim that runs out on a stored result names a creator that died in between.
        completion = self._completion
        if completion is not None and not completion.takes(result, entry):
            completion = None
        self._ledger.record_result(
            task.task.id, state, body.decode("utf-8"), keep_claim=completion is not None
        )
        completed = completion is not None and completion.complete(result, entry)
        if completed:
            delivery.ack()
            self.stats.completed_here += 1
        else:
            if completion is not None:  # the engine did not take it: the tracker's, claim ended
                self._ledger.release_claim(task.task.id, self.owner)
            self._emit(delivery, body, task.message_id)
        self.stats.handled += 1
        queued_at = task.published_at or task.fetched_at
        PUBLISH_TO_RESULT.labels(self.system).observe(
            max(0.0, (result.created_at - queued_at).total_seconds())
        )
        self._log_handled(
            Handled(
                task.task.topic,
                task.task.id,
                self.system,
                outcome.kind,
                "completed" if completed else "tracker",
                (time.perf_counter() - started) * 1000,
            )
        )
        return True

    def _emit(self, delivery: Delivery, body: bytes, message_id: str) -> None:
        self._publish(OutgoingMessage("", sent_queue(self.system), body, message_id))
        delivery.ack()

    def _poison(self, delivery: Delivery, reason: str) -> None:
        send_to_errors(self._publisher, delivery, reason, COMPONENT)

    def _publish(self, message: OutgoingMessage) -> None:
        error = self._publisher.publish_many([message])[0]
        if error is not None:
            raise error


def claim_owner() -> str:
    """Unique per process: two creators on one host must not take each other's claims."""
    return wiring.process_owner()


def tracked_result(task: TaskMessage, entry: LedgerEntry) -> ResultMessage:
    """The result record of a task whose work item exists already (used after a crash)."""
    reference = TrackedReference(id=entry.external_id or "", url=entry.external_url)
    return result_message(
        task, TrackedOutcome(reference=reference), record_id=entry.record_id, attempts=entry.attempts
    )
