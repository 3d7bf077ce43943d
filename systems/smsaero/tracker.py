"""The SMS Aero tracker: polls ``sms/status`` for the SMS in flight, in batches.

There is no batch status call, so one check costs one ``sms/status`` per item, within the
system's rate limit. Delivered completes with ``sms_id``, ``sms_status`` and ``sms_cost``;
not delivered or rejected ends as the BPMN error ``not_delivered_code`` (the tracker's
settling makes it an incident when the activity does not catch it). When the API struggles
(429, 5xx, gates down, open circuit) the rest of the batch waits for the next round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from loguru import logger

from core.contracts import BpmnErrorOutcome, CompleteOutcome, FailureOutcome
from core.contracts.result import typed
from core.errors import RetryableError
from core.tracking import FinalOutcome, TrackedItem
from systems.smsaero.client import SmsAeroClient
from systems.smsaero.connection import build_client
from systems.smsaero.errors import SmsAeroAuthFailed, SmsAeroRefused
from systems.smsaero.records import BadRecord, SmsRecord
from systems.smsaero.settings import SmsAeroSettings, load_settings


def create_tracker(options: Mapping[str, Any]) -> SmsAeroTracker:
    settings = load_settings(options)
    return SmsAeroTracker(build_client(settings), settings)


def result_variables(record: SmsRecord) -> dict[str, Any]:
    return {"sms_id": record.id, "sms_status": record.status_word, "sms_cost": record.cost}


class SmsAeroTracker:
    """Implements :class:`core.tracking.SystemTracker` for SMS delivery."""

    def __init__(self, client: SmsAeroClient, settings: SmsAeroSettings) -> None:
        self.client = client
        self.settings = settings

    def check(self, items: Sequence[TrackedItem]) -> dict[str, FinalOutcome]:
        outcomes: dict[str, FinalOutcome] = {}
        for item in items:
            try:
                outcome = self._check_one(item)
            except (RetryableError, SmsAeroAuthFailed) as err:
                logger.warning("smsaero status check postponed ({} items left): {}", len(items), err)
                break
            if outcome is not None:
                outcomes[item.external_task_id] = outcome
        return outcomes

    def cancelled(self, item: TrackedItem) -> None:
        """An SMS cannot be called back; the cancellation is only noted."""
        logger.info("task={} cancelled; SMS {} stays as it is", item.external_task_id, item.external_id)

    def _check_one(self, item: TrackedItem) -> FinalOutcome | None:
        if not item.external_id.isdigit():
            return FailureOutcome(message=f"smsaero: {item.external_id!r} is not an SMS id", retryable=False)
        try:
            record = self.client.status(int(item.external_id))
        except (SmsAeroRefused, BadRecord) as err:
            if isinstance(err, SmsAeroAuthFailed):
                raise
            return FailureOutcome(
                message=f"smsaero: the status of SMS {item.external_id} cannot be read: {err}",
                retryable=False,
            )
        variables = typed(result_variables(record))
        if record.delivered:
            return CompleteOutcome(variables=variables)
        if record.not_delivered:
            return BpmnErrorOutcome(
                code=self.settings.not_delivered_code,
                message=f"SMS {record.id} was not delivered: {record.status_word}",
                variables=variables,
            )
        return None
