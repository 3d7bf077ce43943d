"""Runs the Exchanger processes as separate programs against the real services, per test.

Each suite has its own config folder, state folder (ledger, heartbeats, logs) and broker
prefix, so tests cannot see each other's messages; ``close`` stops every process and
deletes the suite's queues.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.transport import BrokerAdmin, BrokerSettings
from core.transport.connection import close_quietly, open_blocking
from tests.support.services import ENGINE_URLS
from tools import launcher
from tools.launcher import SERVICE_MODULES as MODULES


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
            "tracker": {"lock_check_interval_s": 0.5, **(tracker or {})},
            "api": api or {},
            "metrics": {"port": 0},  # any free port: the heartbeat names it (metrics_url)
            "ledger": ledger or {},  # none: SQLite under state_dir
        }
        (self.config_dir / "exchanger.yaml").write_text(yaml.safe_dump(general))
        (self.config_dir / "systems.yaml").write_text(yaml.safe_dump({"systems": systems}))
        (self.config_dir / "routing.yaml").write_text(yaml.safe_dump({"rules": rules}))

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
        """Wait until the process's --check passes (its loop runs and beats)."""
        try:
            launcher.wait_healthy(self._child(name), MODULES[name], args, self.env(), timeout=timeout)
        except launcher.LaunchError as err:
            raise AssertionError(str(err)) from None  # a test failure, as before the launcher

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
