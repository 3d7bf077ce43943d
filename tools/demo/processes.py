"""Starts and stops the Exchanger services as child processes (demo and local runs)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ServiceGroup:
    """Child processes sharing one environment; logs go to ``log_dir/<name>.log``."""

    env: dict[str, str]
    log_dir: Path
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, module: str, *args: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{name}.log", "ab") as log:
            self.children[name] = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def healthy(self, name: str, module: str, *args: str) -> bool:
        if self.children[name].poll() is not None:
            raise RuntimeError(
                f"{name} exited with code {self.children[name].returncode}; see {self.log_dir / name}.log"
            )
        check = subprocess.run(
            [sys.executable, "-m", module, *args, "--check"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            timeout=30,
        )
        return check.returncode == 0

    def wait_healthy(self, name: str, module: str, *args: str, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.healthy(name, module, *args):
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{name} did not become healthy in {timeout_s:.0f} s; see {self.log_dir / name}.log"
                )
            time.sleep(0.3)

    def stop_all(self, timeout_s: float = 60) -> None:
        """SIGTERM everything (orderly shutdown), then wait; kill what does not stop in time."""
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                child.kill()
        self.children.clear()
