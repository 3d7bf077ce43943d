"""Parking a delivery on a delay queue without spending an attempt: nobody failed, it just waits.

Two reasons today: another delivery of the same task holds its claim (it comes back and reuses
the stored result), or the system's circuit is open (it comes back when a probe may go out).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from core.transport.base import Delivery, OutgoingMessage
from core.transport.topology import Topology

PAUSE_WITHOUT_DELAY_QUEUE_S = 1.0


class Parking:
    def __init__(self, topology: Topology, queue: str, publish: Callable[[OutgoingMessage], None]) -> None:
        self._topology = topology
        self._queue = queue
        self._publish = publish

    def park(self, delivery: Delivery, message_id: str, wanted_ms: int) -> int:
        """Send the delivery to wait at least ``wanted_ms`` (within the longest delay); returns the delay."""
        delays = self._topology.retry_delays(self._queue)
        if not delays:  # no delay queue declared (no retries configured): back to the queue after a pause
            time.sleep(PAUSE_WITHOUT_DELAY_QUEUE_S)
            delivery.nack(requeue=True)
            return int(PAUSE_WITHOUT_DELAY_QUEUE_S * 1000)
        delay = next((d for d in delays if d >= wanted_ms), delays[-1])
        queue = self._topology.retry_queue(self._queue, delay)
        self._publish(OutgoingMessage("", queue, delivery.body, message_id))
        delivery.ack()
        return delay
