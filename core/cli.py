"""Command-line conventions shared by the services (click): common options, config errors."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from loguru import logger

from core.config import AppSettings, load_settings
from core.errors import ConfigError, ExchangerError
from core.health import check_heartbeat
from core.lifecycle import EXIT_CONFIG, EXIT_ERROR, EXIT_OK, EXIT_UNHEALTHY, install_stop_handlers
from core.logs import setup_logging

F = TypeVar("F", bound=Callable[..., Any])


def common_options(func: F) -> F:
    """--config-dir, --env-file, --log-format, --log-level and --check for every service."""
    options = [
        click.option(
            "--config-dir",
            type=click.Path(file_okay=False, path_type=Path),
            help="folder with exchanger.yaml, systems.yaml, routing.yaml [config/ or EXCHANGER_CONFIG_DIR]",
        ),
        click.option(
            "--env-file", type=click.Path(dir_okay=False, path_type=Path), help="a .env file to read [./.env]"
        ),
        click.option(
            "--log-format",
            type=click.Choice(["auto", "text", "json"]),
            help="text on a terminal, JSON for journald [auto]",
        ),
        click.option(
            "--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False)
        ),
        click.option(
            "--check", is_flag=True, help="exit 0 if the running service's heartbeat is fresh, else 1"
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def load_or_exit(
    config_dir: Path | None, env_file: Path | None, overrides: Mapping[str, Any] | None = None
) -> AppSettings:
    """Validated settings, or a one-line error naming the key and its source and exit code 2."""
    try:
        return load_settings(config_dir, env_file=env_file, overrides=overrides)
    except ConfigError as err:
        click.echo(f"configuration error: {err}", err=True)
        raise SystemExit(EXIT_CONFIG) from None


def start_logging(service: str, settings: AppSettings) -> None:
    setup_logging(service, fmt=settings.logging.format, level=settings.logging.level)


def run_check(settings: AppSettings, heartbeat_name: str, max_age_s: float) -> None:
    """The --check flag: report the heartbeat's state and exit."""
    ok, reason = check_heartbeat(settings.state_dir / f"{heartbeat_name}.heartbeat", max_age_s)
    click.echo(f"{heartbeat_name}: {reason}")
    raise SystemExit(EXIT_OK if ok else EXIT_UNHEALTHY)


def serve(service: str, settings: AppSettings, body: Callable[[threading.Event], None]) -> NoReturn:
    """Run a service's ``body`` until SIGTERM/SIGINT and exit with the documented code.

    0 clean stop, 1 crash on an Exchanger error, 2 configuration error (see core.lifecycle).
    """
    start_logging(service, settings)
    stop = threading.Event()
    install_stop_handlers(stop)
    try:
        body(stop)
    except ConfigError as err:
        logger.error("configuration error: {}", err)
        raise SystemExit(EXIT_CONFIG) from None
    except ExchangerError as err:
        logger.error("{} stopped: {}", service, err)
        raise SystemExit(EXIT_ERROR) from None
    raise SystemExit(EXIT_OK)
