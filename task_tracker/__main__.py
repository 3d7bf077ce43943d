"""``python -m task_tracker``: settle results in the engine, keep tracked locks alive, poll tracked systems.

Exit codes: 0 stopped cleanly; 1 crashed (or --check: unhealthy); 2 configuration error;
3 a second signal cut the shutdown short.
"""

from __future__ import annotations

import threading
from pathlib import Path

import click
from loguru import logger

from core.cli import common_options, load_or_exit, run_check, start_logging
from core.errors import ConfigError, ExchangerError
from core.lifecycle import EXIT_CONFIG, EXIT_ERROR, EXIT_OK, install_stop_handlers
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
    start_logging(HEARTBEAT_NAME, settings)
    stop = threading.Event()
    install_stop_handlers(stop)
    try:
        run(settings, list(systems) or None, stop)
    except ConfigError as err:
        logger.error("configuration error: {}", err)
        raise SystemExit(EXIT_CONFIG) from None
    except ExchangerError as err:
        logger.error("task_tracker stopped: {}", err)
        raise SystemExit(EXIT_ERROR) from None
    raise SystemExit(EXIT_OK)


if __name__ == "__main__":
    main()
