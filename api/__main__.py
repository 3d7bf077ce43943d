"""``python -m api``: the HTTP API (direct tasks, run control) and the broker intake queue.

Exit codes: 0 stopped cleanly; 1 crashed (or --check: unhealthy); 2 configuration error;
3 a second signal cut the shutdown short.
"""

from __future__ import annotations

from pathlib import Path

import click

from api.service import HEARTBEAT_NAME, run
from core.cli import common_options, load_or_exit, run_check, serve


@click.command(name="api")
@common_options
@click.option("--host", help="listen address [api.host, 127.0.0.1]")
@click.option("--port", type=click.IntRange(1, 65535), help="listen port [api.port, 8088]")
def main(
    config_dir: Path | None,
    env_file: Path | None,
    log_format: str | None,
    log_level: str | None,
    check: bool,
    host: str | None,
    port: int | None,
) -> None:
    """Serve /v1/tasks (direct intake), /v1/processes and /v1/executions (run control), /docs."""
    overrides = {"logging.format": log_format, "logging.level": log_level, "api.host": host, "api.port": port}
    settings = load_or_exit(config_dir, env_file, overrides)
    if check:
        run_check(settings, HEARTBEAT_NAME, settings.api.heartbeat_timeout_s)
    serve(HEARTBEAT_NAME, settings, lambda stop: run(settings, stop))


if __name__ == "__main__":
    main()
