"""``python -m tools.bench.raw_loop``: the engine's own ceiling, with no broker and no framework.

A tight loop on pooled keep-alive sessions: fetchAndLock up to ``--max-tasks`` tasks, then
complete each with its variables echoed back (the same engine work the suite causes), one
after the other or ``--threads`` at a time. Runs until SIGTERM; it is a separate process so
its CPU and memory are measured like the suite's.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import click
import requests

from tools.bench.engine import VARIABLE_NAMES
from tools.bench.picks import PickLog, say_ready

LONG_POLL_MS = 30_000
LOCK_MS = 60_000


def fetch_body(worker_id: str, topic: str, key: str, max_tasks: int) -> dict[str, Any]:
    return {
        "workerId": worker_id,
        "maxTasks": max_tasks,
        "usePriority": False,
        "asyncResponseTimeout": LONG_POLL_MS,
        "topics": [
            {
                "topicName": topic,
                "lockDuration": LOCK_MS,
                "processDefinitionKey": key,
                "variables": list(VARIABLE_NAMES),
            }
        ],
    }


class Completer:
    """Completes tasks on one keep-alive session per thread."""

    def __init__(self, url: str, worker_id: str) -> None:
        self._url = url
        self._worker_id = worker_id
        self._local = threading.local()

    def complete(self, task: dict[str, Any]) -> None:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        response = session.post(
            f"{self._url}/external-task/{task['id']}/complete",
            json={"workerId": self._worker_id, "variables": task["variables"]},
            timeout=30,
        )
        response.raise_for_status()


def run(url: str, body: dict[str, Any], picks: PickLog, threads: int) -> None:
    session = requests.Session()
    completer = Completer(url, body["workerId"])
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    while True:
        response = session.post(
            f"{url}/external-task/fetchAndLock", json=body, timeout=LONG_POLL_MS / 1000 + 10
        )
        response.raise_for_status()
        tasks = response.json()
        for task in tasks:
            picks.picked(task["id"])
        if pool is None:
            for task in tasks:
                completer.complete(task)
        else:
            list(pool.map(completer.complete, tasks))


@click.command()
@click.option("--url", required=True, help="engine REST root")
@click.option("--topic", required=True)
@click.option("--key", required=True, help="process definition key to fetch from")
@click.option("--worker-id", required=True)
@click.option("--max-tasks", type=int, default=100, show_default=True)
@click.option("--threads", type=int, default=1, show_default=True, help="completes in flight at once")
@click.option("--picks", "picks_path", type=click.Path(path_type=Path), required=True)
def main(
    url: str, topic: str, key: str, worker_id: str, max_tasks: int, threads: int, picks_path: Path
) -> None:
    """Fetch and complete benchmark tasks as fast as the engine allows."""
    picks = PickLog(picks_path)
    say_ready()
    run(url.rstrip("/"), fetch_body(worker_id, topic, key, max_tasks), picks, threads)


if __name__ == "__main__":
    main()
