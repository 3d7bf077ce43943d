"""Asks each tracked system, in batches, which work items people have finished."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core import http
from core.config.models import SystemConfig
from core.contracts import ResultMessage, TaskRef, parse_result_message
from core.errors import ContractError
from core.ledger import Ledger, LedgerEntry, TaskState
from core.tracking import SystemTracker
from systems import registry
from task_tracker.settle import Settler, tracked_item


def load_tracker(system: str, config: SystemConfig) -> SystemTracker:
    """The tracked system's poller, from its descriptor in the systems registry."""
    http.configure(system, config)  # the poller's client finds its limits, circuit and timeout
    return registry.create_tracker(system, config.options)


class SystemPoller:
    """One tracked system: check its in-flight items, settle the finished ones."""

    def __init__(
        self,
        system: str,
        config: SystemConfig,
        tracker: SystemTracker,
        ledger: Ledger,
        settler: Settler,
    ) -> None:
        self.system = system
        self.config = config
        self.tracker = tracker
        self._ledger = ledger
        self._settler = settler

    def poll(self) -> int:
        """One pass over every tracked item; returns how many were settled."""
        entries = [e for e in self._ledger.in_states(self.system, [TaskState.TRACKED]) if e.external_id]
        settled = 0
        size = self.config.batch_size
        for start in range(0, len(entries), size):
            batch = entries[start : start + size]
            by_task = {e.external_task_id: e for e in batch}
            refs = {e.external_task_id: _task_ref(e) for e in batch}
            items = [
                tracked_item(e, answers_gateway=bool(refs[e.external_task_id].answers_gateway)) for e in batch
            ]
            outcomes = self.tracker.check(items)
            for task_id, outcome in outcomes.items():
                entry = by_task.get(task_id)
                if entry is None:
                    continue
                result = ResultMessage(
                    external_task_id=task_id,
                    outcome=outcome,
                    message_id=entry.message_id,
                    result_id=entry.record_id,
                    system=self.system,
                    task=refs[task_id],
                    origin="direct" if entry.is_direct else "engine",
                )
                what = self._settler.settle(result)
                settled += 1
                logger.info("tracked task={} item={} finished -> {}", task_id, entry.external_id, what)
        return settled


def _task_ref(entry: LedgerEntry) -> TaskRef:
    """The original task's facts, from the tracked result the creator stored."""
    stored: TaskRef | None = None
    if entry.result:
        try:
            stored = parse_result_message(entry.result).task
        except ContractError:
            stored = None
    base: Mapping[str, Any] = stored.model_dump() if stored else {}
    return TaskRef(
        **{
            **base,
            "worker_id": entry.worker_id,
            "process_instance_id": entry.process_instance_id,
            "activity_id": entry.activity_id,
        }
    )
