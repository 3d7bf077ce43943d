"""``python -m tools.bench.client_worker``: the baseline users know.

``camunda-external-task-client-python3``'s synchronous ``ExternalTaskWorker`` completing the
benchmark tasks with their variables echoed back, either with the library's defaults or
with the settings a user would tune for throughput. Runs until SIGTERM (the library's loop
has no other way out).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import click
from camunda.external_task.external_task_worker import ExternalTaskWorker

from tools.bench.engine import VARIABLE_NAMES
from tools.bench.picks import PickLog, say_ready

#: What a user tunes for throughput: lock many tasks per fetch, fetch only the variables the
#: handler needs, skip extension properties and value deserialisation it does not use.
TUNED_CONFIG: dict[str, Any] = {
    "maxTasks": 100,
    "lockDuration": 60_000,
    "includeExtensionProperties": False,
    "deserializeValues": False,
}


def log_only_trouble() -> None:
    """Warnings, and the library's "error fetching … retrying after N seconds" (logged at INFO
    with a traceback), reach the log; its per-task INFO chatter does not."""
    handler = logging.StreamHandler()
    handler.addFilter(lambda record: record.levelno >= logging.WARNING or record.exc_info is not None)
    logging.basicConfig(
        level=logging.INFO, handlers=[handler], format="%(asctime)s %(levelname)s %(message)s"
    )


@click.command()
@click.option("--url", required=True, help="engine REST root")
@click.option("--topic", required=True)
@click.option("--worker-id", required=True)
@click.option("--tuned", is_flag=True, help="use TUNED_CONFIG instead of the library's defaults")
@click.option("--picks", "picks_path", type=click.Path(path_type=Path), required=True)
def main(url: str, topic: str, worker_id: str, tuned: bool, picks_path: Path) -> None:
    """Complete benchmark tasks with the client library (sequential, one task at a time)."""
    log_only_trouble()
    picks = PickLog(picks_path)

    def echo(task: Any) -> Any:
        picks.picked(task.get_task_id())
        return task.complete(task.get_variables())

    worker = ExternalTaskWorker(worker_id, url.rstrip("/"), dict(TUNED_CONFIG) if tuned else None)
    say_ready()
    worker.subscribe(topic, echo, variables=list(VARIABLE_NAMES) if tuned else None)


if __name__ == "__main__":
    main()
