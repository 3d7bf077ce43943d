"""``wb.orders`` and ``wb.sales``: the statistics API's rows as datasets (``kind wb.orders`` /
``wb.sales``), one row per order / per sale or return, as WB sends them.

The pull starts at the period's first day (Moscow time) and pages by ``lastChangeDate``
(``paging.py``) at the group's rate (1 a minute per account); rows changed after the
period's last day are left out and end the pull. Every page is stored with its cursor, so a
task fetched again resumes from ``writer.last_cursor()`` and never asks for a stored page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from systems.wildberries.client import JsonMap, WildberriesClient
from systems.wildberries.inputs import outputs, period_of
from systems.wildberries.pacing import Waiter
from systems.wildberries.paging import Cursor, next_page
from systems.wildberries.shared import Shared

Fetch = Callable[[WildberriesClient, str, Waiter], list[JsonMap]]


@dataclass(frozen=True)
class Feed:
    topic: str  # orders / sales: the results' and the pacing group's name
    key: str  # the row id that dedupes page boundaries
    fetch: Fetch

    @property
    def kind(self) -> str:
        return f"wb.{self.topic}"


ORDERS = Feed("orders", "srid", lambda client, date_from, waiter: client.orders(date_from, waiter))
SALES = Feed("sales", "saleID", lambda client, date_from, waiter: client.sales(date_from, waiter))


class StatisticsPull:
    def __init__(self, shared: Shared, feed: Feed) -> None:
        self.shared = shared
        self.feed = feed

    def __call__(self, task: TaskContext) -> HandlerOutcome:
        feed = self.feed
        names = self.shared.settings.results.of(feed.topic)
        done = self.shared.finished(feed.kind, task)
        if done is not None:
            return complete(outputs(task, names, done))
        period = period_of(task, self.shared.today(), self.shared.settings.default_period)
        until = datetime.combine(period.end + timedelta(days=1), time())
        client = self.shared.accounts.for_task(task)
        writer = self.shared.writer(feed.kind, task)
        cursor = Cursor.decode(writer.last_cursor(), period.begin.isoformat())
        waiter = self.shared.waiter(task)
        pages, known = 0, set[str]()  # ids stored by this run: a row seen twice is stored once
        while True:
            answer = feed.fetch(client, cursor.date_from, waiter)
            page = next_page(answer, cursor, feed.key, until, feed.topic, known)
            pages += 1
            if page.fresh:
                writer.append(f"dateFrom={cursor.date_from}", page.fresh, page.next.encode())
            if page.finished:
                break
            cursor = page.next
            waiter.alive()
        ref = writer.finish(time_from=period.begin.isoformat(), time_to=period.end.isoformat())
        logger.info(
            "wildberries task={} wb.{} account={} {}: {} rows, {} pages now, {:.1f} s paced",
            task.external_task_id,
            feed.topic,
            client.account.name,
            period,
            ref.rows,
            pages,
            waiter.waited_s,
        )
        return complete(outputs(task, names, ref))
