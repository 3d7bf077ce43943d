"""Taking a direct task: check it, store its record, put its task message on the system's queue.

The REST API, the intake queue and ``tools submit`` all come through :class:`DirectIntake`,
so a submission is checked, recorded and published the same way whichever door it used.
"""

from __future__ import annotations

import uuid

from loguru import logger

from core.contracts import ActivityInfo, ExternalTaskInfo, ProcessInfo, RoutingInfo, TaskMessage
from core.contracts.direct import Submission
from core.contracts.result import typed
from core.errors import ContractError, SubmissionInvalid
from core.intake.catalog import TopicCatalog
from core.intake.records import DirectRecord, DirectState, DirectStore, Submitter
from core.ledger import Ledger, RoutedTask
from core.transport.base import MessagePublisher, OutgoingMessage
from core.transport.topology import TASKS_EXCHANGE

DIRECT_WORKER = "exchanger-direct"  # the worker id direct tasks carry (no engine lock is held)
DIRECT_PROCESS = "direct"  # the process key and definition they carry (no process exists)


class DirectIntake:
    def __init__(
        self, catalog: TopicCatalog, store: DirectStore, ledger: Ledger, publisher: MessagePublisher
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._ledger = ledger
        self._publisher = publisher

    def submit(self, submission: Submission, submitter: Submitter) -> tuple[DirectRecord, bool]:
        """The record (new: True; an earlier one with this idempotency key: False).

        Raises SubmissionInvalid (every problem listed) or IdempotencyConflict.
        """
        self._catalog.check(submission)
        check_variables(submission)
        record, created = self._store.create(submission, submitter)
        if created or record.status is DirectState.ACCEPTED:
            self.publish(record)
        if created:
            logger.info(
                "direct task={} system={} topic={} submitted by {} over {}",
                record.id,
                record.system,
                record.topic,
                submitter.name,
                submitter.channel,
            )
        return self._store.get(record.id), created

    def publish(self, record: DirectRecord) -> None:
        """Record in the ledger, publish with confirm, then mark the record queued."""
        message = task_message_for(record)
        self._ledger.record_routed(
            RoutedTask(
                external_task_id=record.id,
                message_id=message.message_id,
                system=record.system,
                topic=record.topic,
                process_instance_id=record.id,
                process_definition_key=DIRECT_PROCESS,
                activity_id=record.topic,
                worker_id=DIRECT_WORKER,
                lock_duration_ms=None,
                origin="direct",
            )
        )
        outgoing = OutgoingMessage(
            TASKS_EXCHANGE,
            record.system,
            message.to_json(),
            message.message_id,
            {
                "exchanger-topic": record.topic,
                "exchanger-task-id": record.id,
                "exchanger-system": record.system,
            },
        )
        error = self._publisher.publish_many([outgoing])[0]
        if error is not None:
            raise error
        self._store.mark_queued(record.id)

    def republish_unqueued(self, older_than_s: float = 30.0) -> int:
        """Publish records whose submitter stopped before the broker confirmed them."""
        records = self._store.unqueued(older_than_s)
        for record in records:
            logger.warning("direct task={} was never queued: publishing it now", record.id)
            self.publish(record)
        return len(records)


def check_variables(submission: Submission) -> None:
    """The variables must travel typed, with the same encoding engine tasks use."""
    try:
        typed(submission.variables)
    except (ContractError, TypeError, ValueError) as err:
        raise SubmissionInvalid([f"variables: {err}"]) from None


def task_message_for(record: DirectRecord) -> TaskMessage:
    """The task message of a direct task: the record id stands for the task and its 'process'."""
    return TaskMessage(
        message_id=str(uuid.uuid4()),
        trace_id=record.id,
        task=ExternalTaskInfo(
            id=record.id, topic=record.topic, worker_id=DIRECT_WORKER, business_key=record.business_key
        ),
        process=ProcessInfo(
            definition_id=DIRECT_PROCESS, definition_key=DIRECT_PROCESS, instance_id=record.id
        ),
        activity=ActivityInfo(id=record.topic, name=record.topic),
        variables=typed(record.variables),
        routing=RoutingInfo(system=record.system, routing_key=record.system),
        origin="direct",
    )
