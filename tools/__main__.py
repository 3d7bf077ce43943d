"""``python -m tools``: diagnostics and operations for a running Exchanger installation."""

from __future__ import annotations

from pathlib import Path

import click

from tools.ops import logs
from tools.ops.context import OpsContext
from tools.ops.errors import errors
from tools.ops.executions import executions
from tools.ops.incidents import incidents, tasks
from tools.ops.ledger import instance, ledger_stats, where
from tools.ops.processes import processes
from tools.ops.status import health, queues
from tools.ops.submit import submit


@click.group()
@click.option(
    "--config-dir", type=click.Path(file_okay=False, path_type=Path), help="config folder [config/]"
)
@click.option("--env-file", type=click.Path(dir_okay=False, path_type=Path), help=".env file [./.env]")
@click.option("--verbose", "-v", is_flag=True, help="log DEBUG lines (default: warnings and errors only)")
@click.pass_context
def main(ctx: click.Context, config_dir: Path | None, env_file: Path | None, verbose: bool) -> None:
    """Look into a running Exchanger and control its process runs: health, queues, where a task
    is, poison messages, processes, executions, incidents; submit a direct task."""
    logs.configure(verbose)
    ctx.obj = OpsContext(config_dir, env_file)


for command in (
    health,
    queues,
    where,
    instance,
    ledger_stats,
    errors,
    processes,
    executions,
    incidents,
    tasks,
    submit,
):
    main.add_command(command)

if __name__ == "__main__":
    main()
