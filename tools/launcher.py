"""Starts, checks and stops the Exchanger services (and helper programs) as child processes.

The e2e tests' ``Suite``, the demo and the benchmark all start children through this module,
so how a child is launched, logged, health-checked and stopped cannot drift apart again.
Tests may import it; it imports nothing from the tests.
"""

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

ROOT = Path(__file__).resolve().parents[1]
#: The three services by their short names (``worker``, ``creator``, ``tracker``).
SERVICE_MODULES = {
    "worker": "universal_worker",
    "creator": "task_creator",
    "tracker": "task_tracker",
    "api": "api",
}
#: Variables of the caller that would override a child's configuration files.
FOREIGN_PREFIXES = ("EXCHANGER_", "CAMUNDA_", "RABBITMQ_")
CHECK_TIMEOUT_S = 30.0


class LaunchError(RuntimeError):
    """A child process did not come up as it should."""


class ChildExited(LaunchError):
    """The child ended while it was expected to run."""


class NotHealthy(LaunchError):
    """The child's ``--check`` did not pass in time."""


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


def child_env(
    config_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
    *,
    foreign: tuple[str, ...] = FOREIGN_PREFIXES,
) -> dict[str, str]:
    """This process's environment without ``foreign`` variables, able to import the project."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(foreign)}
    env["PYTHONPATH"] = str(ROOT)
    if config_dir is not None:
        env["EXCHANGER_CONFIG_DIR"] = str(config_dir)
    env.update(extra or {})
    return env


def launch(name: str, module: str, args: Iterable[str], log: Path, env: Mapping[str, str]) -> Child:
    """``python -m module args`` with stdout and stderr appended to ``log``."""
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


def passes_check(module: str, args: Iterable[str], env: Mapping[str, str]) -> bool:
    """Whether ``python -m module args --check`` passes (the service's loop runs and beats)."""
    check = subprocess.run(
        [sys.executable, "-m", module, *args, "--check"],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        timeout=CHECK_TIMEOUT_S,
    )
    return check.returncode == 0


def wait_healthy(
    child: Child, module: str, args: Iterable[str], env: Mapping[str, str], *, timeout: float
) -> None:
    """Poll the child's ``--check`` until it passes.

    Raises:
        ChildExited: the child ended first; the message has the end of its log.
        NotHealthy: ``timeout`` seconds went by.
    """
    args = list(args)  # used by every poll
    deadline = time.monotonic() + timeout
    while True:
        code = child.exited()
        if code is not None:
            raise ChildExited(
                f"{child.name} exited with code {code}; end of {child.log}:\n{tail(child.log, 3_000)}"
            )
        if passes_check(module, args, env):
            return
        if time.monotonic() > deadline:
            raise NotHealthy(f"{child.name} did not report healthy within {timeout:.0f} s; see {child.log}")
        time.sleep(0.3)


def terminate(child: Child, timeout: float) -> int:
    """SIGTERM (the services' orderly shutdown) and wait; ``TimeoutExpired`` if it does not end."""
    child.process.send_signal(signal.SIGTERM)
    return child.process.wait(timeout=timeout)


def kill(child: Child, timeout: float = 10) -> int:
    child.process.kill()
    return child.process.wait(timeout=timeout)


def stop_all(children: Iterable[Child], timeout: float) -> None:
    """SIGTERM every running child, wait for them together, then kill what is left."""
    alive = [child for child in children if child.exited() is None]
    for child in alive:
        child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in alive:
        try:
            child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _kill_or_warn(child, timeout)


def _kill_or_warn(child: Child, timeout: float) -> None:
    try:
        kill(child, timeout)
    except subprocess.TimeoutExpired:
        logger.warning("{} (pid {}) did not exit after SIGKILL", child.name, child.pid)


def tail(log: Path, chars: int = 2_000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.is_file() else ""
