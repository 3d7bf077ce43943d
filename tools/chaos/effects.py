"""The chaos handler's external system: a SQLite file outside Exchanger's own records.

``attempts`` gets a row per handler call, ``effects`` a row per side effect actually carried
out. ``effects`` has no unique key on purpose: a second effect for one task would be a second
row, which the judge counts as a duplicate.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS attempts (task_id TEXT, instance_id TEXT, activity_id TEXT,"
    " attempt INTEGER, resumed INTEGER, found INTEGER, pid INTEGER, at REAL)",
    "CREATE TABLE IF NOT EXISTS effects (task_id TEXT, instance_id TEXT, activity_id TEXT, pid INTEGER, at REAL)",
    "CREATE INDEX IF NOT EXISTS effects_task ON effects (task_id)",
)


@dataclass(frozen=True)
class Call:
    """Who the handler is called for."""

    task_id: str
    instance_id: str
    activity_id: str
    attempt: int
    resumed: bool
    pid: int


class EffectBook:
    """One connection per use: handlers run on several threads of several processes."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        for statement in SCHEMA:
            conn.execute(statement)
        return conn

    def has_effect(self, task_id: str) -> bool:
        """The lookup a careful handler makes before acting again (``ctx.resumed``)."""
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM effects WHERE task_id = ?", (task_id,)).fetchone() is not None

    def attempt(self, call: Call, *, found: bool) -> None:
        row = (
            call.task_id,
            call.instance_id,
            call.activity_id,
            call.attempt,
            call.resumed,
            found,
            call.pid,
            time.time(),
        )
        with self._connect() as conn:
            conn.execute("INSERT INTO attempts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)

    def effect(self, call: Call) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO effects VALUES (?, ?, ?, ?, ?)",
                (call.task_id, call.instance_id, call.activity_id, call.pid, time.time()),
            )


@dataclass(frozen=True)
class Tally:
    """What the external system saw: calls, effects per (instance, activity), lookups that found one."""

    attempts: int
    resumed: int
    found: int
    effects: Counter[tuple[str, str]]


def tally(path: Path) -> Tally:
    """Read the file (read-only); an absent file is a system nobody called."""
    if not path.exists():
        return Tally(0, 0, 0, Counter())
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        attempts, resumed, found = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(resumed), 0), COALESCE(SUM(found), 0) FROM attempts"
        ).fetchone()
        effects = Counter(
            (str(instance), str(activity))
            for instance, activity in conn.execute("SELECT instance_id, activity_id FROM effects")
        )
    return Tally(int(attempts), int(resumed), int(found), effects)
