"""``python -m task_tracker``: settle results in the engine, keep tracked locks alive, poll tracked systems.

Exit codes: 0 stopped cleanly; 1 crashed (or --check: unhealthy); 2 configuration error;
3 a second signal cut the shutdown short.
"""

from __future__ import annotations

from pathlib import Path

import click

from core.cli import common_options, load_or_exit, run_check, serve
from task_tracker.app import HEARTBEAT_NAME, run


@click.command(name="task_tracker")
@common_options
@click.option(
    "--system", "systems", multiple=True, help="limit to these systems (repeatable) [all in systems.yaml]"
)
def main(
    config_dir: Path | None,
    env_file: Path | None,
    log_format: str | None,
    log_level: str | None,
    check: bool,
    systems: tuple[str, ...],
) -> None:
    """Complete, fail or raise BPMN errors on tasks in the engine from result and response messages."""
    settings = load_or_exit(config_dir, env_file, {"logging.format": log_format, "logging.level": log_level})
    if check:
        run_check(settings, HEARTBEAT_NAME, settings.tracker.heartbeat_timeout_s)
    serve(HEARTBEAT_NAME, settings, lambda stop: run(settings, list(systems) or None, stop))


if __name__ == "__main__":
    main()
