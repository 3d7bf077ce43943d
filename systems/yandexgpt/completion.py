"""The ``yandexgpt.completion`` handler: a sync answer completes at once, an async one is tracked.

Exactly once: the creator claims the task and stores its result, so a redelivered or
re-fetched task re-emits the stored answer or the stored operation and never reaches this
handler again. What remains is a crash after the request left and before the creator stored
the outcome; the Foundation Models API has no idempotency key (docs/yandexgpt.md), so a
resumed task is logged as a possible second generation.
"""

from __future__ import annotations

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete, tracked
from systems.yandexgpt.client import YandexGptClient
from systems.yandexgpt.prompt import build_request
from systems.yandexgpt.reference import operation_url, reference_id
from systems.yandexgpt.results import answer_variables, check_schema
from systems.yandexgpt.settings import YandexGptSettings


class Completion:
    """Callable handler of the completion topic."""

    def __init__(self, client: YandexGptClient, settings: YandexGptSettings) -> None:
        self.client = client
        self.settings = settings

    def __call__(self, task: TaskContext) -> HandlerOutcome:
        request = build_request(task, self.settings, self.client.credentials.folder_id)
        check_schema(request.schema)
        request_id = f"exchanger-{task.external_task_id}"
        if task.resumed:
            logger.warning(
                "yandexgpt task={} resumed (attempt {}): an earlier run may have generated already",
                task.external_task_id,
                task.attempt,
            )
        if request.mode == "async":
            operation_id = self.client.completion_async(request.body, request_id)
            logger.info("yandexgpt task={} async operation {}", task.external_task_id, operation_id)
            url = operation_url(self.client.operations_url, operation_id)
            return tracked(reference_id(operation_id, request.schema), url=url)
        generation = self.client.completion(request.body, request_id)
        logger.info(
            "yandexgpt task={} answered: {} ({} tokens)",
            task.external_task_id,
            generation.status,
            generation.usage.total_tokens,
        )
        return complete(answer_variables(generation, request.schema, self.settings))
