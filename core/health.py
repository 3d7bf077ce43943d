"""Heartbeat files: a loop proves it is alive; ``--check`` reads the proof (exit 0 or 1).

The file holds JSON (time, pid, counters) and is replaced atomically, so a reader never
sees half a write. systemd, monitoring or an operator can all run the check.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class Heartbeat:
    """Writes ``<state_dir>/<name>.heartbeat`` at most every ``min_interval_s`` seconds."""

    def __init__(self, state_dir: Path, name: str, min_interval_s: float = 1.0) -> None:
        self.path = Path(state_dir) / f"{name}.heartbeat"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._min_interval_s = min_interval_s
        self._last = 0.0
        self._notes: dict[str, Any] = {}

    def note(self, **facts: Any) -> None:
        """Facts every later beat carries (e.g. the metrics endpoint's URL)."""
        self._notes.update(facts)

    def beat(self, stats: Mapping[str, Any] | None = None, *, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._last < self._min_interval_s:
            return
        self._last = now
        body = {"ts": now, "pid": os.getpid(), **self._notes, **(stats or {})}
        # A name of its own per process: two processes beating under one name (two creators
        # of one system sharing a state folder) would otherwise move each other's file away.
        tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(body, default=str), encoding="utf-8")
        tmp.replace(self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def check_heartbeat(path: Path, max_age_s: float) -> tuple[bool, str]:
    """Whether the heartbeat at ``path`` is fresh, and a one-line reason."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False, f"no heartbeat at {path}: the service is not running"
    except (OSError, ValueError) as err:
        return False, f"unreadable heartbeat at {path}: {err}"
    age = time.time() - float(body.get("ts", 0))
    if age > max_age_s:
        return False, f"heartbeat is {age:.0f} s old (limit {max_age_s:.0f} s): the loop is stuck or dead"
    metrics = f", metrics at {body['metrics_url']}" if body.get("metrics_url") else ""
    return True, f"alive: pid {body.get('pid')}, heartbeat {age:.1f} s ago{metrics}"
