"""A long action keeps its engine lock alive through alive records, a third of the lock apart."""

from __future__ import annotations

from core.contracts import AliveOutcome, parse_result_message
from core.transport.base import OutgoingMessage
from task_creator.alive import KeepAlive
from tests.unit.fakes import FakeClock, task_message


def test_alive_records_go_out_a_third_of_the_lock_apart() -> None:
    clock = FakeClock()
    sent: list[OutgoingMessage] = []
    keep = KeepAlive(task_message("t-1", lock_duration_ms=30_000), "rec-1", sent.append, clock=clock)
    keep()
    clock.advance(9.9)
    keep()
    assert sent == []  # the lock is young: nothing to extend yet
    clock.advance(0.2)
    keep()
    keep()
    assert len(sent) == 1
    clock.advance(10.0)
    keep()
    assert len(sent) == 2 and keep.sent == 2
    record = parse_result_message(sent[0].body)
    assert sent[0].routing_key == "python.sent.queue"
    assert isinstance(record.outcome, AliveOutcome) and record.outcome.lock_duration_ms == 30_000
    assert record.external_task_id == "t-1" and record.result_id == "rec-1"
    assert record.task is not None and record.task.worker_id == "worker-A"


def test_a_short_lock_is_still_extended_at_most_once_a_second() -> None:
    clock = FakeClock()
    sent: list[OutgoingMessage] = []
    keep = KeepAlive(task_message("t-1", lock_duration_ms=600), "rec-1", sent.append, clock=clock)
    for _ in range(10):
        clock.advance(0.25)
        keep()
    assert len(sent) == 2
