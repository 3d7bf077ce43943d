"""The people-task handler: one Camunda task → one Bitrix24 task, then tracked until it is done.

Order of work: build and check every field (no remote call yet); look the task up by the
external-task-id user field, because an earlier attempt may have created it and died
before the ledger recorded it (or its answer was lost); only then create it. With a
checklist, the task and its items go in one ``batch`` request (items refer to the new
task through ``$result[task][task][id]``), so creating costs two requests either way.
Earlier results of the instance add one request: their lookup rides in the same ``batch``
as the task's own lookup, and the result texts of all of them come in one more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, tracked
from core.errors import PermanentError
from systems.bitrix24.client import Bitrix24Client, JsonMap, rows_of
from systems.bitrix24.description import with_previous_results
from systems.bitrix24.fields import TaskDraft, build_draft
from systems.bitrix24.results import earlier_query, earlier_results
from systems.bitrix24.settings import TaskOptions

NEW_TASK_ID = "$result[task][task][id]"
CHECKLIST_LIMIT = 48  # 50 commands per batch: the task, the checklist, its items


class PeopleTasks:
    """Callable handler of the people-task topic."""

    def __init__(
        self,
        client: Bitrix24Client,
        options: TaskOptions,
        portal: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.options = options
        self.portal = portal
        self._clock = clock

    def __call__(self, task: TaskContext) -> HandlerOutcome:
        draft = build_draft(task, self.options, self._clock())
        if len(draft.checklist) > CHECKLIST_LIMIT:
            raise PermanentError(
                f"bitrix24: activity {task.message.activity.id} has {len(draft.checklist)} checklist "
                f"items; at most {CHECKLIST_LIMIT} are supported"
            )
        existing, earlier = self._lookups(task, draft)
        if existing is not None:
            task_id, responsible = existing
            logger.warning(
                "bitrix24 task={} already has Bitrix task {} (an earlier attempt created it); tracking it",
                task.external_task_id,
                task_id,
            )
            return tracked(str(task_id), url=self.url(task_id, responsible))
        fields = self._with_history(draft, earlier)
        task_id = self._create(fields, draft.checklist)
        logger.info(
            "bitrix24 task={} created Bitrix task {} for user {} ({} checklist items)",
            task.external_task_id,
            task_id,
            draft.responsible,
            len(draft.checklist),
        )
        return tracked(str(task_id), url=self.url(task_id, draft.responsible))

    def url(self, task_id: int, user_id: Any) -> str:
        """The task's address on the portal (``tasks.task_url``)."""
        return (
            self.options.task_url.replace("{portal}", self.portal)
            .replace("{user_id}", str(user_id or 0))
            .replace("{task_id}", str(task_id))
        )

    def _lookups(self, task: TaskContext, draft: TaskDraft) -> tuple[tuple[int, Any] | None, list[JsonMap]]:
        """The task an earlier attempt made, if any, and the instance's tasks when earlier results
        are wanted: one request either way (a ``batch`` of both lists in the second case)."""
        own = self._own_query(task.external_task_id)
        history = (
            earlier_query(self.options, task.message.process.instance_id) if draft.previous_results else None
        )
        if history is None:
            return self._oldest(task.external_task_id, rows_of(own[0], self.client.call(*own).result)), []
        answers = self.client.batch({"own": own, "earlier": history})
        found = rows_of(own[0], answers["own"])
        return self._oldest(task.external_task_id, found), rows_of(history[0], answers["earlier"])

    def _own_query(self, external_task_id: str) -> tuple[str, dict[str, Any]]:
        field = self.options.fields.external_task_id
        return "tasks.task.list", {"filter": {field: external_task_id}, "select": ["ID", "RESPONSIBLE_ID"]}

    @staticmethod
    def _oldest(external_task_id: str, found: list[JsonMap]) -> tuple[int, Any] | None:
        """(id, responsible) of the oldest task carrying this external task id."""
        if not found:
            return None
        if len(found) > 1:
            ids = sorted(int(row["id"]) for row in found)
            logger.error("bitrix24 task={} has {} Bitrix tasks {}", external_task_id, len(ids), ids)
        oldest = min(found, key=lambda row: int(row["id"]))
        return int(oldest["id"]), oldest.get("responsibleId")

    def _with_history(self, draft: TaskDraft, earlier: list[JsonMap]) -> dict[str, Any]:
        if not draft.previous_results:
            return draft.fields
        results = earlier_results(self.client, self.options, earlier)
        description = with_previous_results(
            str(draft.fields["DESCRIPTION"]), self.options.previous_results_title, results
        )
        return {**draft.fields, "DESCRIPTION": description}

    def _create(self, fields: Mapping[str, Any], checklist: tuple[str, ...]) -> int:
        if not checklist:
            return int(self.client.task_add(fields)["id"])
        answers = self.client.batch(self._commands(fields, checklist))
        created = answers["task"]  # raises the add's own error when it failed
        task_id = int(created["task"]["id"])
        failed = sorted(key for key in answers.errors if key != "task")
        if failed:
            logger.warning(
                "bitrix24 task {}: {} checklist items not added: {}",
                task_id,
                len(failed),
                answers.errors[failed[0]],
            )
        return task_id

    def _commands(
        self, fields: Mapping[str, Any], checklist: tuple[str, ...]
    ) -> dict[str, tuple[str, Mapping[str, Any]]]:
        """``tasks.task.add``, a new checklist, then its items in order (one ``batch``)."""
        commands: dict[str, tuple[str, Mapping[str, Any]]] = {
            "task": ("tasks.task.add", {"fields": dict(fields)}),
            "list": (
                "task.checklistitem.add",
                {"TASKID": NEW_TASK_ID, "FIELDS": {"TITLE": self.options.checklist_title, "PARENT_ID": 0}},
            ),
        }
        for number, title in enumerate(checklist, start=1):
            item = {
                "TITLE": title,
                "PARENT_ID": "$result[list]",
                "SORT_INDEX": number * 10,
                "IS_COMPLETE": "N",
            }
            commands[f"item{number}"] = ("task.checklistitem.add", {"TASKID": NEW_TASK_ID, "FIELDS": item})
        return commands
