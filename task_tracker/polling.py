"""Asks each tracked system, in batches, which work items people have finished.

Several trackers (one per host) share the polling through leases in the ledger: each round a
poller leases a batch of the system's tracked items nobody else holds, checks it, and leases
the next, until no item is left that it has not checked this round. An item stays with its
tracker while the tracker renews the lease (every round), so no item is polled by two trackers;
a tracker that stops releases its leases, and one that dies lets them run out
(``lease_seconds``), after which the other tracker's next round takes them. One tracker alone
leases every item each round, as it polled every item before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loguru import logger

from core import http, wiring
from core.config.models import SystemConfig
from core.contracts import ResultMessage, TaskRef, parse_result_message
from core.errors import ContractError
from core.ledger import Ledger, LedgerEntry
from core.tracking import SystemTracker
from systems import registry
from task_tracker.settle import Settler, tracked_item

LEASE_INTERVALS = 3  # a lease outlives this many poll intervals, so a slow round keeps its items
MIN_LEASE_S = 10.0  # ... and one batch's check (rate limits, client retries) never outlives it


def lease_seconds(config: SystemConfig) -> float:
    """How long a tracker keeps an item between polls; a dead tracker's items return after this."""
    return max(LEASE_INTERVALS * config.poll_interval_s, MIN_LEASE_S)


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
        *,
        owner: str | None = None,
    ) -> None:
        """``owner``: this tracker's identity in the ledger's leases (default: host, pid, random)."""
        self.system = system
        self.config = config
        self.tracker = tracker
        self.owner = owner or wiring.process_owner()
        self.lease_s = lease_seconds(config)
        self._ledger = ledger
        self._settler = settler

    def poll(self) -> int:
        """One round over the tracked items no other tracker holds; returns how many were settled.

        Batches are leased one at a time, right before they are checked, so each lease is fresh
        while its batch is asked about. The ledger hands out never-polled and least recently
        polled items first, so this round's items come back only once the rest are done: a
        batch that holds one of them (or is short) ends the round.
        """
        size = self.config.batch_size
        seen: set[str] = set()
        settled = 0
        while True:
            leased = self._ledger.lease_tracked(self.owner, self.system, size, self.lease_s)
            batch = [e for e in leased if e.external_task_id not in seen]
            if batch:
                seen.update(e.external_task_id for e in batch)
                settled += self._check(batch)
            if len(batch) < size:
                return settled

    def release(self) -> None:
        """Give up this tracker's leases (it stops), so another tracker polls them at once."""
        released = self._ledger.release_tracked(self.owner)
        if released:
            logger.info("released {} tracked items to other trackers", released)

    def _check(self, batch: list[LedgerEntry]) -> int:
        """Ask the system about one batch; settle the finished items. Returns how many."""
        by_task = {e.external_task_id: e for e in batch}
        refs = {e.external_task_id: _task_ref(e) for e in batch}
        items = [
            tracked_item(e, answers_gateway=bool(refs[e.external_task_id].answers_gateway)) for e in batch
        ]
        settled = 0
        for task_id, outcome in self.tracker.check(items).items():
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
