"""A typed Bitrix24 REST client for one incoming webhook (``https://portal/rest/<user>/<code>/``).

One method per remote call, plus paging over list methods. The generic ``call`` and
``batch``, the rate limits, retries and the error mapping are in ``transport.py``; the
answers in ``answers.py``; the PHP query encoding of ``batch`` commands in ``phpquery.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from systems.bitrix24.answers import (
    BatchResult,
    Bitrix24Response,
    JsonMap,
    int_or_none,
    rows_of,
    task_key,
)
from systems.bitrix24.errors import Bitrix24NotFound, Bitrix24ProtocolError
from systems.bitrix24.phpquery import Command, encode_command, php_query
from systems.bitrix24.retry import NOT_REPEATABLE, RetryPolicy, is_repeatable
from systems.bitrix24.transport import BATCH_LIMIT, DEFAULT_OPERATION_PAUSE_S, Bitrix24Transport
from systems.bitrix24.webhook import MASK, Webhook

# Everything this module offered before it was split still imports from here.
__all__ = [
    "BATCH_LIMIT",
    "DEFAULT_OPERATION_PAUSE_S",
    "MASK",
    "NOT_REPEATABLE",
    "PAGE_SIZE",
    "BatchResult",
    "Bitrix24Client",
    "Bitrix24Response",
    "Command",
    "JsonMap",
    "RetryPolicy",
    "Webhook",
    "encode_command",
    "is_repeatable",
    "php_query",
    "rows_of",
    "task_key",
]

PAGE_SIZE = 50


class Bitrix24Client(Bitrix24Transport):
    """Calls one portal through one incoming webhook; thread-safe if the session is.

    ``limiter`` and ``pauses`` default to the process-wide ones of the portal, so every
    client and thread of the process shares one leaky bucket (2/s, burst 50 by default;
    pass ``LeakyBucket(5, 250)`` or ``shared_bucket(portal, 5, 250)`` on Enterprise).
    """

    def __repr__(self) -> str:
        return f"Bitrix24Client(webhook={self.webhook.redacted!r})"

    # --- lists -----------------------------------------------------------------------------

    def iter_list(self, method: str, params: Mapping[str, Any] | None = None) -> Iterator[JsonMap]:
        """Every record of a list method, page by page (``start`` = the previous ``next``)."""
        start = 0
        while True:
            page = self.call(method, {**(params or {}), "start": start})
            yield from rows_of(method, page.result)
            if page.next is None:
                return
            start = page.next

    def iter_all_fast(
        self, method: str, params: Mapping[str, Any] | None = None, id_key: str = "ID"
    ) -> Iterator[JsonMap]:
        """Every record, the fast way for big lists: ``start=-1`` (no count), ``order {ID: ASC}``
        and a moving ``filter {">ID": last}``, until a page has fewer than 50 rows.

        ``id_key`` is the id's key in the answer: ``ID`` in CRM, ``id`` in tasks.
        """
        base = dict(params or {})
        if "order" in base or "start" in base:
            raise ValueError("iter_all_fast sets order and start itself")
        conditions = dict(base.pop("filter", None) or {})
        last = conditions.pop(">ID", 0)
        while True:
            query = {**base, "order": {"ID": "ASC"}, "filter": {**conditions, ">ID": last}, "start": -1}
            rows = rows_of(method, self.call(method, query).result)
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            last = int(rows[-1][id_key])

    # --- tasks -----------------------------------------------------------------------------

    def task_add(self, fields: Mapping[str, Any]) -> JsonMap:
        """``tasks.task.add``; the new task (camelCase keys, string values)."""
        return self._task_of("tasks.task.add", self.call("tasks.task.add", {"fields": dict(fields)}))

    def task_get(self, task_id: int, select: Sequence[str] | None = None) -> JsonMap | None:
        """``tasks.task.get``; None for a missing or inaccessible task (it answers ``[]``)."""
        params: JsonMap = {"taskId": task_id}
        if select is not None:
            params["select"] = list(select)
        result = self.call("tasks.task.get", params).result
        if isinstance(result, Mapping) and isinstance(result.get("task"), Mapping):
            return dict(result["task"])
        return None

    def task_update(self, task_id: int, fields: Mapping[str, Any]) -> JsonMap:
        """``tasks.task.update``; the task as the portal returns it (may be empty)."""
        result = self.call("tasks.task.update", {"taskId": task_id, "fields": dict(fields)}).result
        task = result.get("task") if isinstance(result, Mapping) else None
        return dict(task) if isinstance(task, Mapping) else {}

    def task_list(
        self,
        filter: Mapping[str, Any] | None = None,
        select: Sequence[str] | None = None,
        start: int = 0,
        order: Mapping[str, str] | None = None,
    ) -> tuple[list[JsonMap], int | None]:
        """One page of ``tasks.task.list``: the tasks and the ``next`` start (None at the end)."""
        params: JsonMap = {"filter": dict(filter or {}), "start": start}
        if select is not None:
            params["select"] = list(select)
        if order is not None:
            params["order"] = dict(order)
        page = self.call("tasks.task.list", params)
        return rows_of("tasks.task.list", page.result), page.next

    def tasks_by_ids(self, ids: Iterable[int], select: Sequence[str] | None = None) -> dict[int, JsonMap]:
        """Tasks by id, one ``tasks.task.list`` with ``filter {ID: [...]}`` per 50 ids.

        Missing (deleted, inaccessible) ids are simply absent from the answer.
        """
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if select is not None and "ID" not in select:
            select = ["ID", *select]
        found: dict[int, JsonMap] = {}
        for start in range(0, len(wanted), PAGE_SIZE):
            tasks, _ = self.task_list({"ID": wanted[start : start + PAGE_SIZE]}, select)
            found.update({int(task["id"]): task for task in tasks})
        return found

    def task_complete(self, task_id: int) -> JsonMap:
        """``tasks.task.complete`` (status 5, or 4 when the creator must approve)."""
        return self._task_of("tasks.task.complete", self.call("tasks.task.complete", {"taskId": task_id}))

    def task_defer(self, task_id: int) -> JsonMap:
        """``tasks.task.defer`` (status 6)."""
        return self._task_of("tasks.task.defer", self.call("tasks.task.defer", {"taskId": task_id}))

    def task_approve(self, task_id: int) -> JsonMap:
        """``tasks.task.approve``: a task awaiting control (4) becomes completed (5)."""
        return self._task_of("tasks.task.approve", self.call("tasks.task.approve", {"taskId": task_id}))

    def task_comment_add(self, task_id: int, text: str, author_id: int | None = None) -> int:
        """``task.commentitem.add``; the comment id."""
        fields: JsonMap = {"POST_MESSAGE": text}
        if author_id is not None:
            fields["AUTHOR_ID"] = author_id
        return self._id_of("task.commentitem.add", {"TASKID": task_id, "FIELDS": fields})

    def checklist_item_add(
        self,
        task_id: int,
        title: str,
        *,
        parent_id: int | None = None,
        sort_index: int | None = None,
        is_complete: bool = False,
        is_important: bool = False,
    ) -> int:
        """``task.checklistitem.add``; the item id. ``parent_id=0`` starts a new checklist."""
        fields: JsonMap = {"TITLE": title, "IS_COMPLETE": "Y" if is_complete else "N"}
        fields["IS_IMPORTANT"] = "Y" if is_important else "N"
        if parent_id is not None:
            fields["PARENT_ID"] = parent_id
        if sort_index is not None:
            fields["SORT_INDEX"] = sort_index
        return self._id_of("task.checklistitem.add", {"TASKID": task_id, "FIELDS": fields})

    def task_results(self, task_id: int) -> list[JsonMap]:
        """``tasks.task.result.list``: the results a person attached when closing the task."""
        return rows_of(
            "tasks.task.result.list", self.call("tasks.task.result.list", {"taskId": task_id}).result
        )

    def find_tasks_by_field(
        self, field_name: str, value: Any, select: Sequence[str] | None = None
    ) -> list[JsonMap]:
        """Every task whose field (e.g. ``UF_CAMUNDA_ID_EXTERNAL_TASK``) equals ``value``."""
        params: JsonMap = {"filter": {field_name: value}}
        if select is not None:
            params["select"] = list(select)
        return list(self.iter_list("tasks.task.list", params))

    # --- CRM and users ---------------------------------------------------------------------

    def lead_add(self, fields: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> int:
        """``crm.lead.add``; the new lead's id."""
        return self._id_of("crm.lead.add", {"fields": dict(fields), "params": dict(params or {})})

    def lead_update(self, lead_id: int, fields: Mapping[str, Any]) -> bool:
        """``crm.lead.update``; multi-fields (PHONE…) without ``ID`` are added, not replaced."""
        return bool(self.call("crm.lead.update", {"id": lead_id, "fields": dict(fields)}).result)

    def lead_get(self, lead_id: int) -> JsonMap | None:
        """``crm.lead.get`` (UPPER_SNAKE keys); None when the lead does not exist."""
        try:
            result = self.call("crm.lead.get", {"id": lead_id}).result
        except Bitrix24NotFound:
            return None
        return dict(result) if isinstance(result, Mapping) else None

    def user_get(self, filter: Mapping[str, Any] | None = None) -> list[JsonMap]:
        """``user.get``: every user matching ``filter`` (all pages)."""
        return list(self.iter_list("user.get", {"FILTER": dict(filter or {})}))

    # --- helpers ---------------------------------------------------------------------------

    def _task_of(self, method: str, response: Bitrix24Response) -> JsonMap:
        task = response.result.get("task") if isinstance(response.result, Mapping) else None
        if not isinstance(task, Mapping):
            raise Bitrix24ProtocolError(method, description="the answer holds no task")
        return dict(task)

    def _id_of(self, method: str, params: Mapping[str, Any]) -> int:
        value = int_or_none(self.call(method, params).result)
        if value is None:
            raise Bitrix24ProtocolError(method, description="the answer holds no id")
        return value
