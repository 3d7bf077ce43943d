"""What is measured: the suite (worker, creators, tracker) and the two baselines.

Each contender starts its programs as child processes in a scenario's workspace, says when
they are ready, and reports when it picked up each task (external task id → epoch seconds).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from core.transport import BrokerAdmin, BrokerSettings
from tools.bench.picks import READY, read_picks
from tools.bench.procs import clean_env
from tools.bench.suite_config import SYSTEM, SuiteKnobs, write_config
from tools.launcher import Child, launch

_ROUTED_TASK = re.compile(r"\btask=([^\s;]+)")  # each task the worker's "routed" line names


@dataclass(frozen=True)
class Workspace:
    """Where one scenario runs: its folder, the engine, its process key and broker prefix."""

    root: Path
    engine_url: str
    key: str
    topic: str
    prefix: str

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"


class Contender(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def launch(self, ws: Workspace) -> list[Child]: ...

    def ready_marker(self, child: Child) -> str: ...

    def picks(self, ws: Workspace) -> dict[str, float]: ...

    def settings(self) -> dict[str, object]: ...

    def counters(self, ws: Workspace) -> dict[str, float]:
        """What the programs count about themselves, read just before they are stopped."""
        ...

    def cleanup(self, ws: Workspace) -> None: ...


def is_ready(contender: Contender, children: list[Child]) -> bool:
    """Every child has written its ready line to its log."""
    for child in children:
        marker = contender.ready_marker(child)
        if not child.log.is_file() or marker not in child.log.read_text(errors="replace"):
            return False
    return True


@dataclass(frozen=True)
class RawLoop:
    """The engine's ceiling: fetchAndLock + complete in a tight loop, no broker.

    ``threads`` > 1 completes a fetched batch that many at a time, as the suite's tracker
    does; one thread is the plain loop.
    """

    max_tasks: int = 100
    threads: int = 1

    @property
    def name(self) -> str:
        return "raw" if self.threads == 1 else "raw-parallel"

    @property
    def label(self) -> str:
        return "raw REST loop" + ("" if self.threads == 1 else f", {self.threads} completing threads")

    def launch(self, ws: Workspace) -> list[Child]:
        args = ["--url", ws.engine_url, "--topic", ws.topic, "--key", ws.key, "--worker-id", f"raw-{ws.key}"]
        args += ["--max-tasks", str(self.max_tasks), "--threads", str(self.threads)]
        args += ["--picks", str(ws.root / "picks.txt")]
        return [launch("raw_loop", "tools.bench.raw_loop", args, ws.log("raw_loop"), clean_env())]

    def ready_marker(self, child: Child) -> str:
        return READY

    def picks(self, ws: Workspace) -> dict[str, float]:
        return read_picks(ws.root / "picks.txt")

    def settings(self) -> dict[str, object]:
        return {"max_tasks": self.max_tasks, "use_priority": False, "threads": self.threads}

    def counters(self, ws: Workspace) -> dict[str, float]:
        return {}

    def cleanup(self, ws: Workspace) -> None:
        return None


@dataclass(frozen=True)
class ClientLibrary:
    """camunda-external-task-client-python3's synchronous worker, defaults or tuned."""

    tuned: bool = False
    processes: int = 1

    @property
    def name(self) -> str:
        return "client-tuned" if self.tuned else "client-defaults"

    @property
    def label(self) -> str:
        return "client library, tuned" if self.tuned else "client library, defaults"

    def launch(self, ws: Workspace) -> list[Child]:
        children = []
        for i in range(self.processes):
            args = ["--url", ws.engine_url, "--topic", ws.topic, "--worker-id", f"client-{ws.key}-{i}"]
            args += ["--picks", str(ws.root / f"picks-{i}.txt")] + (["--tuned"] if self.tuned else [])
            name = f"client_worker{i if self.processes > 1 else ''}"
            children.append(launch(name, "tools.bench.client_worker", args, ws.log(name), clean_env()))
        return children

    def ready_marker(self, child: Child) -> str:
        return READY

    def picks(self, ws: Workspace) -> dict[str, float]:
        picks: dict[str, float] = {}
        for i in range(self.processes):
            for task, stamp in read_picks(ws.root / f"picks-{i}.txt").items():
                picks[task] = min(stamp, picks.get(task, stamp))
        return picks

    def settings(self) -> dict[str, object]:
        from tools.bench.client_worker import TUNED_CONFIG

        return {"config": TUNED_CONFIG if self.tuned else "library defaults", "processes": self.processes}

    def counters(self, ws: Workspace) -> dict[str, float]:
        return {}

    def cleanup(self, ws: Workspace) -> None:
        return None


@dataclass(frozen=True)
class Suite:
    """universal_worker, ``creators`` × task_creator --system python, task_tracker."""

    knobs: SuiteKnobs = field(default_factory=SuiteKnobs)
    name: str = "suite"
    label: str = "Exchanger suite"

    def launch(self, ws: Workspace) -> list[Child]:
        config = write_config(
            ws.root, engine_url=ws.engine_url, prefix=ws.prefix, key=ws.key, topic=ws.topic, knobs=self.knobs
        )
        env = clean_env({"EXCHANGER_CONFIG_DIR": str(config)})
        children = [launch("task_tracker", "task_tracker", [], ws.log("task_tracker"), env)]
        for i in range(self.knobs.creators):
            name = f"task_creator{i if self.knobs.creators > 1 else ''}"
            children.append(launch(name, "task_creator", ["--system", SYSTEM], ws.log(name), env))
        children.append(launch("universal_worker", "universal_worker", [], ws.log("universal_worker"), env))
        return children

    def ready_marker(self, child: Child) -> str:
        return "fetch loop started" if child.name == "universal_worker" else "consuming from"

    def picks(self, ws: Workspace) -> dict[str, float]:
        """When each task's message was confirmed by the broker (the worker's ``routed`` line)."""
        return routed_times(ws.log("universal_worker"))

    def settings(self) -> dict[str, object]:
        return self.knobs.as_dict()

    def counters(self, ws: Workspace) -> dict[str, float]:
        """fetchAndLock calls and tasks routed, from the worker's heartbeat (tasks per fetch)."""
        try:
            beat = json.loads((ws.root / "state" / "universal_worker.heartbeat").read_text())
        except (OSError, ValueError):
            return {}
        return {
            "worker_fetches": float(beat.get("fetches", 0)),
            "worker_routed": float(beat.get("routed", 0)),
        }

    def cleanup(self, ws: Workspace) -> None:
        with BrokerAdmin(BrokerSettings(prefix=ws.prefix)) as admin:
            admin.delete_prefixed()


def routed_times(log: Path) -> dict[str, float]:
    """External task id → time of the first JSON ``routed`` log line of the worker naming it."""
    times: dict[str, float] = {}
    if not log.is_file():
        return times
    for line in log.read_text(errors="replace").splitlines():
        if '"routed ' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        message = str(entry.get("msg", ""))
        if not message.startswith("routed "):
            continue
        at = datetime.fromisoformat(entry["ts"]).timestamp()
        for task_id in _ROUTED_TASK.findall(message):
            times.setdefault(task_id, at)
    return times
