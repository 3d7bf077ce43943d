"""The demo's services as one group of child processes (see ``tools.launcher``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tools import launcher


@dataclass
class ServiceGroup:
    """Child processes sharing one environment; logs go to ``log_dir/<name>.log``."""

    env: dict[str, str]
    log_dir: Path
    children: dict[str, launcher.Child] = field(default_factory=dict)

    def start(self, name: str, module: str, *args: str) -> None:
        self.children[name] = launcher.launch(name, module, args, self.log_dir / f"{name}.log", self.env)

    def wait_healthy(self, name: str, module: str, *args: str, timeout_s: float = 60) -> None:
        launcher.wait_healthy(self.children[name], module, args, self.env, timeout=timeout_s)

    def stop_all(self, timeout_s: float = 60) -> None:
        """SIGTERM everything (orderly shutdown), then wait; kill what does not stop in time."""
        launcher.stop_all(self.children.values(), timeout_s)
        self.children.clear()
