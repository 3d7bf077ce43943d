"""The Bitrix24 tracker: which people tasks are done, and telling Bitrix about cancellations.

The tracker process gets it from the system's descriptor (``systems/registry.py``) and calls ``check`` with up to
``batch_size`` (≤ 50) in-flight items per call. One check costs one ``tasks.task.list``
(filtered by ID) plus, only when needed, one ``batch`` for the result texts of the done
tasks and one ``batch`` confirming that missing tasks are really gone (``tasks.task.get``
answers ``[]`` for them). A gone task ends as the BPMN error ``tasks.deleted_error_code``;
the tracker's settling turns it into an incident when the activity does not catch it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from loguru import logger

from core.contracts import BpmnErrorOutcome, CompleteOutcome
from core.contracts.result import typed
from core.tracking import FinalOutcome, TrackedItem
from systems.bitrix24.client import Bitrix24Client
from systems.bitrix24.connection import build_client
from systems.bitrix24.errors import Bitrix24Rejected, Bitrix24Transient
from systems.bitrix24.results import latest_result_texts
from systems.bitrix24.settings import TaskOptions, load_settings
from systems.bitrix24.status import is_done, result_variables, select_fields


def create_tracker(options: Mapping[str, Any]) -> Bitrix24Tracker:
    """The tracker of the people-task topic, with the tracker's share of the rate limit."""
    settings = load_settings(options)
    return Bitrix24Tracker(build_client(settings, "tracker"), settings.tasks)


class Bitrix24Tracker:
    """Implements :class:`core.tracking.SystemTracker` for Bitrix24 tasks."""

    def __init__(self, client: Bitrix24Client, options: TaskOptions) -> None:
        self.client = client
        self.options = options

    def check(self, items: Sequence[TrackedItem]) -> dict[str, FinalOutcome]:
        """Outcomes of the done and the deleted tasks; open ones are left out."""
        wanted = _by_task_id(items)
        if not wanted:
            return {}
        try:
            tasks = self.client.tasks_by_ids(wanted, select=select_fields(self.options))
            done = {task_id: task for task_id, task in tasks.items() if is_done(task, self.options)}
            texts = latest_result_texts(self.client, done) if self.options.results.result else {}
            gone = self._confirmed_gone(task_id for task_id in wanted if task_id not in tasks)
        except Bitrix24Transient as err:
            logger.warning("bitrix24 status check of {} tasks postponed: {}", len(wanted), err)
            return {}
        outcomes: dict[str, FinalOutcome] = {}
        for task_id, task in done.items():
            variables = result_variables(task, texts.get(task_id), self.options)
            outcomes[wanted[task_id].external_task_id] = CompleteOutcome(variables=typed(variables))
        for task_id in gone:
            outcomes[wanted[task_id].external_task_id] = BpmnErrorOutcome(
                code=self.options.deleted_error_code,
                message=f"Bitrix24 task {task_id} was deleted (or the webhook's user cannot see it)",
            )
        return outcomes

    def cancelled(self, item: TrackedItem) -> None:
        """The instance was cancelled: comment on the task, then defer or complete it."""
        if not item.external_id.isdigit():
            return
        task_id = int(item.external_id)
        cancel = self.options.on_cancel
        if cancel.comment:
            text = (
                cancel.comment.replace("{process_instance_id}", item.process_instance_id)
                .replace("{activity_id}", item.activity_id)
                .replace("{task_id}", str(task_id))
            )
            self._quietly(task_id, "comment", lambda: self.client.task_comment_add(task_id, text))
        if cancel.action == "defer":
            self._quietly(task_id, "defer", lambda: self.client.task_defer(task_id))
        elif cancel.action == "complete":
            self._quietly(task_id, "complete", lambda: self.client.task_complete(task_id))

    def _confirmed_gone(self, task_ids: Iterable[int]) -> list[int]:
        """Of the ids a list left out, those ``tasks.task.get`` does not know either."""
        ids = list(task_ids)
        if not ids:
            return []
        commands = {
            f"g{task_id}": ("tasks.task.get", {"taskId": task_id, "select": ["ID"]}) for task_id in ids
        }
        answers = self.client.batch(commands)
        gone = []
        for task_id in ids:
            key = f"g{task_id}"
            found = answers.results.get(key)
            if key not in answers.errors and not (isinstance(found, Mapping) and found.get("task")):
                gone.append(task_id)
        return gone

    @staticmethod
    def _quietly(task_id: int, what: str, action: Callable[[], object]) -> None:
        """Run one cancellation step; a refusal (task closed or gone already) is only logged."""
        try:
            action()
        except Bitrix24Rejected as err:
            logger.info("bitrix24 task {}: {} on cancellation refused: {}", task_id, what, err)


def _by_task_id(items: Sequence[TrackedItem]) -> dict[int, TrackedItem]:
    wanted: dict[int, TrackedItem] = {}
    for item in items:
        if item.external_id.isdigit():
            wanted[int(item.external_id)] = item
        else:
            logger.error("task={} has no Bitrix24 task id ({!r})", item.external_task_id, item.external_id)
    return wanted
