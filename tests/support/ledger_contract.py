"""The ledger's contract: every test here runs against SQLite and PostgreSQL alike.

A test module subclasses :class:`LedgerContract` and provides two fixtures: ``ledger`` (a fresh,
empty ledger) and ``open_handle`` (opens one more handle on that same ledger, as another
process or host would; the module closes them). SQLite's variant runs with the unit tests
(``tests/unit/test_ledger.py``), PostgreSQL's with the integration tests
(``tests/integration/test_ledger_postgres.py``), because unit tests need no service.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from core.ledger import FINAL_STATES, Ledger, LedgerEntry, RoutedTask, TaskState

OpenHandle = Callable[[], Ledger]


def route(
    ledger: Ledger,
    task_id: str,
    *,
    message_id: str = "m-1",
    system: str = "bitrix24",
    instance: str = "pi-1",
    worker: str = "w-1",
    lock_ms: int | None = 60_000,
    origin: str = "engine",
) -> LedgerEntry:
    return ledger.record_routed(
        RoutedTask(
            external_task_id=task_id,
            message_id=message_id,
            system=system,
            topic=f"{system}.task",
            process_instance_id=instance,
            process_definition_key="orders",
            activity_id="Activity_1",
            worker_id=worker,
            lock_duration_ms=lock_ms,
            origin=origin,
        )
    )


def routed(task_id: str, message_id: str) -> RoutedTask:
    return RoutedTask(
        external_task_id=task_id,
        message_id=message_id,
        system="bitrix24",
        topic="bitrix24.task",
        process_instance_id="pi-1",
        process_definition_key="orders",
        activity_id="Activity_1",
        worker_id="w-1",
        lock_duration_ms=60_000,
    )


def tracked(ledger: Ledger, task_id: str, *, system: str = "bitrix24") -> None:
    """A task whose work item a person works on now."""
    route(ledger, task_id, system=system)
    ledger.record_external(task_id, f"item-{task_id}", None)
    ledger.mark(task_id, TaskState.TRACKED)


def run_in_threads(count: int, work: Callable[[int], None]) -> None:
    """Start ``count`` threads together; re-raise the first error any of them hit."""
    start = threading.Barrier(count)
    errors: list[BaseException] = []

    def body(index: int) -> None:
        try:
            start.wait(timeout=10)
            work(index)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer thread hung"
    if errors:
        raise errors[0]


class LedgerContract:
    """What every ledger keeps, whichever database holds it."""

    @staticmethod
    def leave_thread(ledger: Ledger) -> None:
        """What a thread does with a ledger before it ends (SQLite closes the thread's connection)."""

    # -- routing is idempotent ---------------------------------------------------------------------

    def test_a_routed_task_gets_a_record_with_a_durable_record_id(self, ledger: Ledger) -> None:
        before = time.time()
        entry = route(ledger, "t-1")

        assert entry.external_task_id == "t-1"
        assert entry.state is TaskState.ROUTED
        assert entry.message_id == "m-1"
        assert uuid.UUID(entry.record_id)
        assert entry.system == "bitrix24"
        assert entry.topic == "bitrix24.task"
        assert entry.process_instance_id == "pi-1"
        assert entry.process_definition_key == "orders"
        assert entry.activity_id == "Activity_1"
        assert entry.worker_id == "w-1"
        assert entry.lock_duration_ms == 60_000
        assert entry.attempts == 0
        assert entry.external_id is None and entry.result is None and entry.last_error is None
        assert entry.claim_owner is None and entry.lease_owner is None and entry.origin is None
        assert entry.created_at.tzinfo is not None
        assert entry.created_at.utcoffset() == timedelta(0)
        assert entry.routed_at is not None and abs(entry.routed_at - before) < 5
        assert ledger.get("t-1") == entry

    def test_a_direct_task_keeps_its_origin(self, ledger: Ledger) -> None:
        entry = route(ledger, "d-1", origin="direct", lock_ms=None)

        assert entry.origin == "direct" and entry.is_direct
        assert entry.lock_duration_ms is None

    def test_routing_the_same_task_again_keeps_its_first_message_and_record_id(self, ledger: Ledger) -> None:
        # Given a task routed once
        first = route(ledger, "t-1", message_id="m-1", worker="w-1", lock_ms=60_000)

        # When it is fetched and routed again (redelivery, another worker)
        again = route(ledger, "t-1", message_id="m-2", worker="w-2", lock_ms=90_000)

        # Then the record keeps its identity and notes the new lock holder
        assert again.message_id == "m-1"
        assert again.record_id == first.record_id
        assert again.created_at == first.created_at
        assert again.worker_id == "w-2"
        assert again.lock_duration_ms == 90_000
        assert ledger.counts() == {"routed": 1}

    def test_routing_again_does_not_undo_progress(self, ledger: Ledger) -> None:
        route(ledger, "t-1")
        ledger.record_external("t-1", "B24-7", "https://b24/task/7")

        entry = route(ledger, "t-1", message_id="m-2")

        assert entry.state is TaskState.CREATED
        assert entry.external_id == "B24-7"

    def test_a_failed_task_handed_out_again_starts_a_new_round(self, ledger: Ledger) -> None:
        # Given a task whose round failed after two attempts (retries left, or an incident retried)
        first = route(ledger, "t-1", message_id="m-1")
        ledger.record_attempt("t-1", "HTTP 503")
        ledger.record_attempt("t-1", "HTTP 503")
        ledger.record_external("t-1", "4711", "https://portal/task/4711")
        ledger.record_result("t-1", TaskState.FAILED, '{"outcome": {"kind": "failure"}}')

        # When the engine hands it out again and it is routed
        again = route(ledger, "t-1", message_id="m-2")

        # Then it is fresh work (no stale work item) with the same durable record id
        assert (again.external_id, again.external_url) == (None, None)
        assert again.state is TaskState.ROUTED
        assert again.message_id == "m-2"
        assert again.attempts == 0
        assert again.result is None
        assert again.record_id == first.record_id

    def test_a_batch_is_recorded_in_order_with_each_task_under_the_single_task_rules(
        self, ledger: Ledger
    ) -> None:
        # Given one task routed before, and one whose round failed
        known = route(ledger, "t-known", message_id="m-old")
        route(ledger, "t-failed", message_id="m-first")
        ledger.record_result("t-failed", TaskState.FAILED, '{"outcome": {"kind": "failure"}}')

        # When a fetched batch holding both and two new tasks is recorded at once
        batch = [
            routed("t-new-1", "m-a"),
            routed("t-known", "m-b"),
            routed("t-failed", "m-c"),
            routed("t-new-2", "m-d"),
        ]
        entries = ledger.record_routed_many(batch)

        # Then each comes back in the batch's order, as record_routed would have left it
        assert [e.external_task_id for e in entries] == ["t-new-1", "t-known", "t-failed", "t-new-2"]
        assert [e.message_id for e in entries] == ["m-a", "m-old", "m-c", "m-d"]
        assert entries[1].record_id == known.record_id
        assert entries[2].state is TaskState.ROUTED and entries[2].result is None
        assert all(ledger.get(e.external_task_id) == e for e in entries)
        assert ledger.counts() == {"routed": 4}
        assert ledger.record_routed_many([]) == []

    def test_handles_recording_overlapping_batches_at_once_keep_one_identity_per_task(
        self, ledger: Ledger, open_handle: OpenHandle
    ) -> None:
        # Two workers that fetched overlapping batches (a lock ran out in between) record them at once
        handles = [ledger, open_handle()]
        ids = [f"t-{n}" for n in range(40)]
        seen: list[list[LedgerEntry]] = [[], []]

        def record(index: int) -> None:
            batch = [routed(task_id, f"m-{index}-{task_id}") for task_id in ids]
            seen[index] = handles[index].record_routed_many(batch)
            self.leave_thread(handles[index])

        run_in_threads(2, record)

        # Then every task has one record, and both workers were told the same message id for it
        assert ledger.counts() == {"routed": len(ids)}
        assert [e.message_id for e in seen[0]] == [e.message_id for e in seen[1]]
        assert [e.record_id for e in seen[0]] == [e.record_id for e in seen[1]]

    def test_the_queue_stamp_is_set_and_cleared(self, ledger: Ledger) -> None:
        route(ledger, "t-1")

        ledger.mark_queued("t-1", False)
        cleared = ledger.get("t-1")
        ledger.mark_queued("t-1", True)
        stamped = ledger.get("t-1")

        assert cleared is not None and cleared.routed_at is None
        assert stamped is not None and stamped.routed_at is not None
        assert abs(stamped.routed_at - time.time()) < 5

    # -- attempts and transitions ------------------------------------------------------------------

    def test_each_failed_attempt_is_counted_with_its_last_error(self, ledger: Ledger) -> None:
        route(ledger, "t-1")

        counts = [ledger.record_attempt("t-1", f"HTTP 503 #{n}") for n in range(1, 4)]

        assert counts == [1, 2, 3]
        entry = ledger.get("t-1")
        assert entry is not None
        assert entry.attempts == 3
        assert entry.last_error == "HTTP 503 #3"

    def test_a_huge_error_is_stored_truncated(self, ledger: Ledger) -> None:
        route(ledger, "t-1")

        ledger.record_attempt("t-1", "x" * 10_000)

        entry = ledger.get("t-1")
        assert entry is not None and entry.last_error is not None
        assert 0 < len(entry.last_error) <= 2000

    def test_an_attempt_on_an_unknown_task_counts_nothing(self, ledger: Ledger) -> None:
        assert ledger.record_attempt("nobody", "err") == 0
        assert ledger.get("nobody") is None
        assert not ledger.mark("nobody", TaskState.COMPLETED)

    def test_a_created_work_item_is_recorded_with_its_reference(self, ledger: Ledger) -> None:
        route(ledger, "t-1")

        ledger.record_external("t-1", "B24-7", "https://acme.bitrix24.ru/company/tasks/7/")

        entry = ledger.get("t-1")
        assert entry is not None
        assert entry.state is TaskState.CREATED
        assert entry.external_id == "B24-7"
        assert entry.external_url == "https://acme.bitrix24.ru/company/tasks/7/"
        assert entry.updated_at >= entry.created_at

    def test_a_result_is_stored_with_its_state_so_it_can_be_re_emitted(self, ledger: Ledger) -> None:
        route(ledger, "t-1")

        ledger.record_result("t-1", TaskState.RESULT, '{"outcome": {"kind": "complete"}}')

        entry = ledger.get("t-1")
        assert entry is not None
        assert entry.state is TaskState.RESULT
        assert entry.result == '{"outcome": {"kind": "complete"}}'
        assert not ledger.is_final("t-1")

    def test_a_tracked_task_moves_through_its_states_to_completed(self, ledger: Ledger) -> None:
        route(ledger, "t-1")
        states = []

        ledger.record_external("t-1", "OP-1", None)
        states.append(ledger.get("t-1"))
        ledger.mark("t-1", TaskState.TRACKED)
        states.append(ledger.get("t-1"))
        ledger.record_result("t-1", TaskState.RESULT, "{}")
        states.append(ledger.get("t-1"))
        ledger.mark("t-1", TaskState.COMPLETED)
        states.append(ledger.get("t-1"))

        assert [entry.state for entry in states if entry] == [
            TaskState.CREATED,
            TaskState.TRACKED,
            TaskState.RESULT,
            TaskState.COMPLETED,
        ]
        final = states[-1]
        assert final is not None
        assert final.external_id == "OP-1", "later transitions keep the reference"
        assert final.result == "{}", "and the stored result"
        assert ledger.is_final("t-1")

    def test_marking_with_an_error_records_it_and_marking_without_keeps_it(self, ledger: Ledger) -> None:
        route(ledger, "t-1")

        ledger.mark("t-1", TaskState.FAILED, error="Bitrix24: access denied")
        ledger.mark("t-1", TaskState.FAILED)

        entry = ledger.get("t-1")
        assert entry is not None
        assert entry.state is TaskState.FAILED
        assert entry.last_error == "Bitrix24: access denied"

    def test_marking_many_moves_each_in_one_go_and_leaves_final_and_unknown_tasks_alone(
        self, ledger: Ledger
    ) -> None:
        # Given two tasks with results, one already cancelled, and an id the ledger never saw
        for task_id in ("t-1", "t-2", "t-3"):
            route(ledger, task_id)
            ledger.record_result(task_id, TaskState.RESULT, "{}")
        ledger.mark("t-3", TaskState.CANCELLED)

        # When all four are marked completed together
        moved = ledger.mark_many(["t-1", "t-2", "t-3", "t-unknown"], TaskState.COMPLETED)

        # Then the two open ones moved, the cancelled one stayed, and the results were kept
        assert moved == 2
        states = {task_id: ledger.get(task_id) for task_id in ("t-1", "t-2", "t-3")}
        assert {k: v.state if v else None for k, v in states.items()} == {
            "t-1": TaskState.COMPLETED,
            "t-2": TaskState.COMPLETED,
            "t-3": TaskState.CANCELLED,
        }
        assert all(entry is not None and entry.result == "{}" for entry in states.values())
        assert ledger.get("t-unknown") is None
        assert ledger.mark_many([], TaskState.COMPLETED) == 0

    def test_a_result_kept_under_its_claim_ends_the_claim_when_marked_with_others(
        self, ledger: Ledger
    ) -> None:
        route(ledger, "t-1")
        assert ledger.claim("t-1", "creator-A", 30)

        ledger.record_result("t-1", TaskState.RESULT, "{}", keep_claim=True)
        kept = ledger.get("t-1")
        assert kept is not None and (kept.state, kept.claim_owner) == (TaskState.RESULT, "creator-A")

        assert ledger.mark_many(["t-1"], TaskState.COMPLETED) == 1
        marked = ledger.get("t-1")
        assert marked is not None and (marked.state, marked.claim_owner, marked.claim_until) == (
            TaskState.COMPLETED,
            None,
            None,
        )

    @pytest.mark.parametrize("state", list(TaskState))
    def test_only_completed_failed_bpmn_error_and_cancelled_are_final(
        self, ledger: Ledger, state: TaskState
    ) -> None:
        route(ledger, "t-1")

        ledger.mark("t-1", state)

        assert ledger.is_final("t-1") is (state in {"completed", "failed", "bpmn_error", "cancelled"})
        assert (state in FINAL_STATES) is ledger.is_final("t-1")

    def test_an_unknown_task_is_not_final(self, ledger: Ledger) -> None:
        assert not ledger.is_final("nobody")

    def test_a_final_state_is_never_left(self, ledger: Ledger) -> None:
        for state in sorted(FINAL_STATES):
            task_id = f"t-{state}"
            route(ledger, task_id)
            assert ledger.mark(task_id, state)
            assert not ledger.mark(
                task_id, TaskState.CANCELLED if state != TaskState.CANCELLED else TaskState.TRACKED
            )
            assert not ledger.record_external(task_id, "item", None)
            assert not ledger.record_result(task_id, TaskState.TRACKED, "{}")
            entry = ledger.get(task_id)
            assert entry is not None and entry.state is state

    # -- reads -------------------------------------------------------------------------------------

    def test_in_states_filters_by_state_and_system_in_creation_order(self, ledger: Ledger) -> None:
        # Given tasks of two systems in various states
        route(ledger, "b-1", system="bitrix24")
        route(ledger, "o-1", system="openproject")
        route(ledger, "b-2", system="bitrix24")
        route(ledger, "b-3", system="bitrix24")
        ledger.mark("b-1", TaskState.TRACKED)
        ledger.mark("o-1", TaskState.TRACKED)
        ledger.mark("b-2", TaskState.CREATED)
        ledger.mark("b-3", TaskState.COMPLETED)

        # When asked for in-flight work
        in_flight = [TaskState.CREATED, TaskState.TRACKED]

        # Then the system filter and the state filter both hold
        assert [e.external_task_id for e in ledger.in_states("bitrix24", in_flight)] == ["b-1", "b-2"]
        assert [e.external_task_id for e in ledger.in_states("openproject", in_flight)] == ["o-1"]
        assert [e.external_task_id for e in ledger.in_states(None, in_flight)] == ["b-1", "o-1", "b-2"]
        assert ledger.in_states("bitrix24", [TaskState.CANCELLED]) == []
        assert ledger.in_states(None, []) == []

    def test_for_instance_lists_the_tasks_of_one_process_instance(self, ledger: Ledger) -> None:
        route(ledger, "t-1", instance="pi-1")
        route(ledger, "t-2", instance="pi-2")
        route(ledger, "t-3", instance="pi-1")

        assert [e.external_task_id for e in ledger.for_instance("pi-1")] == ["t-1", "t-3"]
        assert ledger.for_instance("pi-none") == []

    def test_recent_lists_the_newest_records_first_in_their_current_state(self, ledger: Ledger) -> None:
        for task in ("t-1", "t-2", "t-3", "t-4"):
            route(ledger, task)
        ledger.mark("t-2", TaskState.COMPLETED)  # an update does not move a record up: routing order counts
        route(ledger, "t-1")  # routed again: still its first place

        newest = ledger.recent(3)

        assert [(e.external_task_id, e.state) for e in newest] == [
            ("t-4", TaskState.ROUTED),
            ("t-3", TaskState.ROUTED),
            ("t-2", TaskState.COMPLETED),
        ]
        assert ledger.recent(0) == []
        assert [e.external_task_id for e in ledger.recent(100)] == ["t-4", "t-3", "t-2", "t-1"]

    def test_counts_group_tasks_by_state(self, ledger: Ledger) -> None:
        assert ledger.counts() == {}
        for task in ("t-1", "t-2", "t-3"):
            route(ledger, task)
        ledger.mark("t-3", TaskState.COMPLETED)

        assert ledger.counts() == {"routed": 2, "completed": 1}

    def test_oldest_by_system_counts_a_state_and_dates_its_oldest_record(self, ledger: Ledger) -> None:
        # Given tracked work in two systems, and records in other states
        before = datetime.now(UTC)
        tracked(ledger, "b-1", system="bitrix24")
        tracked(ledger, "o-1", system="openproject")
        tracked(ledger, "b-2", system="bitrix24")
        route(ledger, "b-3", system="bitrix24")
        first = ledger.get("b-1")

        summary = ledger.oldest_by_system(TaskState.TRACKED)

        # Then per system: how many, and the creation time of the oldest
        assert first is not None
        assert set(summary) == {"bitrix24", "openproject"}
        assert summary["bitrix24"] == (2, first.created_at)
        count, oldest = summary["openproject"]
        assert count == 1 and oldest >= before - timedelta(seconds=5) and oldest.tzinfo is not None
        assert ledger.oldest_by_system(TaskState.CANCELLED) == {}

    # -- claims: one handler run per task ----------------------------------------------------------

    def test_a_claim_is_renewed_by_its_owner_released_on_retry_and_ends_with_the_result(
        self, ledger: Ledger
    ) -> None:
        route(ledger, "t-1")
        assert ledger.claim("t-1", "a", lease_s=0.0)
        assert ledger.renew_claims("a", lease_s=60) == 1
        assert not ledger.claim("t-1", "b", lease_s=30)  # renewed: still a's
        ledger.release_claim("t-1", "b")  # not b's to release
        assert not ledger.claim("t-1", "b", lease_s=30)
        ledger.release_claim("t-1", "a")
        assert ledger.claim("t-1", "b", lease_s=30)
        assert ledger.record_result("t-1", TaskState.RESULT, "{}")
        entry = ledger.get("t-1")
        assert entry is not None and entry.claim_owner is None and entry.claim_until is None
        assert not ledger.claim("t-1", "c", lease_s=30)  # a task with a result is never run again
        assert ledger.renew_claims("b", lease_s=30) == 0

    def test_a_claim_whose_lease_ran_out_is_taken_over(self, ledger: Ledger) -> None:
        route(ledger, "t-1")
        assert ledger.claim("t-1", "dead", lease_s=-1.0)  # its owner died a second ago

        assert ledger.claim("t-1", "heir", lease_s=30)

        entry = ledger.get("t-1")
        assert entry is not None and entry.claim_owner == "heir"
        assert entry.claim_until is not None and entry.claim_until > time.time() + 20
        assert not ledger.claim("unknown", "heir", lease_s=30)

    def test_only_one_of_two_handles_racing_claims_a_task(
        self, ledger: Ledger, open_handle: OpenHandle
    ) -> None:
        # Given two handles (two creators' processes, or hosts) and 20 routed tasks
        handles = [ledger, open_handle()]
        tasks = [f"t-{n}" for n in range(20)]
        for task in tasks:
            route(ledger, task)
        wins: dict[str, list[str]] = {task: [] for task in tasks}
        lock = threading.Lock()

        # When 8 threads, half on each handle, claim every task at once
        def work(index: int) -> None:
            store = handles[index % 2]
            for task in tasks:
                if store.claim(task, f"owner-{index}", 30):
                    with lock:
                        wins[task].append(f"owner-{index}")
            self.leave_thread(store)

        run_in_threads(8, work)

        # Then each task has exactly one winner, and the ledger names it
        for task, owners in wins.items():
            assert len(owners) == 1, f"{task}: {owners}"
            entry = ledger.get(task)
            assert entry is not None and entry.claim_owner == owners[0]

    def test_a_final_state_is_never_left_under_racing_writers(
        self, ledger: Ledger, open_handle: OpenHandle
    ) -> None:
        # Given tasks that several settlers race to finish, each with another final state
        handles = [ledger, open_handle()]
        finals = sorted(FINAL_STATES)
        tasks = [f"t-{n}" for n in range(15)]
        for task in tasks:
            route(ledger, task)
        won: dict[str, list[TaskState]] = {task: [] for task in tasks}
        lock = threading.Lock()

        def work(index: int) -> None:
            store = handles[index % 2]
            state = finals[index % len(finals)]
            for task in tasks:
                changed = (
                    store.record_result(task, state, f'{{"by": {index}}}')
                    if index % 3
                    else store.mark(task, state)
                )
                if changed:
                    with lock:
                        won[task].append(state)
            self.leave_thread(store)

        run_in_threads(8, work)

        # Then exactly one writer moved each task, and its state stuck
        for task, states in won.items():
            assert len(states) == 1, f"{task}: {states}"
            entry = ledger.get(task)
            assert entry is not None and entry.state is states[0]

    # -- leases on tracked items (the tracker's polling across hosts) ------------------------------

    def test_tracked_items_are_leased_to_one_owner_until_the_lease_runs_out(self, ledger: Ledger) -> None:
        # Given four tracked items of one system, one of another, and work not (yet) tracked
        for task in ("t-1", "t-2", "t-3", "t-4"):
            tracked(ledger, task)
        tracked(ledger, "o-1", system="openproject")
        route(ledger, "r-1")
        route(ledger, "c-1")
        ledger.record_external("c-1", "item-c", None)

        # When tracker a leases three, then tracker b asks for three
        first = ledger.lease_tracked("a", "bitrix24", 3, lease_s=30)
        second = ledger.lease_tracked("b", "bitrix24", 3, lease_s=30)

        # Then b gets only the one a left, and each lease names its owner
        assert [e.external_task_id for e in first] == ["t-1", "t-2", "t-3"]
        assert [e.external_task_id for e in second] == ["t-4"]
        assert all(e.lease_owner == "a" and (e.lease_until or 0) > time.time() + 20 for e in first)
        stored = ledger.get("t-4")
        assert stored is not None and stored.lease_owner == "b"
        renewed = ledger.lease_tracked("b", "bitrix24", 3, lease_s=30)  # its own, renewed
        assert [e.external_task_id for e in renewed] == ["t-4"]
        assert ledger.lease_tracked("c", "bitrix24", 3, lease_s=30) == []

    def test_a_dead_owners_leases_are_handed_out_again_and_the_least_recently_polled_first(
        self, ledger: Ledger
    ) -> None:
        for task in ("t-1", "t-2", "t-3"):
            tracked(ledger, task)
        ledger.lease_tracked("dead", "bitrix24", 2, lease_s=-1.0)  # t-1, t-2: leases already over

        handed = ledger.lease_tracked("heir", "bitrix24", 2, lease_s=30)

        # never polled (t-3) first, then the lease that ended longest ago (a tie: routing order)
        assert [e.external_task_id for e in handed] == ["t-1", "t-3"]
        assert {e.lease_owner for e in handed} == {"heir"}

    def test_one_owner_polling_in_small_batches_gets_every_item_in_turn(self, ledger: Ledger) -> None:
        for n in range(5):
            tracked(ledger, f"t-{n}")

        seen = [
            e.external_task_id for _ in range(5) for e in ledger.lease_tracked("a", "bitrix24", 2, lease_s=30)
        ]

        assert set(seen) == {f"t-{n}" for n in range(5)}
        assert ledger.lease_tracked("a", "bitrix24", 0, lease_s=30) == []

    def test_items_leave_the_leases_with_their_tracked_state(self, ledger: Ledger) -> None:
        tracked(ledger, "t-1")
        ledger.lease_tracked("a", "bitrix24", 5, lease_s=30)

        ledger.record_result("t-1", TaskState.RESULT, "{}")

        assert ledger.lease_tracked("a", "bitrix24", 5, lease_s=30) == []

    def test_a_stopping_tracker_releases_only_its_own_leases(self, ledger: Ledger) -> None:
        for task in ("t-1", "t-2", "t-3"):
            tracked(ledger, task)
        ledger.lease_tracked("a", "bitrix24", 2, lease_s=30)
        ledger.lease_tracked("b", "bitrix24", 2, lease_s=30)

        assert ledger.release_tracked("a") == 2
        assert ledger.release_tracked("a") == 0

        # a's items go to the next tracker at once; b keeps its own
        assert [e.external_task_id for e in ledger.lease_tracked("c", "bitrix24", 5, 30)] == ["t-1", "t-2"]
        stored = ledger.get("t-3")
        assert stored is not None and stored.lease_owner == "b"

    def test_trackers_racing_for_leases_never_share_an_item(
        self, ledger: Ledger, open_handle: OpenHandle
    ) -> None:
        # Given 60 tracked items and 6 trackers on two handles, each asking for 10 at once
        handles = [ledger, open_handle()]
        for n in range(60):
            tracked(ledger, f"t-{n:02}")
        leased: dict[int, list[str]] = {}

        def work(index: int) -> None:
            store = handles[index % 2]
            leased[index] = [
                e.external_task_id for e in store.lease_tracked(f"tracker-{index}", "bitrix24", 10, 30)
            ]
            self.leave_thread(store)

        run_in_threads(6, work)

        # Then every item went to exactly one of them, each got a full batch, and the ledger agrees
        every = [task for tasks in leased.values() for task in tasks]
        assert sorted(every) == [f"t-{n:02}" for n in range(60)]
        assert all(len(tasks) == 10 for tasks in leased.values())
        for index, tasks in leased.items():
            for task in tasks:
                entry = ledger.get(task)
                assert entry is not None and entry.lease_owner == f"tracker-{index}"

    # -- concurrency and durability ----------------------------------------------------------------

    def test_many_threads_can_write_at_once_without_losing_a_record(self, ledger: Ledger) -> None:
        # Given 8 threads each routing and failing 25 tasks of their own
        def work(index: int) -> None:
            for n in range(25):
                task = f"t-{index}-{n}"
                route(ledger, task, system=f"s{index % 2}")
                ledger.record_attempt(task, "boom")
            self.leave_thread(ledger)

        # When they run together
        run_in_threads(8, work)

        # Then every record and every attempt is there
        assert ledger.counts() == {"routed": 200}
        assert len(ledger.in_states("s0", [TaskState.ROUTED])) == 100
        assert all(entry.attempts == 1 for entry in ledger.in_states(None, [TaskState.ROUTED]))

    def test_concurrent_attempts_on_one_task_are_all_counted(self, ledger: Ledger) -> None:
        route(ledger, "t-1")

        def work(index: int) -> None:
            for _ in range(20):
                ledger.record_attempt("t-1", f"from {index}")
            self.leave_thread(ledger)

        run_in_threads(8, work)

        entry = ledger.get("t-1")
        assert entry is not None
        assert entry.attempts == 160

    def test_two_handles_see_each_others_writes(self, ledger: Ledger, open_handle: OpenHandle) -> None:
        # Given two handles on one ledger, as the worker and the tracker processes would have
        worker, tracker = ledger, open_handle()

        # When one routes and the other settles, each reading right after the other wrote
        first = route(worker, "t-1")
        seen_by_tracker = tracker.get("t-1")
        tracker.mark("t-1", TaskState.COMPLETED)
        again = route(worker, "t-1", message_id="m-2")

        # Then both see one consistent record
        assert seen_by_tracker == first
        assert worker.is_final("t-1")
        assert again.record_id == first.record_id

    def test_two_handles_writing_at_once_lose_nothing(self, ledger: Ledger, open_handle: OpenHandle) -> None:
        handles = [ledger, open_handle()]
        route(handles[0], "shared")
        routed_together: list[str] = []

        def work(index: int) -> None:
            store = handles[index % 2]
            for n in range(20):
                route(store, f"t-{index}-{n}")
                store.record_attempt("shared", "x")
                route(store, "together", message_id=f"m-{index}-{n}")
            together = store.get("together")
            assert together is not None
            routed_together.append(together.message_id)
            self.leave_thread(store)

        run_in_threads(6, work)

        for store in handles:
            assert store.counts() == {"routed": 122}
            shared = store.get("shared")
            assert shared is not None and shared.attempts == 120
        assert len(set(routed_together)) == 1, "the first message id stays, whoever routed first"

    def test_records_survive_closing_and_reopening(self, ledger: Ledger, open_handle: OpenHandle) -> None:
        entry = route(ledger, "t-1")
        ledger.close()

        reopened = open_handle()

        assert reopened.get("t-1") == entry
