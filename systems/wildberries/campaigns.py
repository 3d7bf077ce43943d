"""``wb.campaigns``: the seller's campaigns as a dataset (``kind wb.campaigns``), one row each.

``promotion/count`` lists every campaign with its type and status; those with a wanted status
and type (properties ``wb.statuses`` / ``wb.types``, variables ``wb_statuses`` / ``wb_types``,
default ``options.campaigns``: statuses 7, 9, 11, types 8, 9) are read in detail by
``api/advert/v2/adverts``, at most 50 ids a call, optionally only one ``wb.payment_type``.
Rows: advert_id, name, status, type, payment_type, bid_type, change_time, created, started,
updated, nm_ids. The list is small and read at 5 requests a second, so it is one chunk: a
re-delivered task finds the finished dataset, or fetches the list again.
"""

from __future__ import annotations

from typing import Any

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.errors import PermanentError
from systems.wildberries.inputs import int_list, outputs
from systems.wildberries.plan import id_chunks
from systems.wildberries.shared import Shared

KIND = "wb.campaigns"
PAYMENT_TYPES = ("cpm", "cpc")


class Campaigns:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def __call__(self, task: TaskContext) -> HandlerOutcome:
        names = self.shared.settings.results.campaigns
        done = self.shared.finished(KIND, task)
        if done is not None:
            return complete(outputs(task, names, done))
        wanted = self.shared.settings.campaigns
        statuses = int_list(task, "statuses", wanted.statuses)
        types = int_list(task, "types", wanted.types)
        payment = _payment_type(task, wanted.payment_type)
        client = self.shared.accounts.for_task(task)
        waiter = self.shared.waiter(task)
        listed = {
            int(item["advertId"]): item
            for item in client.promotion_count(waiter)
            if item.get("status") in statuses
            and item.get("type") in types
            and item.get("advertId") is not None
        }
        rows: list[dict[str, Any]] = []
        for ids in id_chunks(listed):
            for advert in client.adverts(ids, waiter, statuses=statuses, payment_type=payment):
                if advert.get("id") in listed:
                    rows.append(campaign_row(advert, listed[int(advert["id"])]))
            waiter.alive()
        writer = self.shared.writer(KIND, task)
        writer.append("campaigns", rows)
        ref = writer.finish()
        logger.info(
            "wildberries task={} wb.campaigns account={}: {} of {} campaigns (statuses {}, types {})",
            task.external_task_id,
            client.account.name,
            ref.rows,
            len(listed),
            statuses,
            types,
        )
        return complete(outputs(task, names, ref))


def campaign_row(advert: dict[str, Any], listed: dict[str, Any]) -> dict[str, Any]:
    """One campaign: adverts v2's details with the type and change time from promotion/count."""
    settings = _map(advert.get("settings"))
    stamps = _map(advert.get("timestamps"))
    nms = advert.get("nm_settings")
    return {
        "advert_id": int(advert["id"]),
        "name": settings.get("name"),
        "status": advert.get("status", listed.get("status")),
        "type": listed.get("type"),
        "payment_type": settings.get("payment_type"),
        "bid_type": advert.get("bid_type"),
        "change_time": listed.get("changeTime"),
        "created": stamps.get("created"),
        "started": stamps.get("started"),
        "updated": stamps.get("updated"),
        "nm_ids": [nm["nm_id"] for nm in nms or [] if isinstance(nm, dict) and "nm_id" in nm],
    }


def _map(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _payment_type(task: TaskContext, default: str | None) -> str | None:
    value = task.properties.get("wb.payment_type", "").strip() or task.variables.get("wb_payment_type")
    if value in (None, ""):
        return default
    if value not in PAYMENT_TYPES:
        raise PermanentError(f"{task.topic}: wb.payment_type must be cpm or cpc, not {value!r}")
    return str(value)
