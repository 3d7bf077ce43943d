"""``ozon.postings``: the FBS postings of a period (``/v3/posting/fbs/list``) into a dataset.

The period (``period.py``) is cut into windows; each window is paged by ``offset`` until
``has_next`` is false. Each page is one chunk keyed by its window and offset and stored with
the position to ask next as its cursor, ``<date_from>/<date_to>/<window>/<offset>`` (or
``<date_from>/<date_to>/end``). The cursor also pins the period: a task redelivered after
midnight, whose default "yesterday" has moved on, finishes the period it started.

One row per posting (``rows.posting_row``); kind ``ozon.postings``, time range the period.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.datasets import DatasetStore, DatasetWriter, dataset_id_for, shared_store
from systems.ozon.accounts import Accounts
from systems.ozon.client import FBS_POSTING_LIST, OzonClient, rfc3339
from systems.ozon.dataset import chunk_key, result_variables
from systems.ozon.patience import Patience, Sleep
from systems.ozon.period import Period, requested_period
from systems.ozon.rows import posting_row
from systems.ozon.settings import OzonSettings

KIND = "ozon.postings"
STATUS_PROPERTY = "ozon.status"
Today = Callable[[ZoneInfo], date]


@dataclass(frozen=True)
class Position:
    """Where a pull stands: the period, and the window and offset to ask next (or done)."""

    period: Period
    window: int = 0
    offset: int = 0
    done: bool = False

    def text(self) -> str:
        span = f"{self.period.date_from.isoformat()}/{self.period.date_to.isoformat()}"
        return f"{span}/end" if self.done else f"{span}/{self.window}/{self.offset}"

    @classmethod
    def parse(cls, cursor: str) -> Position:
        parts = cursor.split("/")
        period = Period(date.fromisoformat(parts[0]), date.fromisoformat(parts[1]))
        if parts[2] == "end":
            return cls(period, done=True)
        return cls(period, int(parts[2]), int(parts[3]))


def today_in(zone: ZoneInfo) -> date:
    return datetime.now(UTC).astimezone(zone).date()


class PostingsPull:
    """Callable handler of the postings topic; ``store``, ``sleep`` and ``today`` are injectable."""

    def __init__(
        self,
        accounts: Accounts,
        settings: OzonSettings,
        *,
        store: Callable[[], DatasetStore] = shared_store,
        sleep: Sleep = time.sleep,
        today: Today = today_in,
    ) -> None:
        self.accounts = accounts
        self.settings = settings
        self.zone = ZoneInfo(settings.postings.timezone)
        self._store = store
        self._sleep = sleep
        self._today = today

    def __call__(self, task: TaskContext) -> HandlerOutcome:
        account = self.accounts.pick(task)
        store = self._store()
        dataset_id = dataset_id_for(KIND, task.external_task_id)
        ref = store.finished(dataset_id)
        if ref is None:
            writer = store.writer(dataset_id, kind=KIND)
            position = self._start(task, writer)
            pages = self._pull(task, self.accounts.client(account), writer, position)
            period = position.period
            ref = writer.finish(time_from=period.date_from.isoformat(), time_to=period.date_to.isoformat())
            logger.info(
                "ozon task={} postings of account {} for {}..{}: {} rows, {} pages asked",
                task.external_task_id,
                account,
                period.date_from,
                period.date_to,
                ref.rows,
                pages,
            )
        return complete(result_variables(task, self.settings.postings.result_variable, ref))

    def _start(self, task: TaskContext, writer: DatasetWriter) -> Position:
        """The stored position of an interrupted run, or the start of the requested period."""
        requested = requested_period(task, self._today(self.zone), self.zone)
        cursor = writer.last_cursor()
        if cursor is None:
            return Position(requested)
        position = Position.parse(cursor)
        if position.period != requested:
            logger.info(
                "ozon task={} resumes the period it started, {}..{}",
                task.external_task_id,
                position.period.date_from,
                position.period.date_to,
            )
        return position

    def _pull(self, task: TaskContext, client: OzonClient, writer: DatasetWriter, start: Position) -> int:
        """Ask for every page not stored yet; returns how many were asked for."""
        if start.done:
            return 0
        run = _Run(
            client,
            writer,
            Patience(self.settings.waiting, task.keep_alive, sleep=self._sleep),
            start.period,
            start.period.windows(self.settings.postings.window_days, self.zone),
            self.settings.postings.page_size,
            task.properties.get(STATUS_PROPERTY, "").strip() or self.settings.postings.status,
        )
        for index in range(start.window, len(run.windows)):
            run.window(index, start.offset if index == start.window else 0)
        return run.pages


@dataclass
class _Run:
    """One run's paging over the windows of a period."""

    client: OzonClient
    writer: DatasetWriter
    patience: Patience
    period: Period
    windows: list[tuple[datetime, datetime]]
    limit: int
    status: str | None
    pages: int = 0

    def window(self, index: int, offset: int) -> None:
        """Page through window ``index`` from ``offset`` until ``has_next`` is false."""
        since, to = self.windows[index]
        while True:
            fetch = partial(
                self.client.fbs_postings,
                since=since,
                to=to,
                offset=offset,
                limit=self.limit,
                status=self.status,
            )
            page = self.patience.call(fetch, FBS_POSTING_LIST)
            self.pages += 1
            more = page.has_next and bool(page.postings)
            following = offset + len(page.postings)
            if more:
                after = Position(self.period, index, following)
            else:
                after = Position(self.period, index + 1, 0, done=index + 1 >= len(self.windows))
            rows = [posting_row(posting) for posting in page.postings]
            self.writer.append(chunk_key("window", f"{rfc3339(since)}/{offset}"), rows, cursor=after.text())
            if not more:
                return
            offset = following
