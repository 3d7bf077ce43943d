"""The run's surroundings: are the services up, what machine and code is measured, old leftovers."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import time
from datetime import UTC, datetime
from typing import Any

import psutil
import requests
from loguru import logger

from tools.bench.engine import Engine
from tools.bench.suite_config import SuiteKnobs
from tools.bench.timings import engine_time
from tools.launcher import ROOT

BROKER = ("127.0.0.1", 5672)
#: A younger ``bench_*`` deployment may belong to a benchmark running right now in another
#: checkout (the engine is shared); deleting it would wreck that run's scenario.
LEFTOVER_AGE_S = 3600.0


def services_up(engine: Engine) -> bool:
    """Both services answer; otherwise say how to start them."""
    try:
        engine.version()
    except requests.RequestException as err:
        logger.error(
            "the engine at {} does not answer ({}): run scripts/services.sh start camunda", engine.url, err
        )
        return False
    try:
        with socket.create_connection(BROKER, timeout=2):
            pass
    except OSError as err:
        logger.error(
            "RabbitMQ on {}:{} does not answer ({}): run scripts/services.sh start rabbitmq", *BROKER, err
        )
        return False
    return True


def remove_leftovers(engine: Engine, now: float | None = None) -> None:
    """Delete ``bench_*`` deployments (with their history) an interrupted earlier run left behind."""
    for deployment in stale(engine.deployments("bench_%"), time.time() if now is None else now):
        logger.info("removing leftover deployment {}", deployment["name"])
        engine.delete_deployment(deployment["id"])


def stale(deployments: list[dict[str, Any]], now: float) -> list[dict[str, Any]]:
    """Deployments older than LEFTOVER_AGE_S (one without a time counts as old)."""
    return [
        d
        for d in deployments
        if not d.get("deploymentTime") or now - engine_time(d["deploymentTime"]) > LEFTOVER_AGE_S
    ]


def describe(engine: Engine, profile: str, knobs: SuiteKnobs) -> dict[str, Any]:
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": profile,
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "engine_url": engine.url,
        "engine_version": engine.version(),
        "python": platform.python_version(),
        "cpus": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "suite_knobs": knobs.as_dict(),
    }


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return ""
    return out.stdout.strip()
