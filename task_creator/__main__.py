"""``python -m task_creator --system NAME``: call the external systems for queued tasks.

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
from task_creator.app import HEARTBEAT_NAME, run

HEARTBEAT_MAX_AGE_S = 30.0


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
    start_logging(HEARTBEAT_NAME, settings)
    stop = threading.Event()
    install_stop_handlers(stop)
    try:
        run(settings, list(systems), stop)
    except ConfigError as err:
        logger.error("configuration error: {}", err)
        raise SystemExit(EXIT_CONFIG) from None
    except ExchangerError as err:
        logger.error("task_creator stopped: {}", err)
        raise SystemExit(EXIT_ERROR) from None
    raise SystemExit(EXIT_OK)


if __name__ == "__main__":
    main()
