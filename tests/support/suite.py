"""Runs the Exchanger processes as separate programs against the real services, per test.

Each suite has its own config folder, state folder (ledger, heartbeats, logs) and broker
prefix, so tests cannot see each other's messages; ``close`` stops every process and
deletes the suite's queues.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.transport import BrokerAdmin, BrokerSettings
from core.transport.connection import close_quietly, open_blocking
from tests.support.services import ENGINE_URLS
from tests.support.waiting import wait_for
from tools import launcher
from tools.launcher import SERVICE_MODULES as MODULES

#: A claim lease for tests that kill a creator: its tasks are taken over after this, not after
#: the 30 s default. Renewed every 2 s (a third of it, on the runtime's 1 s tick), so a live
#: creator's claim survives a missed renewal on a loaded machine.
SHORT_CLAIM_LEASE_S = 6.0
#: The least time a --check gets once the child beats, even if the wait for the beat used the timeout.
MIN_CHECK_S = 5.0


@dataclass
class Suite:
    root: Path
    prefix: str
    # Which engine the services use (a key of ENGINE_URLS): no default, so that no suite of a test
    # parametrized over the engines talks to Camunda while the test itself talks to Operaton.
    engine: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # What the services read from the environment beyond the config dir (a system's credentials).
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    def configure(
        self,
        *,
        systems: dict[str, Any],
        rules: list[dict[str, Any]],
        worker: dict[str, Any] | None = None,
        creator: dict[str, Any] | None = None,
        tracker: dict[str, Any] | None = None,
        api: dict[str, Any] | None = None,
        ledger: dict[str, Any] | None = None,
    ) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        general = {
            "state_dir": str(self.state_dir),
            "camunda": {"url": ENGINE_URLS[self.engine]},
            "rabbitmq": {"prefix": self.prefix},
            "logging": {"format": "json", "level": "INFO"},
            "worker": {
                "async_response_timeout_ms": 2_000,
                "topic_discovery_interval_s": 1,
                "max_tasks": 100,
                "worker_id": f"worker-{self.prefix}",
                **(worker or {}),
            },
            "creator": creator or {},
            "tracker": {"lock_check_interval_s": 0.5, **(tracker or {})},
            "api": api or {},
            "metrics": {"port": 0},  # any free port: the heartbeat names it (metrics_url)
            "ledger": ledger or {},  # none: SQLite under state_dir
        }
        (self.config_dir / "exchanger.yaml").write_text(yaml.safe_dump(general))
        (self.config_dir / "systems.yaml").write_text(yaml.safe_dump({"systems": systems}))
        (self.config_dir / "routing.yaml").write_text(yaml.safe_dump({"rules": rules}))

    def set_creator(self, **settings: Any) -> None:
        """Change the creator settings of a configured suite; creators started from now read them."""
        path = self.config_dir / "exchanger.yaml"
        general = yaml.safe_load(path.read_text())
        general["creator"] = {**general["creator"], **settings}
        path.write_text(yaml.safe_dump(general))

    def env(self) -> dict[str, str]:
        return {**launcher.child_env(self.config_dir), **self.extra_env}

    def start(self, name: str, *args: str, label: str | None = None) -> subprocess.Popen[bytes]:
        """Start a process (``worker``, ``creator``, ``tracker``); its output goes to a log file.

        ``label`` names a second instance of the same service (its own log and handle).
        """
        label = label or name
        child = launcher.launch(label, MODULES[name], args, self.log_path(label), self.env())
        self.processes[label] = child.process
        return child.process

    def metrics_url(self, heartbeat: str) -> str:
        """The metrics endpoint a running service wrote into its heartbeat (e.g. ``task_tracker``)."""
        body = json.loads((self.state_dir / f"{heartbeat}.heartbeat").read_text())
        return str(body["metrics_url"])

    def log_path(self, name: str) -> Path:
        return self.state_dir / f"{name}.log"

    def log_lines(self, name: str) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log_path(name).read_text(errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"msg": raw})
        return lines

    def stop(self, name: str, *, timeout: float = 60) -> int:
        return launcher.terminate(self._child(name, pop=True), timeout)

    def kill(self, name: str) -> None:
        launcher.kill(self._child(name, pop=True))

    def wait_healthy(self, name: str, *args: str, timeout: float = 30) -> None:
        """Wait until the process's --check passes (its loop runs and beats).

        The check is a Python process of its own (about a second of CPU): it runs once the child's
        heartbeat shows up, not every 0.3 s while the child starts on the same cores.
        """
        child = self._child(name)
        deadline = time.monotonic() + timeout
        # No beat in time is not the verdict: the --check below says why, with the log tail.
        with contextlib.suppress(AssertionError):
            wait_for(
                lambda: child.exited() is not None or self._beats(child.pid),
                timeout=timeout,
                interval=0.1,
                what=f"{name}'s first heartbeat",
            )
        left = max(deadline - time.monotonic(), MIN_CHECK_S)
        try:
            launcher.wait_healthy(child, MODULES[name], args, self.env(), timeout=left)
        except launcher.LaunchError as err:
            raise AssertionError(str(err)) from None  # a test failure, as before the launcher

    def _beats(self, pid: int) -> bool:
        """Whether a heartbeat in the state folder was written by process ``pid``."""
        for path in self.state_dir.glob("*.heartbeat"):
            try:
                if json.loads(path.read_text()).get("pid") == pid:
                    return True
            except (OSError, ValueError):  # replaced meanwhile
                continue
        return False

    def wait_all_healthy(self, services: Sequence[tuple[str, Sequence[str]]], *, timeout: float = 30) -> None:
        """Wait for several processes at once (``(name, args)`` each, as for ``wait_healthy``).

        Each has its own ``timeout``; the first that fails fails the test with its name and log
        tail. Checks that are still polling then stop by themselves when ``close`` kills their
        process (or at their timeout).
        """
        pool = ThreadPoolExecutor(max_workers=max(len(services), 1), thread_name_prefix="wait-healthy")
        try:
            waits = [pool.submit(self.wait_healthy, name, *args, timeout=timeout) for name, args in services]
            for done in as_completed(waits):
                done.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _child(self, name: str, *, pop: bool = False) -> launcher.Child:
        process = self.processes.pop(name) if pop else self.processes[name]
        return launcher.Child(name, process, self.log_path(name))

    def broker(self) -> BrokerSettings:
        return BrokerSettings(prefix=self.prefix)

    def queue_depth(self, queue: str) -> int:
        with BrokerAdmin(self.broker()) as admin:
            return admin.queue_depth(queue) or 0

    def close(self) -> None:
        for name in list(self.processes):
            child = self._child(name, pop=True)
            if child.exited() is None:
                launcher.kill(child)
        with BrokerAdmin(self.broker()) as admin:
            admin.delete_prefixed()


def drain(settings: BrokerSettings, queue: str) -> list[tuple[str | None, dict[str, Any]]]:
    """Take every message off ``queue`` (base name): (message id, parsed JSON body) in order."""
    connection = open_blocking(settings, "test-drain")
    try:
        channel = connection.channel()
        messages: list[tuple[str | None, dict[str, Any]]] = []
        while True:
            method, properties, body = channel.basic_get(settings.name(queue), auto_ack=True)
            if method is None:
                return messages
            messages.append((properties.message_id, json.loads(body)))
    finally:
        close_quietly(connection)
