"""Handlers for end-to-end tests, loaded by the python system through ``handler_modules``.

Every call and every effect is counted in a SQLite file (``options.effects_db``), so a test
can prove each task's effect happened exactly once even when processes are killed.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, complete
from core.actions.router import TaskRouter
from core.errors import BusinessError, PermanentError, RetryableError


def _db(options: Mapping[str, Any]) -> sqlite3.Connection:
    conn = sqlite3.connect(str(options["effects_db"]), timeout=30, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS calls (task_id TEXT, topic TEXT, attempt INTEGER)")
    conn.execute("CREATE TABLE IF NOT EXISTS effects (task_id TEXT PRIMARY KEY, topic TEXT)")
    # Every side effect, repeats included: what exactly-once tests count.
    conn.execute("CREATE TABLE IF NOT EXISTS effect_log (task_id TEXT, at REAL)")
    return conn


def record(options: Mapping[str, Any], ctx: TaskContext, *, effect: bool) -> None:
    with _db(options) as conn:
        conn.execute("INSERT INTO calls VALUES (?, ?, ?)", (ctx.external_task_id, ctx.topic, ctx.attempt))
        if effect:
            # The effect is keyed by the external task id, the idempotency key every real
            # integration uses (Bitrix24 looks the task up by it before creating one).
            conn.execute("INSERT OR IGNORE INTO effects VALUES (?, ?)", (ctx.external_task_id, ctx.topic))


def register(router: TaskRouter, options: Mapping[str, Any]) -> None:
    @router.topic("e2e.slow")
    def slow(ctx: TaskContext) -> HandlerOutcome:
        # The effect first, then a long tail before the result can be stored: the window a
        # kill or a second delivery would hit.
        with _db(options) as conn:
            conn.execute("INSERT INTO effect_log VALUES (?, ?)", (ctx.external_task_id, time.time()))
        record(options, ctx, effect=True)
        time.sleep(float(options.get("slow_s", 1.5)))
        return complete({"done": True})

    @router.topic("e2e.count")
    def count(ctx: TaskContext) -> HandlerOutcome:
        record(options, ctx, effect=True)
        n = int(ctx.variables.get("n", 0))
        return complete(
            {
                "doubled": n * 2,
                "big": 2**40 + n,
                "ratio": n / 4,
                "even": n % 2 == 0,
                "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                "payload": {"n": n, "items": list(range(3))},
                "nothing": None,
            }
        )

    @router.topic("e2e.flaky")
    def flaky(ctx: TaskContext) -> HandlerOutcome:
        record(options, ctx, effect=ctx.attempt > 2)
        if ctx.attempt <= 2:
            raise RetryableError(f"flaky on attempt {ctx.attempt}")
        return complete({"attempts_needed": ctx.attempt})

    @router.topic("e2e.broken")
    def broken(ctx: TaskContext) -> HandlerOutcome:
        record(options, ctx, effect=False)
        raise RetryableError("the upstream is down")

    @router.topic("e2e.refused")
    def refused(ctx: TaskContext) -> HandlerOutcome:
        record(options, ctx, effect=False)
        raise PermanentError("the upstream refused the request", details="HTTP 400: bad field")

    @router.topic("e2e.business")
    def business(ctx: TaskContext) -> HandlerOutcome:
        record(options, ctx, effect=False)
        raise BusinessError(str(ctx.variables["code"]), "business rule says no", variables={"reason": "rule"})


def effect_log(db_path: str) -> list[str]:
    """The task id of every side effect of ``e2e.slow``, repeats included."""
    with sqlite3.connect(db_path) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT task_id FROM effect_log ORDER BY at")]
        except sqlite3.OperationalError:  # no handler ran yet
            return []


def counts(db_path: str) -> dict[str, int]:
    """Calls, distinct tasks called, and effects, for assertions."""
    with sqlite3.connect(db_path) as conn:
        calls = conn.execute("SELECT COUNT(*), COUNT(DISTINCT task_id) FROM calls").fetchone()
        effects = conn.execute("SELECT COUNT(*) FROM effects").fetchone()[0]
    return {"calls": calls[0], "tasks": calls[1], "effects": effects}
