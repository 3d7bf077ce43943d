"""Results whose creator died between the engine's answer and the ledger's final mark.

A creator that completes a task in the engine keeps its claim on the stored result until the
final mark (``task_creator.marks``) and renews it while it lives. A claim that ran out on a
stored result therefore names a creator that died in that moment, with the task message acked:
no redelivery will come for it. Every creator looks for such results of its systems now and then
and sends them to the tracker, as a redelivery would have, then lets the dead claim go. The
tracker completes the task, meets the engine's 404, and marks it from the engine's history.

Two creators finding the same result at once both send it; the tracker settles the first and
finds the second already settled.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from loguru import logger

from core.errors import BrokerError, LedgerError
from core.ledger import Ledger, LedgerEntry, TaskState
from core.transport.base import MessagePublisher, OutgoingMessage
from core.transport.topology import sent_queue

LOOK_EVERY_S = 60.0  # a claim runs out after creator.claim_lease_s (30 s); nothing urgent waits


class Leftovers:
    def __init__(
        self,
        ledger: Ledger,
        publisher: MessagePublisher,
        systems: list[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._ledger = ledger
        self._publisher = publisher
        self._systems = systems
        self._clock = clock

    def send(self) -> int:
        """Send every result left by a dead creator to the tracker; how many went."""
        try:
            return sum(self._send(system) for system in self._systems)
        except (LedgerError, BrokerError) as err:
            logger.warning("results left by a stopped creator not sent yet: {}", err)
            return 0

    def _send(self, system: str) -> int:
        now = self._clock()
        entries = [e for e in self._ledger.in_states(system, [TaskState.RESULT]) if _left(e, now)]
        if not entries:
            return 0
        messages = [
            OutgoingMessage("", sent_queue(system), (e.result or "").encode(), e.message_id) for e in entries
        ]
        failed = [err for err in self._publisher.publish_many(messages) if err is not None]
        if failed:
            raise failed[0]
        for entry in entries:  # confirmed: the tracker has them now
            self._ledger.release_claim(entry.external_task_id, entry.claim_owner or "")
        logger.info(
            "system {}: {} results left by a stopped creator sent to the tracker", system, len(entries)
        )
        return len(entries)


def _left(entry: LedgerEntry, now: float) -> bool:
    """A stored result under a claim that ran out: its creator died before the final mark."""
    return entry.result is not None and entry.claim_owner is not None and (entry.claim_until or 0.0) < now
