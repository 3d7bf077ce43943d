"""Result records and response messages in; settled tasks out. Runs on pool threads.

A message is acked only once the engine has taken its outcome (or refused it for good).
While the engine is unreachable the message stays unacked and is retried with backoff.
"""

from __future__ import annotations

import threading
import time

from loguru import logger

from core.contracts import ResultMessage, parse_result_message
from core.errors import CamundaRequestError, CamundaUnavailable, ContractError
from core.poison import send_to_errors
from core.retry import Backoff
from core.transport.base import Delivery, MessagePublisher
from task_tracker.settle import Settler

COMPONENT = "task_tracker"
MAX_REFUSALS = 5


class ResultIntake:
    def __init__(self, settler: Settler, publisher: MessagePublisher, stop: threading.Event) -> None:
        self._settler = settler
        self._publisher = publisher
        self._stop = stop

    def process(self, delivery: Delivery) -> None:
        try:
            self._process(delivery)
        except Exception as err:  # broker or ledger trouble: leave it for a later try
            logger.error("result message {} requeued: {}", delivery.message_id, err)
            time.sleep(1.0)
            delivery.nack(requeue=True)

    def _process(self, delivery: Delivery) -> None:
        started = time.perf_counter()
        try:
            result = parse_result_message(delivery.body)
        except ContractError as err:
            self._poison(delivery, str(err))
            return
        what = self._settle(result, delivery)
        if what is None:
            return
        delivery.ack()
        logger.info(
            "settled task={} system={} outcome={} -> {} {:.0f}ms",
            result.external_task_id,
            result.system or "-",
            result.outcome.kind,
            what,
            (time.perf_counter() - started) * 1000,
        )

    def _settle(self, result: ResultMessage, delivery: Delivery) -> str | None:
        """Settle with backoff while the engine is away; None when the delivery was handled otherwise.

        An engine that is up but keeps refusing (e.g. HTTP 500 on complete) gets a bounded
        number of tries; then the message goes to the error queue, from where it can be replayed.
        """
        backoff = Backoff(0.5, 30.0)
        refusals = 0
        while True:
            try:
                return self._settler.settle(result)
            except ContractError as err:
                self._poison(delivery, str(err))
                return None
            except CamundaUnavailable as err:
                reason = f"engine unavailable: {err}"
            except CamundaRequestError as err:
                refusals += 1
                if refusals >= MAX_REFUSALS:
                    self._poison(delivery, f"the engine refused {refusals} times: {err}")
                    return None
                reason = f"engine refused ({refusals}/{MAX_REFUSALS}): {err}"
            if self._stop.is_set():
                delivery.nack(requeue=True)
                return None
            delay = backoff.next_delay()
            logger.warning("task={} waits {:.1f}s, {}", result.external_task_id, delay, reason)
            self._stop.wait(delay)

    def _poison(self, delivery: Delivery, reason: str) -> None:
        send_to_errors(self._publisher, delivery, reason, COMPONENT)
