"""The broker door for direct tasks: ``<prefix>.intake.queue``.

A submission is a JSON :class:`~core.contracts.direct.Submission`; replies go to the AMQP
``reply_to`` with the ``correlation_id`` kept: ``accepted`` with the record id at once, the
outcome later (from the tracker). The idempotency key is the body's, else the message id, so a
redelivered or resent message names the record it made before. A refused submission gets a
``rejected`` reply listing every problem; with nowhere to reply it goes to the error queue.
Nothing is acked before it is stored and published, or replied to, or moved aside.
"""

from __future__ import annotations

from loguru import logger

from core.contracts.direct import Submission, parse_submission
from core.errors import ContractError, IdempotencyConflict, SubmissionInvalid
from core.intake import DirectIntake, ReplySender, Submitter
from core.intake.replies import accepted_reply, rejected_reply
from core.poison import send_to_errors
from core.transport.base import Delivery, MessagePublisher

COMPONENT = "api.intake"


class QueueIntake:
    def __init__(self, intake: DirectIntake, replies: ReplySender, publisher: MessagePublisher) -> None:
        self._intake = intake
        self._replies = replies
        self._publisher = publisher

    def handle(self, delivery: Delivery) -> None:
        """Take one submission; a failure of our own (broker, database) requeues it."""
        try:
            self._take(delivery)
        except Exception as err:
            logger.warning("intake message {} requeued: {}", delivery.message_id, err)
            if not delivery.settled:
                delivery.nack(requeue=True)

    def _take(self, delivery: Delivery) -> None:
        try:
            submission = _keyed(parse_submission(delivery.body), delivery)
        except ContractError as err:
            self._refuse(delivery, [str(err)], None)
            return
        reply_to = delivery.reply_to or submission.reply_to
        submitter = Submitter("broker", f"broker:{reply_to or '-'}", reply_to, delivery.correlation_id)
        try:
            record, _created = self._intake.submit(submission, submitter)
        except SubmissionInvalid as err:
            self._refuse(delivery, err.problems, submission)
            return
        except IdempotencyConflict as err:
            self._refuse(delivery, [str(err)], submission)
            return
        if reply_to:
            self._replies.send(reply_to, delivery.correlation_id, accepted_reply(record))
        delivery.ack()

    def _refuse(self, delivery: Delivery, problems: list[str], submission: Submission | None) -> None:
        reply_to = delivery.reply_to or (submission.reply_to if submission else None)
        if not reply_to:
            send_to_errors(self._publisher, delivery, "; ".join(problems), COMPONENT)
            return
        system, topic = (submission.system, submission.topic) if submission else (None, None)
        logger.info("intake message {} refused: {} problem(s)", delivery.message_id, len(problems))
        self._replies.send(
            reply_to, delivery.correlation_id, rejected_reply(problems, system=system, topic=topic)
        )
        delivery.ack()


def _keyed(submission: Submission, delivery: Delivery) -> Submission:
    if submission.idempotency_key or not delivery.message_id:
        return submission
    return submission.model_copy(update={"idempotency_key": delivery.message_id})
