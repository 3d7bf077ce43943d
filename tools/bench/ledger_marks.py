"""``python -m tools.bench.ledger_marks [--dsn DSN]``: the ledger's final mark, one by one or in groups.

The creator marks each task it completed in the engine ``completed``. This measures what that
costs per task on one database: a commit per task (``Ledger.mark``) against groups of
``--group`` tasks in one transaction (``Ledger.mark_many``, what ``task_creator.marks`` does).
CPU-µs and wall-µs per task of this process, median of ``--rounds``; the database server's own
CPU is not in it. Without ``--dsn`` it uses a fresh SQLite file; on PostgreSQL it deletes the rows
it wrote.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import click

from core.dsn import DatabaseKind, database_kind, libpq_dsn
from core.ledger import Ledger, RoutedTask, TaskState, open_ledger


def _prepared(ledger: Ledger, count: int) -> list[str]:
    """``count`` tasks with a stored result, as the creator leaves them before the final mark."""
    run = uuid.uuid4().hex[:8]
    ids = [f"bench-mark-{run}-{n}" for n in range(count)]
    for task_id in ids:
        ledger.record_routed(
            RoutedTask(task_id, f"m-{task_id}", "bench", "bench.mark", "pi", "bench", "step", "w", 60_000)
        )
        ledger.record_result(task_id, TaskState.RESULT, "{}")
    return ids


def _per_task(ledger: Ledger, count: int, mark: Callable[[list[str]], object]) -> tuple[float, float]:
    ids = _prepared(ledger, count)
    cpu, wall = time.process_time(), time.perf_counter()
    mark(ids)
    return (time.process_time() - cpu) / count * 1e6, (time.perf_counter() - wall) / count * 1e6


@click.command()
@click.option("--dsn", default=None, help="a ledger DSN (default: a fresh SQLite file)")
@click.option("--tasks", default=1500, show_default=True)
@click.option(
    "--group", default=30, show_default=True, help="tasks per mark_many (about 0.1 s at 300 tasks/s)"
)
@click.option("--rounds", default=3, show_default=True)
def main(dsn: str | None, tasks: int, group: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        ledger = open_ledger(dsn or f"sqlite:///{Path(folder) / 'ledger.sqlite3'}")
        try:

            def one_by_one(ids: list[str]) -> None:
                for task_id in ids:
                    ledger.mark(task_id, TaskState.COMPLETED)

            def grouped(ids: list[str]) -> None:
                for start in range(0, len(ids), group):
                    ledger.mark_many(ids[start : start + group], TaskState.COMPLETED)

            for name, mark in (("one commit per task", one_by_one), (f"groups of {group}", grouped)):
                runs = [_per_task(ledger, tasks, mark) for _ in range(rounds)]
                cpu = statistics.median(r[0] for r in runs)
                wall = statistics.median(r[1] for r in runs)
                click.echo(f"{name:>20}: {cpu:7.1f} CPU-µs, {wall:7.1f} wall-µs per task")
        finally:
            ledger.close()
            if dsn and database_kind(dsn) is DatabaseKind.POSTGRESQL:
                _delete_rows(dsn)


def _delete_rows(dsn: str) -> None:
    import psycopg  # only for PostgreSQL

    with psycopg.connect(libpq_dsn(dsn)) as conn:
        conn.execute("DELETE FROM tasks WHERE external_task_id LIKE 'bench-mark-%'")


if __name__ == "__main__":
    main()
