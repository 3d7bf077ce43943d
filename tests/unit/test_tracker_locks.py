"""Lock keeping: tracked tasks' locks are extended at half life until the work item is done."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from core.errors import CamundaConflict, CamundaNotFound, CamundaRequestError, CamundaUnavailable
from core.ledger import LedgerEntry, SqliteLedger, TaskState
from task_tracker.gone import GoneTasks, Settling
from task_tracker.locks import DEFAULT_LOCK_MS, LockKeeper
from tests.unit.fakes import FakeCamunda, FakeClock, route


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.client = FakeCamunda()
        self.ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
        self.clock = FakeClock()
        self.gone: list[LedgerEntry] = []  # cancellations the tracked system was told of
        self.settling = Settling()
        resolver = GoneTasks(self.client, self.ledger, self.settling, on_cancelled=self.gone.append)
        self.keeper = LockKeeper(
            self.client,
            self.ledger,
            tracked_systems={"bitrix24"},
            on_gone=resolver.task_gone,
            clock=self.clock,
        )

    def tracked(
        self,
        task_id: str,
        *,
        system: str = "bitrix24",
        lock_ms: int | None = 600_000,
        worker: str = "worker-A",
    ) -> LedgerEntry:
        route(self.ledger, task_id, system=system, lock_duration_ms=lock_ms, worker_id=worker)
        self.ledger.record_external(task_id, f"item-{task_id}", None)
        self.ledger.mark(task_id, TaskState.TRACKED)
        entry = self.ledger.get(task_id)
        assert entry is not None
        return entry

    def extensions(self) -> list[tuple[str, str, int]]:
        return [call.args for call in self.client.calls_to("extend_lock")]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    rig.ledger.close()


def test_a_lock_is_extended_at_half_its_life_and_again_half_a_life_later(rig: Rig) -> None:
    # Given a tracked task with a 10 minute lock, added now
    rig.keeper.add(rig.tracked("t-1"))

    # When time passes to just before half its life
    rig.clock.advance(299)
    rig.keeper.extend_due()
    # Then nothing is extended yet
    assert rig.extensions() == []

    # When half its life has passed
    extended = REGISTRY.get_sample_value("exchanger_lock_extensions_total", {"system": "bitrix24"}) or 0.0
    rig.clock.advance(1)
    rig.keeper.extend_due()
    # Then it is extended by the full duration, for the worker that holds it, and counted
    assert rig.extensions() == [("t-1", "worker-A", 600_000)]
    assert (
        REGISTRY.get_sample_value("exchanger_lock_extensions_total", {"system": "bitrix24"}) == extended + 1
    )

    # And the next extension is due another half life later
    rig.clock.advance(299)
    rig.keeper.extend_due()
    assert len(rig.extensions()) == 1
    rig.clock.advance(1)
    rig.keeper.extend_due()
    assert len(rig.extensions()) == 2
    assert rig.keeper.extended == 2


def test_a_task_without_a_known_lock_duration_uses_the_default(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1", lock_ms=None))

    rig.clock.advance(DEFAULT_LOCK_MS / 2000)
    rig.keeper.extend_due()

    assert rig.extensions() == [("t-1", "worker-A", DEFAULT_LOCK_MS)]


def test_a_rebuild_loads_tracked_tasks_of_tracked_systems_and_extends_them_at_once(rig: Rig) -> None:
    # Given the ledger after a restart: tracked tasks of a tracked and another system, and a routed one
    rig.tracked("t-1", worker="worker-B")
    rig.tracked("t-2", system="python")
    route(rig.ledger, "t-3", system="bitrix24")

    # When the picture is rebuilt
    count = rig.keeper.rebuild()

    # Then only the tracked task of the tracked system is kept, and its lock is extended now
    assert count == 1
    assert len(rig.keeper) == 1
    rig.keeper.extend_due()
    assert rig.extensions() == [("t-1", "worker-B", 600_000)]


def test_a_task_gone_from_the_engine_is_cancelled_and_reported_once(rig: Rig) -> None:
    # Given a tracked task whose instance was cancelled in the engine
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.client.on("extend_lock", CamundaNotFound(404, "RestException", "gone"))
    rig.client.task_log["t-1"] = [{"creationLog": True}, {"deletionLog": True}]

    # When its lock is due
    rig.keeper.extend_due()

    # Then the ledger says cancelled, the tracked system is told, and the lock is forgotten
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.CANCELLED
    assert [e.external_id for e in rig.gone] == ["item-t-1"]
    assert len(rig.keeper) == 0
    rig.clock.advance(3_600)
    rig.keeper.extend_due()
    assert len(rig.extensions()) == 1


def test_a_gone_task_that_was_settled_meanwhile_is_just_forgotten(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.ledger.mark("t-1", TaskState.COMPLETED)
    rig.client.on("extend_lock", CamundaNotFound(404, "RestException", "gone"))

    rig.keeper.extend_due()

    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.COMPLETED
    assert rig.gone == []
    assert len(rig.keeper) == 0


def test_a_lock_held_by_another_worker_is_forgotten(rig: Rig) -> None:
    entry = rig.tracked("t-1")
    rig.keeper.add(entry, due_now=True)
    rig.client.on("extend_lock", CamundaConflict(400, "BadUserRequestException", "locked by worker-Z"))
    losses = REGISTRY.get_sample_value("exchanger_lock_losses_total", {"system": entry.system}) or 0.0

    rig.keeper.extend_due()

    assert REGISTRY.get_sample_value("exchanger_lock_losses_total", {"system": entry.system}) == losses + 1
    assert len(rig.keeper) == 0
    assert rig.gone == []
    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.TRACKED


def test_an_unavailable_engine_propagates_and_the_lock_stays_due(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.client.on("extend_lock", CamundaUnavailable("connection refused"))

    with pytest.raises(CamundaUnavailable):
        rig.keeper.extend_due()

    rig.keeper.extend_due()
    assert len(rig.extensions()) == 2
    assert rig.keeper.extended == 1


def test_another_engine_error_is_logged_and_tried_again_on_the_next_pass(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.keeper.add(rig.tracked("t-2"), due_now=True)
    rig.client.fail_for[("extend_lock", "t-1")] = CamundaRequestError(500, "ProcessEngineException", "db")

    rig.keeper.extend_due()
    rig.keeper.extend_due()

    assert [task for task, _, _ in rig.extensions()] == ["t-1", "t-2", "t-1"]
    assert len(rig.keeper) == 2


def test_a_forgotten_lock_is_not_extended(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1"), due_now=True)

    rig.keeper.forget("t-1")
    rig.keeper.extend_due()

    assert rig.extensions() == []


# -- a 404 is not by itself a cancellation -----------------------------------------------------------


def test_a_task_another_copy_completed_stays_completed_and_nobody_is_told(rig: Rig) -> None:
    # Given a tracked task the engine completed through another copy (its history says success)
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.client.on("extend_lock", CamundaNotFound(404, "RestException", "gone"))
    rig.client.task_log["t-1"] = [{"creationLog": True}, {"successLog": True}]

    rig.keeper.extend_due()

    entry = rig.ledger.get("t-1")
    assert entry is not None and entry.state is TaskState.COMPLETED
    assert rig.gone == []
    assert len(rig.keeper) == 0


def test_a_404_while_this_process_completes_the_task_is_not_a_cancellation(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.client.on("extend_lock", CamundaNotFound(404, "RestException", "gone"))
    rig.client.task_log["t-1"] = [{"deletionLog": True}]  # would say cancelled if it were asked

    with rig.settling.hold("t-1"):
        rig.keeper.extend_due()

    assert rig.ledger.get("t-1").state is TaskState.TRACKED  # type: ignore[union-attr]
    assert rig.gone == []
    assert rig.client.calls_to("external_task_log") == []


def test_a_completed_task_never_becomes_cancelled(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.ledger.mark("t-1", TaskState.COMPLETED)
    rig.client.on("extend_lock", CamundaNotFound(404, "RestException", "gone"))
    rig.client.task_log["t-1"] = [{"deletionLog": True}]

    rig.keeper.extend_due()

    assert rig.ledger.get("t-1").state is TaskState.COMPLETED  # type: ignore[union-attr]
    assert not rig.ledger.mark("t-1", TaskState.CANCELLED)
    assert rig.ledger.get("t-1").state is TaskState.COMPLETED  # type: ignore[union-attr]
    assert rig.gone == []


def test_without_a_task_log_the_activity_history_decides(rig: Rig) -> None:
    for task_id, canceled in (("t-1", True), ("t-2", False)):
        rig.keeper.add(rig.tracked(task_id), due_now=True)
        rig.client.activity_history[("instance-1", "create_task")] = [
            {"endTime": "2026-12-06", "canceled": canceled}
        ]
        rig.client.on("extend_lock", CamundaNotFound(404, "RestException", "gone"))
        rig.keeper.extend_due()

    assert rig.ledger.get("t-1").state is TaskState.CANCELLED  # type: ignore[union-attr]
    assert rig.ledger.get("t-2").state is TaskState.COMPLETED  # type: ignore[union-attr]
    assert [e.external_task_id for e in rig.gone] == ["t-1"]


def test_a_gone_task_with_no_history_is_left_alone_and_not_reported(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.client.on("extend_lock", CamundaNotFound(404, "RestException", "gone"))

    rig.keeper.extend_due()

    assert rig.ledger.get("t-1").state is TaskState.TRACKED  # type: ignore[union-attr]
    assert rig.gone == []
    assert len(rig.keeper) == 0


def test_an_engine_outage_while_asking_its_history_keeps_the_lock_for_later(rig: Rig) -> None:
    rig.keeper.add(rig.tracked("t-1"), due_now=True)
    rig.client.on(
        "extend_lock", CamundaNotFound(404, "RestException", "gone"), CamundaNotFound(404, "x", "gone")
    )
    rig.client.on("external_task_log", CamundaUnavailable("engine down"))

    with pytest.raises(CamundaUnavailable):
        rig.keeper.extend_due()
    assert len(rig.keeper) == 1

    rig.client.task_log["t-1"] = [{"deletionLog": True}]
    rig.keeper.extend_due()
    assert rig.ledger.get("t-1").state is TaskState.CANCELLED  # type: ignore[union-attr]
    assert len(rig.gone) == 1


# -- several sets of services on one ledger: each tracker keeps its own worker's locks -----------------


def own_keeper(rig: Rig, worker_id: str = "worker-A") -> LockKeeper:
    """A keeper for the set whose worker is ``worker_id``, sharing the rig's engine and ledger."""
    return LockKeeper(
        rig.client,
        rig.ledger,
        tracked_systems={"bitrix24"},
        on_gone=lambda task_id, reason: None,
        worker_id=worker_id,
        clock=rig.clock,
    )


def test_a_keeper_takes_up_only_the_tasks_its_own_worker_fetched(rig: Rig) -> None:
    # Given tracked tasks fetched by worker A and by worker B
    mine, theirs = rig.tracked("t-a", worker="worker-A"), rig.tracked("t-b", worker="worker-B")
    keeper = own_keeper(rig)

    # When set A's keeper rebuilds, and is handed both (the result queue is shared)
    assert keeper.rebuild() == 1
    keeper.add(theirs, due_now=True)
    keeper.add(mine, due_now=True)
    keeper.extend_due()

    # Then only worker A's lock is extended, in worker A's name
    assert rig.extensions() == [("t-a", "worker-A", 600_000)]


def test_a_task_of_its_worker_that_another_tracker_settled_is_taken_up_on_the_next_pass(rig: Rig) -> None:
    # Given set A's keeper running, and then a task of worker A tracked through set B's tracker
    keeper = own_keeper(rig)
    keeper.keep_alive()
    rig.tracked("t-1", worker="worker-A")

    # When A's keeper makes its next pass
    keeper.keep_alive()

    # Then it finds the task in the ledger and extends its lock at once
    assert rig.extensions() == [("t-1", "worker-A", 600_000)]


def test_a_task_the_other_sets_worker_fetched_again_is_let_go(rig: Rig) -> None:
    # Given set A keeping the lock of a task its worker fetched
    keeper = own_keeper(rig)
    rig.tracked("t-1", worker="worker-A")
    keeper.keep_alive()
    assert len(keeper) == 1

    # When the lock ran out and worker B fetched the task again (the ledger records worker B)
    route(rig.ledger, "t-1", system="bitrix24", worker_id="worker-B", lock_duration_ms=600_000)
    rig.clock.advance(300)
    keeper.keep_alive()

    # Then set A no longer extends it, and set B's keeper does, in worker B's name
    assert len(keeper) == 0 and rig.extensions() == [("t-1", "worker-A", 600_000)]
    other = own_keeper(rig, "worker-B")
    other.keep_alive()
    assert rig.extensions()[-1] == ("t-1", "worker-B", 600_000)


def test_a_lost_lock_is_not_taken_up_again_until_its_task_comes_back(rig: Rig) -> None:
    # Given a lock the engine says another worker holds
    keeper = own_keeper(rig)
    entry = rig.tracked("t-1", worker="worker-A")
    keeper.keep_alive()
    rig.client.on("extend_lock", CamundaConflict(400, "BadUserRequestException", "locked by worker-Z"))
    rig.clock.advance(300)
    keeper.keep_alive()
    calls = len(rig.extensions())
    assert calls == 2 and len(keeper) == 0

    # When later passes find it still tracked in the ledger
    rig.clock.advance(600)
    keeper.keep_alive()
    keeper.keep_alive()

    # Then nobody asks the engine again, until the task is handed back (a re-emitted tracked result)
    assert len(rig.extensions()) == calls and len(keeper) == 0
    keeper.add(entry, due_now=True)
    assert len(keeper) == 1
