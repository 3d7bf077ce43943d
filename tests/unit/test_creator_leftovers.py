"""Results whose creator died between the engine's answer and the final mark: sent to the tracker."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.contracts import CompleteOutcome, FailureOutcome, ResultMessage, parse_result_message
from core.errors import BrokerUnavailable, PublishNacked
from core.ledger import SqliteLedger, TaskState
from task_creator.leftovers import Leftovers
from tests.support.ledger_contract import route
from tests.unit.fakes import ScriptedPublisher

LEASE_S = 30.0


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqliteLedger]:
    store = SqliteLedger(tmp_path / "ledger.sqlite3")
    yield store
    store.close()


def stored(
    ledger: SqliteLedger, task_id: str, outcome: object, *, system: str = "python", completing: bool = True
) -> None:
    """A result stored as the creator's processor stores it: kept under its claim when completing here."""
    route(ledger, task_id, system=system, message_id=f"m-{task_id}")
    assert ledger.claim(task_id, "creator-A", LEASE_S)
    result = ResultMessage(external_task_id=task_id, outcome=outcome, system=system)  # type: ignore[arg-type]
    ledger.record_result(task_id, TaskState.RESULT, result.to_json().decode(), keep_claim=completing)


def after_lease() -> float:
    return time.time() + LEASE_S + 1


def test_results_under_claims_that_ran_out_go_to_the_tracker_once(ledger: SqliteLedger) -> None:
    # Given two results a dead creator completed but never marked, a result on its way to the
    # tracker anyway (no claim), a task marked in time, and another system's leftover
    stored(ledger, "t-1", CompleteOutcome())
    stored(ledger, "t-2", CompleteOutcome())
    stored(ledger, "t-3", FailureOutcome(message="boom"), completing=False)
    stored(ledger, "t-4", CompleteOutcome())
    ledger.mark_many(["t-4"], TaskState.COMPLETED)
    stored(ledger, "t-5", CompleteOutcome(), system="dadata")
    publisher = ScriptedPublisher()
    leftovers = Leftovers(ledger, publisher, ["python"], clock=after_lease)

    # When a creator of the system looks, twice
    assert leftovers.send() == 2
    assert leftovers.send() == 0

    # Then each went once to python.sent.queue under its task message's id, and its claim is gone
    (batch,) = publisher.batches
    assert [(m.routing_key, m.message_id) for m in batch] == [
        ("python.sent.queue", "m-t-1"),
        ("python.sent.queue", "m-t-2"),
    ]
    assert [parse_result_message(m.body).external_task_id for m in batch] == ["t-1", "t-2"]
    for task_id in ("t-1", "t-2"):
        entry = ledger.get(task_id)
        assert entry is not None and (entry.state, entry.claim_owner) == (TaskState.RESULT, None)


def test_a_live_creators_claim_is_left_alone(ledger: SqliteLedger) -> None:
    stored(ledger, "t-1", CompleteOutcome())
    publisher = ScriptedPublisher()

    assert Leftovers(ledger, publisher, ["python"], clock=time.time).send() == 0
    assert publisher.batches == []


@pytest.mark.parametrize(
    "trouble", [BrokerUnavailable("connection refused"), [PublishNacked("nacked")]], ids=["away", "nacked"]
)
def test_a_broker_that_does_not_take_them_leaves_them_for_the_next_look(
    ledger: SqliteLedger, trouble: BaseException | list[PublishNacked | None]
) -> None:
    stored(ledger, "t-1", CompleteOutcome())
    publisher = ScriptedPublisher(trouble)
    leftovers = Leftovers(ledger, publisher, ["python"], clock=after_lease)

    assert leftovers.send() == 0
    entry = ledger.get("t-1")
    assert entry is not None and entry.claim_owner == "creator-A"
    assert leftovers.send() == 1
    assert len(publisher.batches) == 2
