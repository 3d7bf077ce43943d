"""What the last sync did per diagram, in one JSON file under the state dir, plus a run lock."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from camunda_sync.errors import StateError

STATE_FILE = "sync-state.json"
LOCK_FILE = "sync.lock"
LIMITER_FILE = "stormbpmn-requests.json"


@dataclass
class DiagramState:
    diagram_id: str
    name: str
    revision: str  # StormBPMN version and update time: changes whenever the diagram does
    xml_sha256: str  # of the converted file that was deployed
    deployment_id: str | None = None
    definitions: list[str] = field(default_factory=list)  # "key:version"
    synced_at: str = ""


@dataclass
class SyncState:
    path: Path
    diagrams: dict[str, DiagramState] = field(default_factory=dict)

    @classmethod
    def load(cls, state_dir: Path) -> SyncState:
        path = state_dir / STATE_FILE
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            diagrams = {key: DiagramState(**value) for key, value in data.get("diagrams", {}).items()}
        except (OSError, ValueError, TypeError) as err:
            raise StateError(f"cannot read the sync state {path}: {err}") from None
        return cls(path, diagrams)

    def save(self) -> None:
        data: dict[str, Any] = {
            "diagrams": {key: asdict(value) for key, value in sorted(self.diagrams.items())}
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, self.path)

    def record(self, entry: DiagramState) -> None:
        entry.synced_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.diagrams[entry.diagram_id] = entry
        self.save()


@contextmanager
def sync_lock(state_dir: Path) -> Iterator[None]:
    """One sync at a time per state dir (a timer run and a manual run must not overlap)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StateError(f"another sync is running (lock {state_dir / LOCK_FILE})") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
