"""``python -m task_creator --system NAME``: call the external systems for queued tasks.

Exit codes: 0 stopped cleanly; 1 crashed (or --check: unhealthy); 2 configuration error;
3 a second signal cut the shutdown short.
"""

from __future__ import annotations

from pathlib import Path

import click

from core.cli import common_options, load_or_exit, run_check, serve
from task_creator.app import HEARTBEAT_MAX_AGE_S, HEARTBEAT_NAME, run


@click.command(name="task_creator")
@common_options
@click.option("--system", "systems", multiple=True, required=True, help="system to serve (repeatable)")
def main(
    config_dir: Path | None,
    env_file: Path | None,
    log_format: str | None,
    log_level: str | None,
    check: bool,
    systems: tuple[str, ...],
) -> None:
    """Consume <system>.queue, call the system, publish results to <system>.sent.queue."""
    settings = load_or_exit(config_dir, env_file, {"logging.format": log_format, "logging.level": log_level})
    if check:
        run_check(settings, f"{HEARTBEAT_NAME}.{'+'.join(systems)}", HEARTBEAT_MAX_AGE_S)
    serve(HEARTBEAT_NAME, settings, lambda stop: run(settings, list(systems), stop))


if __name__ == "__main__":
    main()
