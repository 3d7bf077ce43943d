"""``python -m universal_worker``: fetch external tasks, enrich them, route them to RabbitMQ.

Exit codes: 0 stopped cleanly; 1 crashed (or --check: unhealthy); 2 configuration error;
3 a second signal cut the shutdown short.
"""

from __future__ import annotations

from pathlib import Path

import click

from core.cli import common_options, load_or_exit, run_check, serve
from universal_worker.app import HEARTBEAT_NAME, build_router, run
from universal_worker.routing import render_table


@click.command(name="universal_worker")
@common_options
@click.option(
    "--worker-id",
    help="workerId for fetchAndLock [exchanger-<hostname>]; the tracker keeps only this id's locks"
    " and reads it from worker.worker_id / WORKER_ID, so set it there rather than here",
)
@click.option("--max-tasks", type=int, help="most tasks one fetchAndLock may lock [100]")
@click.option("--print-routing", is_flag=True, help="print the effective routing table and exit")
def main(
    config_dir: Path | None,
    env_file: Path | None,
    log_format: str | None,
    log_level: str | None,
    check: bool,
    worker_id: str | None,
    max_tasks: int | None,
    print_routing: bool,
) -> None:
    """Fetch and lock Camunda external tasks and publish them, enriched, to RabbitMQ."""
    overrides = {
        "logging.format": log_format,
        "logging.level": log_level,
        "worker.worker_id": worker_id,
        "worker.max_tasks": max_tasks,
    }
    settings = load_or_exit(config_dir, env_file, overrides)
    if check:
        run_check(settings, HEARTBEAT_NAME, settings.worker.heartbeat_timeout_s)
    if print_routing:
        click.echo(render_table(build_router(settings).table()))
        return
    serve(HEARTBEAT_NAME, settings, lambda stop: run(settings, stop))


if __name__ == "__main__":
    main()
