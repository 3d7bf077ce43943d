"""Starting and stopping the measured programs as child processes, each with its own log file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

ROOT = Path(__file__).resolve().parents[2]
STOP_TIMEOUT_S = 10.0
#: Variables of the caller that must not leak into a measured program's configuration.
FOREIGN_PREFIXES = ("EXCHANGER_", "CAMUNDA_", "RABBITMQ_", "LEDGER_")


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> int | None:
        return self.process.poll()


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def launch(name: str, module: str, args: Iterable[str], log: Path, env: Mapping[str, str]) -> Child:
    """``python -m module args`` with stdout and stderr going to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:  # the child keeps its own handle
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Child(name, process, log)


def stop(children: Iterable[Child], timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM every child, wait for them together, then kill what is left.

    The measurement is over by now: a worker still in its long poll is not waited for.
    """
    alive = [child for child in children if child.exited() is None]
    for child in alive:
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in alive:
        try:
            child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.process.kill()
            try:
                child.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                logger.warning("{} (pid {}) did not exit after SIGKILL", child.name, child.pid)


def tail(log: Path, chars: int = 2_000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.is_file() else ""
