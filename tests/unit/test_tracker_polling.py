"""Polling tracked systems: items checked in batches, finished ones settled with the original task's facts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from core.actions.descriptor import SystemDescriptor
from core.actions.router import TaskRouter
from core.config.models import SystemConfig
from core.contracts import (
    BpmnErrorOutcome,
    CompleteOutcome,
    FailureOutcome,
    ResultMessage,
    TaskRef,
    TrackedOutcome,
    TrackedReference,
)
from core.errors import ConfigError
from core.ledger import SqliteLedger, TaskState
from core.tracking import FinalOutcome, TrackedItem
from systems import registry
from task_tracker.polling import LEASE_INTERVALS, MIN_LEASE_S, SystemPoller, lease_seconds, load_tracker
from task_tracker.settle import Settler
from tests.unit.fakes import FakeCamunda, route

CONFIG = SystemConfig(kind="tracked", batch_size=2)


class FakeTracker:
    """A tracked system: ``finished`` maps external task ids to their outcomes."""

    def __init__(self, finished: Mapping[str, FinalOutcome] | None = None) -> None:
        self.finished = dict(finished or {})
        self.batches: list[list[TrackedItem]] = []
        self.cancelled_items: list[TrackedItem] = []
        self.stray: dict[str, FinalOutcome] = {}

    def check(self, items: Sequence[TrackedItem]) -> Mapping[str, FinalOutcome]:
        self.batches.append(list(items))
        return {**self.stray, **self._asked(items)}  # stray: answers about items nobody asked about

    def _asked(self, items: Sequence[TrackedItem]) -> dict[str, FinalOutcome]:
        return {
            item.external_task_id: self.finished[item.external_task_id]
            for item in items
            if item.external_task_id in self.finished
        }

    def cancelled(self, item: TrackedItem) -> None:
        self.cancelled_items.append(item)


class RecordingSettler:
    def __init__(self) -> None:
        self.settled: list[ResultMessage] = []

    def settle(self, result: ResultMessage) -> str:
        self.settled.append(result)
        return "completed"


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
        self.tracker = FakeTracker()
        self.settler = RecordingSettler()

    def poller(self, settler: object | None = None, *, owner: str = "tracker-A") -> SystemPoller:
        return SystemPoller(
            "bitrix24",
            CONFIG,
            self.tracker,
            self.ledger,
            settler or self.settler,  # type: ignore[arg-type]
            owner=owner,
        )

    def polled(self) -> list[str]:
        """The items asked about since the last call, in order."""
        asked = [item.external_task_id for batch in self.tracker.batches for item in batch]
        self.tracker.batches.clear()
        return asked

    def tracked(self, task_id: str, *, worker: str = "worker-A", stored: TaskRef | None = None) -> None:
        """A task the creator handed to Bitrix24, with the tracked result it stored."""
        route(self.ledger, task_id, system="bitrix24", worker_id=worker)
        self.ledger.record_external(task_id, f"item-{task_id}", f"https://portal/{task_id}")
        result = ResultMessage(
            external_task_id=task_id,
            outcome=TrackedOutcome(reference=TrackedReference(id=f"item-{task_id}")),
            system="bitrix24",
            task=stored or TaskRef(worker_id="worker-A", retries=2, caught_error_codes=["NO_PHONE"]),
        )
        self.ledger.record_result(task_id, TaskState.TRACKED, result.to_json().decode())


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(tmp_path)
    yield rig
    rig.ledger.close()


def test_items_are_checked_in_batches_of_the_systems_batch_size(rig: Rig) -> None:
    # Given five tracked tasks and a batch size of two
    for n in range(5):
        rig.tracked(f"t-{n}")

    # When the system is polled
    rig.poller().poll()

    # Then it is asked about 2 + 2 + 1 items, each with its work item's reference
    assert [len(batch) for batch in rig.tracker.batches] == [2, 2, 1]
    first = rig.tracker.batches[0][0]
    assert first == TrackedItem(
        external_task_id="t-0",
        external_id="item-t-0",
        external_url="https://portal/t-0",
        process_instance_id="instance-1",
        activity_id="create_task",
        topic="bitrix24.task",
    )


def test_only_tracked_items_of_this_system_with_a_work_item_are_checked(rig: Rig) -> None:
    rig.tracked("t-1")
    route(rig.ledger, "t-2", system="bitrix24")  # routed, no work item yet
    route(rig.ledger, "t-3", system="openproject")
    rig.ledger.record_external("t-3", "wp-3", None)
    rig.ledger.mark("t-3", TaskState.TRACKED)
    rig.tracked("t-4")
    rig.ledger.mark("t-4", TaskState.COMPLETED)

    rig.poller().poll()

    assert [item.external_task_id for batch in rig.tracker.batches for item in batch] == ["t-1"]


def test_finished_items_are_settled_and_open_ones_left_alone(rig: Rig) -> None:
    # Given three tracked tasks of which two are finished
    for task_id in ("t-1", "t-2", "t-3"):
        rig.tracked(task_id)
    rig.tracker.finished = {
        "t-1": CompleteOutcome(),
        "t-3": FailureOutcome(message="rejected by the manager"),
    }

    # When the system is polled
    settled = rig.poller().poll()

    # Then exactly the finished ones are settled, with their outcomes
    assert settled == 2
    assert [(r.external_task_id, r.outcome.kind) for r in rig.settler.settled] == [
        ("t-1", "complete"),
        ("t-3", "failure"),
    ]


def test_an_outcome_for_an_item_that_was_not_asked_about_is_ignored(rig: Rig) -> None:
    rig.tracked("t-1")
    rig.tracker.stray = {"t-elsewhere": CompleteOutcome()}

    settled = rig.poller().poll()

    assert settled == 0
    assert rig.settler.settled == []


def test_a_settled_result_carries_the_original_tasks_facts_from_the_stored_result(rig: Rig) -> None:
    # Given a tracked task whose stored result knows the caught codes and retries, now held by worker B
    rig.tracked("t-1", worker="worker-B")
    rig.tracker.finished = {"t-1": BpmnErrorOutcome(code="NO_PHONE")}

    # When it is found finished
    rig.poller().poll()

    # Then its result restores those facts, with the ledger's current worker and ids
    (result,) = rig.settler.settled
    entry = rig.ledger.get("t-1")
    assert entry is not None
    assert result.task == TaskRef(
        worker_id="worker-B",
        retries=2,
        caught_error_codes=["NO_PHONE"],
        process_instance_id="instance-1",
        activity_id="create_task",
    )
    assert (result.message_id, result.result_id, result.system) == (
        entry.message_id,
        entry.record_id,
        "bitrix24",
    )


def test_an_unreadable_stored_result_leaves_the_ledgers_facts_only(rig: Rig) -> None:
    rig.tracked("t-1")
    rig.ledger.record_result("t-1", TaskState.TRACKED, "{broken")
    rig.tracker.finished = {"t-1": CompleteOutcome()}

    rig.poller().poll()

    assert rig.settler.settled[0].task == TaskRef(
        worker_id="worker-A", process_instance_id="instance-1", activity_id="create_task"
    )


def test_a_finished_item_is_completed_in_the_engine_through_the_settler(rig: Rig) -> None:
    # Given the real settler on a fake engine
    client = FakeCamunda()
    rig.tracked("t-1")
    rig.tracker.finished = {"t-1": BpmnErrorOutcome(code="NO_PHONE", message="no phone")}

    # When the poll finds the item finished with a code the activity catches
    rig.poller(Settler(client, rig.ledger)).poll()

    # Then the engine gets the BPMN error, and the task is no longer polled
    assert [call.name for call in client.calls] == ["bpmn_error"]
    assert rig.ledger.get("t-1").state is TaskState.BPMN_ERROR  # type: ignore[union-attr]
    rig.tracker.batches.clear()
    rig.poller(Settler(client, rig.ledger)).poll()
    assert rig.tracker.batches == []


# -- several trackers on one ledger: leases ----------------------------------------------------------


def test_one_tracker_alone_polls_every_item_once_each_round(rig: Rig) -> None:
    for n in range(5):
        rig.tracked(f"t-{n}")
    poller = rig.poller()

    for _ in range(3):
        poller.poll()
        assert sorted(rig.polled()) == [f"t-{n}" for n in range(5)]


def test_two_trackers_never_poll_the_same_item_and_new_items_go_to_whoever_polls_next(rig: Rig) -> None:
    # Given three tracked items, and trackers A and B on one ledger
    for n in range(3):
        rig.tracked(f"t-{n}")
    first, second = rig.poller(owner="tracker-A"), rig.poller(owner="tracker-B")

    # When A polls, then B
    first.poll()
    assert rig.polled() == ["t-0", "t-1", "t-2"]
    second.poll()
    # Then B leaves A's items alone while A's leases live
    assert rig.polled() == []

    # When two more items become tracked, B polls first, then A
    rig.tracked("t-3")
    rig.tracked("t-4")
    second.poll()
    first.poll()

    # Then each polls its own, none twice
    by_owner = {
        e.external_task_id: e.lease_owner for e in rig.ledger.in_states("bitrix24", [TaskState.TRACKED])
    }
    assert by_owner == {
        "t-0": "tracker-A",
        "t-1": "tracker-A",
        "t-2": "tracker-A",
        "t-3": "tracker-B",
        "t-4": "tracker-B",
    }
    assert sorted(rig.polled()) == [f"t-{n}" for n in range(5)]


def test_a_stopping_tracker_releases_its_items_to_the_other_at_once(rig: Rig) -> None:
    for n in range(3):
        rig.tracked(f"t-{n}")
    first, second = rig.poller(owner="tracker-A"), rig.poller(owner="tracker-B")
    first.poll()
    rig.polled()

    first.release()
    second.poll()

    assert rig.polled() == ["t-0", "t-1", "t-2"]


def test_a_dead_trackers_items_come_back_once_its_leases_run_out(rig: Rig) -> None:
    # Given tracker A polled with leases that have run out (it died a lease ago)
    rig.tracked("t-1")
    dead = rig.poller(owner="tracker-A")
    dead.lease_s = -1.0
    dead.poll()
    rig.polled()

    # When B polls
    rig.poller(owner="tracker-B").poll()

    # Then B polls A's item
    assert rig.polled() == ["t-1"]


def test_the_lease_outlives_a_few_poll_intervals_and_never_less_than_the_minimum() -> None:
    assert lease_seconds(SystemConfig(kind="tracked", poll_interval_s=30)) == LEASE_INTERVALS * 30
    assert lease_seconds(SystemConfig(kind="tracked", poll_interval_s=0.5)) == MIN_LEASE_S


# -- loading trackers ---------------------------------------------------------------------------------


def test_a_tracked_system_missing_from_the_registry_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"system 'onec' is not registered") as caught:
        load_tracker("onec", SystemConfig(kind="tracked"))
    assert caught.value.key == "systems.onec"


def test_a_tracked_system_whose_descriptor_has_no_tracker_is_a_config_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"system 'python' is tracked .* but has no tracker") as caught:
        load_tracker("python", SystemConfig(kind="tracked"))
    assert caught.value.key == "systems.python.kind"


def test_the_retired_tracker_option_is_a_config_error_naming_the_key() -> None:
    config = SystemConfig(kind="tracked", options={"tracker": "systems.bitrix24.tracker"})

    with pytest.raises(ConfigError, match=r"systems\.bitrix24\.options\.tracker is no longer read") as caught:
        load_tracker("bitrix24", config)
    assert caught.value.key == "systems.bitrix24.options.tracker"


def test_a_tracker_is_created_by_its_descriptors_factory_with_the_system_options(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracker = FakeTracker()
    seen: list[Mapping[str, object]] = []

    def create_tracker(options: Mapping[str, object]) -> FakeTracker:
        seen.append(options)
        return tracker

    descriptor = SystemDescriptor("openproject", "tracked", TaskRouter, create_tracker)
    monkeypatch.setattr(registry, "SYSTEMS", {"openproject": descriptor})

    assert load_tracker("openproject", SystemConfig(kind="tracked", options={"project": 7})) is tracker
    assert seen == [{"project": 7}]
