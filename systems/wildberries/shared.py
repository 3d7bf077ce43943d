"""What every Wildberries action of a process shares: accounts, options, the dataset store, time."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from core.actions.context import TaskContext
from core.datasets import DatasetRef, DatasetStore, DatasetWriter, dataset_id_for, shared_store
from systems.wildberries.accounts import Accounts
from systems.wildberries.pacing import Sleep, Waiter
from systems.wildberries.periods import moscow_today
from systems.wildberries.settings import WildberriesSettings


@dataclass(frozen=True)
class Shared:
    """Tests swap the store (a temporary SQLite file), the sleep and "today"."""

    accounts: Accounts
    settings: WildberriesSettings
    store: Callable[[], DatasetStore] = shared_store
    sleep: Sleep = field(default=time.sleep)
    today: Callable[[], date] = moscow_today

    def waiter(self, task: TaskContext) -> Waiter:
        """The task's waits: they keep its engine lock alive and spend none of its retries."""
        pacing = self.settings.pacing
        return Waiter(
            task.keep_alive,
            max_wait_s=pacing.max_wait_s,
            keep_alive_every_s=pacing.keep_alive_every_s,
            sleep=self.sleep,
        )

    def finished(self, kind: str, task: TaskContext) -> DatasetRef | None:
        """The dataset an earlier run of this task finished (a re-delivered task answers with it)."""
        return self.store().finished(dataset_id_for(kind, task.external_task_id))

    def writer(self, kind: str, task: TaskContext) -> DatasetWriter:
        """The task's dataset, new or where an interrupted run left it."""
        return self.store().writer(dataset_id_for(kind, task.external_task_id), kind=kind)
