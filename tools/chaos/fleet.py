"""The Exchanger services of a chaos run as child processes (``tools.launcher``), set by set.

Each set is what one host runs: a worker, a creator for python, a creator for bitrix24 and a
tracker. The fleet kills and restarts them on the plan's orders and, like systemd's
``Restart=on-failure``, restarts any that exit on their own, counting those exits for the report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from loguru import logger

from tools import launcher

#: Service type → (module, arguments).
SERVICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "worker": ("universal_worker", ()),
    "creator-python": ("task_creator", ("--system", "python")),
    "creator-bitrix24": ("task_creator", ("--system", "bitrix24")),
    "tracker": ("task_tracker", ()),
}
STOP_TIMEOUT_S = 20.0
HEALTHY_TIMEOUT_S = 90.0


@dataclass
class ServiceSet:
    name: str
    env: dict[str, str]
    log_dir: Path
    children: dict[str, launcher.Child] = field(default_factory=dict)

    def start(self, service: str) -> None:
        module, args = SERVICES[service]
        log = self.log_dir / f"{service}.log"
        self.children[service] = launcher.launch(f"{service}@{self.name}", module, args, log, self.env)

    def wait_healthy(self, service: str) -> None:
        module, args = SERVICES[service]
        launcher.wait_healthy(self.children[service], module, args, self.env, timeout=HEALTHY_TIMEOUT_S)


@dataclass
class Fleet:
    sets: list[ServiceSet]
    #: "service@set: exit code N at <unix time>" for every exit nobody ordered.
    unplanned_exits: list[str] = field(default_factory=list)

    def start(self) -> None:
        """Start every service of every set, then wait until each passes its ``--check``."""
        for one in self.sets:
            for service in SERVICES:
                one.start(service)
        for one in self.sets:
            for service in SERVICES:
                one.wait_healthy(service)

    def kill(self, target: str) -> None:
        """SIGKILL ``service@set``."""
        service, one = self._find(target)
        launcher.kill(one.children.pop(service))  # out of the watch until restarted

    def restart(self, target: str) -> None:
        service, one = self._find(target)
        one.start(service)

    def watch(self) -> None:
        """Restart whatever exited without being told to (systemd would), and note it."""
        for one in self.sets:
            for service, child in list(one.children.items()):
                code = child.exited()
                if code is None:
                    continue
                note = f"{service}@{one.name}: exit code {code} at {time.time():.0f}"
                logger.warning("chaos: {} exited on its own; restarting it", note)
                self.unplanned_exits.append(note)
                one.start(service)

    def stop(self) -> None:
        launcher.stop_all([c for one in self.sets for c in one.children.values()], STOP_TIMEOUT_S)

    def _find(self, target: str) -> tuple[str, ServiceSet]:
        service, _, name = target.partition("@")
        one = next((s for s in self.sets if s.name == name), None)
        if one is None or service not in SERVICES:
            raise KeyError(f"no service {target!r} in this fleet")
        return service, one
