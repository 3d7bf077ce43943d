"""The ledger's interface: what every service asks of it, whichever database holds it.

:class:`~core.ledger.sqlite.SqliteLedger` (one host) and
:class:`~core.ledger.postgres.PostgresLedger` (several hosts) keep the same rules; the contract
tests (``tests/support/ledger_contract.py``) run against both. Every write is one statement (or
one transaction), so the rules hold whether the racing writers are threads, processes or hosts:

- a final state is never left (apart from a failed task the engine hands out again);
- of several owners claiming a task, or leasing a tracked item, exactly one wins;
- a known task keeps its message id and durable record id when routed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from core.ledger.model import LedgerEntry, RoutedTask, TaskState


class Ledger(Protocol):
    """One durable record per external task. All methods are safe to call from any thread."""

    # -- writes -------------------------------------------------------------------------

    def record_routed(self, task: RoutedTask) -> LedgerEntry:
        """Record a routed task; a task seen before keeps its message id and record id.

        The exception is a task whose last round failed: the engine only hands it out again
        for a retry, so it starts a new round (fresh message id; no result, work item or
        attempts). A new record is stamped as queued (``routed_at``); a known one keeps its
        stamp until :meth:`mark_queued`.
        """
        ...

    def record_routed_many(self, tasks: Sequence[RoutedTask]) -> list[LedgerEntry]:
        """:meth:`record_routed` for a fetched batch in one transaction: one commit, not one each.

        Entries come back in the order of ``tasks``; on an error none of them is recorded.
        """
        ...

    def mark_queued(self, external_task_id: str, queued: bool) -> None:
        """Its message was published again (``True``), or it is not in the broker at all (``False``)."""
        ...

    def record_attempt(self, external_task_id: str, error: str) -> int:
        """Count a failed attempt (the error is kept, truncated); returns the attempts so far."""
        ...

    def claim(self, external_task_id: str, owner: str, lease_s: float) -> bool:
        """Take the task for running its handler; False while another owner's lease is alive.

        Only a routed task without a result can be claimed; of owners racing, exactly one wins.
        """
        ...

    def renew_claims(self, owner: str, lease_s: float) -> int:
        """Extend the lease of every claim ``owner`` holds; returns how many it holds."""
        ...

    def release_claim(self, external_task_id: str, owner: str) -> None:
        """Give the task up (a retry is scheduled); the next delivery may claim it."""
        ...

    def record_external(self, external_task_id: str, external_id: str, external_url: str | None) -> bool:
        """The system created a work item for this task; False when the task is already final."""
        ...

    def record_result(
        self, external_task_id: str, state: TaskState, result_json: str, *, keep_claim: bool = False
    ) -> bool:
        """Store the result record (so a redelivery re-emits it); the claim ends with it, unless
        ``keep_claim`` (the creator completes the task in the engine and marks it after).

        False (and nothing written) when the task already reached a final state.
        """
        ...

    def mark(self, external_task_id: str, state: TaskState, *, error: str | None = None) -> bool:
        """Move the task to ``state``; False (and nothing written) when it is already final."""
        ...

    def mark_many(self, external_task_ids: Sequence[str], state: TaskState) -> int:
        """Move each task to ``state`` and end its claim, in one transaction, except those already
        final; how many moved."""
        ...

    def lease_tracked(self, owner: str, system: str, limit: int, lease_s: float) -> list[LedgerEntry]:
        """Hand ``owner`` up to ``limit`` of ``system``'s tracked items to poll, leased for ``lease_s``.

        An item leased by another owner whose lease is alive is left out; the owner's own
        leases are renewed. Items polled longest ago come first, so every item gets its turn.
        """
        ...

    def release_tracked(self, owner: str) -> int:
        """End every lease ``owner`` holds (its tracker stops), so another tracker takes them at once."""
        ...

    # -- reads --------------------------------------------------------------------------

    def get(self, external_task_id: str) -> LedgerEntry | None: ...

    def in_states(self, system: str | None, states: Iterable[TaskState]) -> list[LedgerEntry]:
        """Records in any of ``states`` (of one system, or all), oldest first."""
        ...

    def for_instance(self, process_instance_id: str) -> list[LedgerEntry]:
        """The records of one process instance, oldest first."""
        ...

    def recent(self, limit: int) -> list[LedgerEntry]:
        """The ``limit`` records routed last, newest first, in their current state."""
        ...

    def counts(self) -> dict[str, int]:
        """How many records are in each state (states without records are absent)."""
        ...

    def oldest_by_system(self, state: TaskState) -> dict[str, tuple[int, datetime]]:
        """Per system: how many records are in ``state`` and when the oldest of them was created."""
        ...

    def is_final(self, external_task_id: str) -> bool: ...

    def close(self) -> None:
        """Release the database connections (a service's last step)."""
        ...
