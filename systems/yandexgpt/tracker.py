"""The YandexGPT tracker: polls ``operations/{id}`` of async generations until they are done.

Each check reads the in-flight operations one GET each (the API allows 50 a second for
results; the system's limits apply). A running operation is left out, so the task keeps its
lock; a done one completes (or raises the answer's business error); an operation that ended
in an error or is gone (results are kept 3 days) becomes an incident. A transient failure
postpones the item to the next poll; an auth failure postpones all of them until it is fixed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from loguru import logger

from core.contracts import BpmnErrorOutcome, CompleteOutcome, FailureOutcome
from core.contracts.result import typed
from core.errors import BusinessError, RetryableError
from core.tracking import FinalOutcome, TrackedItem
from systems.yandexgpt.answers import Operation
from systems.yandexgpt.client import YandexGptClient
from systems.yandexgpt.connection import build_client
from systems.yandexgpt.errors import GRPC_NAMES, YandexGptAuthError, YandexGptRejected
from systems.yandexgpt.reference import parse_reference
from systems.yandexgpt.results import answer_variables
from systems.yandexgpt.settings import YandexGptSettings, load_settings


def create_tracker(options: Mapping[str, Any]) -> YandexGptTracker:
    settings = load_settings(options)
    return YandexGptTracker(build_client(settings), settings)


class YandexGptTracker:
    """Implements :class:`core.tracking.SystemTracker` for async generations."""

    def __init__(self, client: YandexGptClient, settings: YandexGptSettings) -> None:
        self.client = client
        self.settings = settings

    def check(self, items: Sequence[TrackedItem]) -> dict[str, FinalOutcome]:
        outcomes: dict[str, FinalOutcome] = {}
        for item in items:
            try:
                outcome = self._check_one(item)
            except YandexGptAuthError as err:
                logger.error("yandexgpt operations cannot be read, polling postponed: {}", err)
                return outcomes
            except RetryableError as err:
                logger.warning("yandexgpt task={} check postponed: {}", item.external_task_id, err)
                continue
            if outcome is not None:
                outcomes[item.external_task_id] = outcome
        return outcomes

    def cancelled(self, item: TrackedItem) -> None:
        """The instance was cancelled: ask Yandex to stop the generation (best effort)."""
        operation_id, _ = parse_reference(item.external_id)
        try:
            self.client.cancel(operation_id)
        except (YandexGptRejected, RetryableError) as err:
            logger.info("yandexgpt operation {} not cancelled: {}", operation_id, err)

    def _check_one(self, item: TrackedItem) -> FinalOutcome | None:
        try:
            operation_id, schema = parse_reference(item.external_id)
        except ValueError as err:
            return FailureOutcome(message=f"yandexgpt: unreadable reference {item.external_id[:40]!r}: {err}")
        try:
            operation = self.client.operation(operation_id)
        except YandexGptAuthError:
            raise
        except YandexGptRejected as err:  # 404 after 3 days, a wrong id, a broken answer
            return FailureOutcome(message=f"yandexgpt operation {operation_id}: {err}")
        if not operation.done:
            return None
        logger.info("yandexgpt task={} operation {} done", item.external_task_id, operation_id)
        return self._finished(operation, schema)

    def _finished(self, operation: Operation, schema: dict[str, Any] | None) -> FinalOutcome:
        if operation.generation is None:
            name = GRPC_NAMES.get(operation.error_code or -1, str(operation.error_code))
            return FailureOutcome(
                message=f"yandexgpt operation {operation.id} failed: {name}: {operation.error_message}"
            )
        try:
            variables = answer_variables(operation.generation, schema, self.settings)
        except BusinessError as err:
            return BpmnErrorOutcome(code=err.code, message=str(err), variables=typed(err.variables))
        return CompleteOutcome(variables=typed(variables))
