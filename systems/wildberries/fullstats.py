"""``wb.fullstats``: per-day, per-campaign statistics as a dataset (``kind wb.fullstats``).

Campaign ids come from a ``wb.campaigns`` dataset (the variable ``wb_campaigns``, or the one
named by ``wb.campaigns``); only statuses 7, 9 and 11 are asked for (WB refuses others with
``invalid ids``). The period is cut into calls of ≤ 50 ids × ≤ 31 days
(``plan.fullstats_plan``), paced at the fullstats group's rate (3 a minute, one per 20 s) per
account; every chunk is stored as it comes, under a key made of its ids and days, so a task
fetched again after a crash or a lost lock skips what is stored and asks WB only for the rest.
Rows: advert_id, date, views, clicks, ctr, cpc, sum, atbs, orders, cr, shks, sum_price, canceled
(the ``apps`` / ``nms`` breakdowns are not kept).
"""

from __future__ import annotations

from typing import Any

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from systems.wildberries.inputs import dataset_input, outputs, period_of
from systems.wildberries.plan import Chunk, fullstats_plan
from systems.wildberries.shared import Shared

KIND = "wb.fullstats"
STATS_STATUSES = (7, 9, 11)
METRICS = ("views", "clicks", "ctr", "cpc", "sum", "atbs", "orders", "cr", "shks", "sum_price", "canceled")


class FullStats:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def __call__(self, task: TaskContext) -> HandlerOutcome:
        names = self.shared.settings.results.fullstats
        done = self.shared.finished(KIND, task)
        if done is not None:
            return complete(outputs(task, names, done))
        period = period_of(task, self.shared.today(), self.shared.settings.default_period)
        ids = self._campaign_ids(task)
        client = self.shared.accounts.for_task(task)
        writer = self.shared.writer(KIND, task)
        stored = writer.chunk_keys()
        plan = fullstats_plan(ids, period)
        waiter = self.shared.waiter(task)
        fetched = 0
        for chunk in plan:
            if chunk.key in stored:
                continue
            answer = client.fullstats(chunk.ids, chunk.period.begin, chunk.period.end, waiter)
            writer.append(chunk.key, day_rows(answer, chunk))
            fetched += 1
            waiter.alive()
        ref = writer.finish(time_from=period.begin.isoformat(), time_to=period.end.isoformat())
        logger.info(
            "wildberries task={} wb.fullstats account={} {}: {} campaigns, {} rows; {} of {} chunks "
            "fetched now, {:.1f} s paced",
            task.external_task_id,
            client.account.name,
            period,
            len(ids),
            ref.rows,
            fetched,
            len(plan),
            waiter.waited_s,
        )
        return complete(outputs(task, names, ref))

    def _campaign_ids(self, task: TaskContext) -> list[int]:
        ref = dataset_input(task, self.shared.settings.campaigns_input)
        ids = []
        for row in self.shared.store().rows(ref):
            status = row.get("status")
            if row.get("advert_id") is not None and (status is None or status in STATS_STATUSES):
                ids.append(int(row["advert_id"]))
        return sorted(set(ids))


def day_rows(answer: list[dict[str, Any]], chunk: Chunk) -> list[dict[str, Any]]:
    """One row per campaign and day of the chunk (days outside it, or other ids, are dropped)."""
    wanted = set(chunk.ids)
    begin, end = chunk.period.begin.isoformat(), chunk.period.end.isoformat()
    rows = []
    for item in answer:
        advert_id = item.get("advertId")
        if advert_id not in wanted:
            continue
        for day in item.get("days") or []:
            when = str(day.get("date", ""))[:10]
            if begin <= when <= end:
                rows.append(
                    {"advert_id": advert_id, "date": when, **{key: day.get(key, 0) for key in METRICS}}
                )
    rows.sort(key=lambda row: (row["date"], row["advert_id"]))
    return rows
