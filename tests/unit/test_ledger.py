"""The SQLite ledger: idempotent records, state transitions, threads and two handles on one file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConfigError, LedgerError
from core.ledger import FINAL_STATES, LedgerEntry, RoutedTask, SqliteLedger, TaskState, open_ledger


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqliteLedger]:
    store = SqliteLedger(tmp_path / "state" / "ledger.sqlite3")
    yield store
    store.close()


def route(
    ledger: SqliteLedger,
    task_id: str,
    *,
    message_id: str = "m-1",
    system: str = "bitrix24",
    instance: str = "pi-1",
    worker: str = "w-1",
    lock_ms: int | None = 60_000,
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
        )
    )


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


# -- routing is idempotent ---------------------------------------------------------------------------


def test_a_routed_task_gets_a_record_with_a_durable_record_id(ledger: SqliteLedger) -> None:
    entry = route(ledger, "t-1")

    assert entry.external_task_id == "t-1"
    assert entry.state is TaskState.ROUTED
    assert entry.message_id == "m-1"
    assert uuid.UUID(entry.record_id)
    assert entry.system == "bitrix24"
    assert entry.topic == "bitrix24.task"
    assert entry.process_instance_id == "pi-1"
    assert entry.lock_duration_ms == 60_000
    assert entry.attempts == 0
    assert entry.external_id is None and entry.result is None and entry.last_error is None
    assert entry.created_at.tzinfo is not None
    assert ledger.get("t-1") == entry


def test_routing_the_same_task_again_keeps_its_first_message_and_record_id(ledger: SqliteLedger) -> None:
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


def test_routing_again_does_not_undo_progress(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")
    ledger.record_external("t-1", "B24-7", "https://b24/task/7")

    entry = route(ledger, "t-1", message_id="m-2")

    assert entry.state is TaskState.CREATED
    assert entry.external_id == "B24-7"


def test_a_failed_task_handed_out_again_starts_a_new_round(ledger: SqliteLedger) -> None:
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


# -- attempts and transitions -------------------------------------------------------------------------------


def test_each_failed_attempt_is_counted_with_its_last_error(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")

    counts = [ledger.record_attempt("t-1", f"HTTP 503 #{n}") for n in range(1, 4)]

    assert counts == [1, 2, 3]
    entry = ledger.get("t-1")
    assert entry is not None
    assert entry.attempts == 3
    assert entry.last_error == "HTTP 503 #3"


def test_a_huge_error_is_stored_truncated(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")

    ledger.record_attempt("t-1", "x" * 10_000)

    entry = ledger.get("t-1")
    assert entry is not None and entry.last_error is not None
    assert 0 < len(entry.last_error) <= 2000


def test_an_attempt_on_an_unknown_task_counts_nothing(ledger: SqliteLedger) -> None:
    assert ledger.record_attempt("nobody", "err") == 0
    assert ledger.get("nobody") is None


def test_a_created_work_item_is_recorded_with_its_reference(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")

    ledger.record_external("t-1", "B24-7", "https://acme.bitrix24.ru/company/tasks/7/")

    entry = ledger.get("t-1")
    assert entry is not None
    assert entry.state is TaskState.CREATED
    assert entry.external_id == "B24-7"
    assert entry.external_url == "https://acme.bitrix24.ru/company/tasks/7/"
    assert entry.updated_at >= entry.created_at


def test_a_result_is_stored_with_its_state_so_it_can_be_re_emitted(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")

    ledger.record_result("t-1", TaskState.RESULT, '{"outcome": {"kind": "complete"}}')

    entry = ledger.get("t-1")
    assert entry is not None
    assert entry.state is TaskState.RESULT
    assert entry.result == '{"outcome": {"kind": "complete"}}'
    assert not ledger.is_final("t-1")


def test_a_tracked_task_moves_through_its_states_to_completed(ledger: SqliteLedger) -> None:
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


def test_marking_with_an_error_records_it_and_marking_without_keeps_it(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")

    ledger.mark("t-1", TaskState.FAILED, error="Bitrix24: access denied")
    ledger.mark("t-1", TaskState.FAILED)

    entry = ledger.get("t-1")
    assert entry is not None
    assert entry.state is TaskState.FAILED
    assert entry.last_error == "Bitrix24: access denied"


@pytest.mark.parametrize("state", list(TaskState))
def test_only_completed_failed_bpmn_error_and_cancelled_are_final(
    ledger: SqliteLedger, state: TaskState
) -> None:
    route(ledger, "t-1")

    ledger.mark("t-1", state)

    assert ledger.is_final("t-1") is (state in {"completed", "failed", "bpmn_error", "cancelled"})
    assert (state in FINAL_STATES) is ledger.is_final("t-1")


def test_an_unknown_task_is_not_final(ledger: SqliteLedger) -> None:
    assert not ledger.is_final("nobody")


# -- reads ---------------------------------------------------------------------------------------------------


def test_in_states_filters_by_state_and_system_in_creation_order(ledger: SqliteLedger) -> None:
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


def test_for_instance_lists_the_tasks_of_one_process_instance(ledger: SqliteLedger) -> None:
    route(ledger, "t-1", instance="pi-1")
    route(ledger, "t-2", instance="pi-2")
    route(ledger, "t-3", instance="pi-1")

    assert [e.external_task_id for e in ledger.for_instance("pi-1")] == ["t-1", "t-3"]


def test_recent_lists_the_newest_records_first_in_their_current_state(ledger: SqliteLedger) -> None:
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


def test_counts_group_tasks_by_state(ledger: SqliteLedger) -> None:
    for task in ("t-1", "t-2", "t-3"):
        route(ledger, task)
    ledger.mark("t-3", TaskState.COMPLETED)

    assert ledger.counts() == {"routed": 2, "completed": 1}


# -- concurrency and durability --------------------------------------------------------------------------------


def test_many_threads_can_write_at_once_without_losing_a_record(ledger: SqliteLedger) -> None:
    # Given 8 threads each routing and failing 25 tasks of their own
    def work(index: int) -> None:
        for n in range(25):
            task = f"t-{index}-{n}"
            route(ledger, task, system=f"s{index % 2}")
            ledger.record_attempt(task, "boom")
        ledger.close()

    # When they run together
    run_in_threads(8, work)

    # Then every record and every attempt is there
    assert ledger.counts() == {"routed": 200}
    assert len(ledger.in_states("s0", [TaskState.ROUTED])) == 100
    assert all(entry.attempts == 1 for entry in ledger.in_states(None, [TaskState.ROUTED]))


def test_concurrent_attempts_on_one_task_are_all_counted(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")

    def work(index: int) -> None:
        for _ in range(20):
            ledger.record_attempt("t-1", f"from {index}")
        ledger.close()

    run_in_threads(8, work)

    entry = ledger.get("t-1")
    assert entry is not None
    assert entry.attempts == 160


def test_two_handles_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    # Given two ledgers on the same file, as the worker and the tracker processes would have
    path = tmp_path / "ledger.sqlite3"
    worker, tracker = SqliteLedger(path), SqliteLedger(path)
    try:
        # When one routes and the other settles, each reading right after the other wrote
        first = route(worker, "t-1")
        seen_by_tracker = tracker.get("t-1")
        tracker.mark("t-1", TaskState.COMPLETED)
        again = route(worker, "t-1", message_id="m-2")

        # Then both see one consistent record
        assert seen_by_tracker == first
        assert worker.is_final("t-1")
        assert again.record_id == first.record_id
    finally:
        worker.close()
        tracker.close()


def test_two_handles_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    handles = [SqliteLedger(path), SqliteLedger(path)]
    route(handles[0], "shared")

    def work(index: int) -> None:
        store = handles[index % 2]
        for n in range(20):
            route(store, f"t-{index}-{n}")
            store.record_attempt("shared", "x")
        store.close()

    run_in_threads(6, work)

    for store in handles:
        assert store.counts() == {"routed": 121}
        shared = store.get("shared")
        assert shared is not None and shared.attempts == 120
        store.close()


def test_records_survive_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SqliteLedger(path)
    entry = route(store, "t-1")
    store.close()

    reopened = SqliteLedger(path)
    try:
        assert reopened.get("t-1") == entry
    finally:
        reopened.close()


def test_the_file_is_in_write_ahead_log_mode(ledger: SqliteLedger) -> None:
    route(ledger, "t-1")

    with sqlite3.connect(ledger.path) as conn:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    conn.close()

    assert mode == "wal"


def test_a_file_that_is_not_a_database_is_a_ledger_error(tmp_path: Path) -> None:
    path = tmp_path / "not-a.db"
    path.write_bytes(b"garbage" * 1000)

    with pytest.raises(LedgerError, match=str(path)):
        SqliteLedger(path)


# -- DSNs ------------------------------------------------------------------------------------------------------


def test_a_three_slash_dsn_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    store = open_ledger("sqlite:///state/ledger.db")
    try:
        route(store, "t-1")
        assert store.path == Path("state/ledger.db")
        assert (tmp_path / "state" / "ledger.db").is_file()
    finally:
        store.close()


def test_a_four_slash_dsn_is_an_absolute_path(tmp_path: Path) -> None:
    target = tmp_path / "abs" / "ledger.db"

    store = open_ledger(f"sqlite:///{target}")
    try:
        assert f"sqlite:///{target}".startswith("sqlite:////")
        assert store.path == target
        assert target.is_file()
    finally:
        store.close()


@pytest.mark.parametrize(
    "dsn", ["postgresql://ledger:hunter2@db/exchanger", "mysql://x@y/z", "ledger.db", "sqlite://ledger.db"]
)
def test_a_dsn_of_another_kind_is_a_config_error_without_its_password(dsn: str) -> None:
    with pytest.raises(ConfigError) as caught:
        open_ledger(dsn)

    assert caught.value.key == "ledger.dsn"
    assert "sqlite:///" in str(caught.value)
    assert "hunter2" not in str(caught.value)


# -- claims: one handler run per task -------------------------------------------------------------------


def test_only_one_of_two_handles_racing_claims_a_task(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    first, second = SqliteLedger(path), SqliteLedger(path)
    route(first, "t-1")
    wins: list[bool] = []
    run_in_threads(8, lambda i: wins.append((first if i % 2 else second).claim("t-1", f"owner-{i}", 30)))
    assert wins.count(True) == 1
    first.close()
    second.close()


def test_a_claim_is_renewed_by_its_owner_released_on_retry_and_ends_with_the_result(
    ledger: SqliteLedger,
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
    assert entry is not None and entry.claim_owner is None
    assert not ledger.claim("t-1", "c", lease_s=30)  # a task with a result is never run again


def test_a_final_state_is_never_left(ledger: SqliteLedger) -> None:
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


def test_an_older_ledger_file_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE tasks (external_task_id TEXT PRIMARY KEY, message_id TEXT NOT NULL, record_id TEXT NOT NULL,"
        " state TEXT NOT NULL, system TEXT NOT NULL, topic TEXT NOT NULL, process_instance_id TEXT NOT NULL,"
        " process_definition_key TEXT NOT NULL, activity_id TEXT NOT NULL, worker_id TEXT NOT NULL,"
        " lock_duration_ms INTEGER, external_id TEXT, external_url TEXT, attempts INTEGER NOT NULL DEFAULT 0,"
        " last_error TEXT, result TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
        "INSERT INTO tasks VALUES ('old', 'm', 'r', 'tracked', 'bitrix24', 't', 'pi', 'k', 'a', 'w', 1000,"
        " '5', NULL, 0, NULL, NULL, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');"
    )
    conn.close()
    ledger = SqliteLedger(path)
    entry = ledger.get("old")
    assert entry is not None and entry.state is TaskState.TRACKED and entry.claim_owner is None
    route(ledger, "t-1")
    assert ledger.claim("t-1", "a", lease_s=30)
    ledger.close()


def _open_at_once(path: str, barrier: Any, errors: Any) -> None:
    barrier.wait(timeout=30)
    try:
        SqliteLedger(path).close()
    except LedgerError as err:
        errors.put(str(err))


def test_services_starting_together_all_open_a_new_ledger(tmp_path: Path) -> None:
    # Worker, creator and tracker start at once on a file none of them created yet: switching to
    # WAL and migrating take an exclusive lock the others must wait for, not fail on.
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(8):
        barrier = context.Barrier(6)
        path = str(tmp_path / f"ledger-{round_}.sqlite3")
        processes = [context.Process(target=_open_at_once, args=(path, barrier, errors)) for _ in range(6)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
    assert errors.empty(), errors.get()
