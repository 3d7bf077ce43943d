"""``python -m camunda_sync``: StormBPMN → executable BPMN → Camunda 7 / Operaton."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from camunda_sync.cli.common import CliContext, to_cli_error
from camunda_sync.cli.convert_cmd import convert
from camunda_sync.cli.deploy_cmd import deploy_cmd
from camunda_sync.cli.diff_cmd import diff
from camunda_sync.cli.fetch_cmd import fetch
from camunda_sync.cli.list_cmd import list_cmd
from camunda_sync.cli.sync_cmd import sync
from camunda_sync.cli.validate_cmd import validate
from core.errors import ExchangerError
from core.logs import setup_logging


class SyncGroup(click.Group):
    """Turns every expected error of Exchanger into a ClickException: a message, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ExchangerError as err:
            raise to_cli_error(err) from err


@click.group(cls=SyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CAMUNDA_SYNC_CONFIG",
    help="Settings file [default: config/camunda_sync.yaml; env CAMUNDA_SYNC_CONFIG].",
)
@click.option(
    "--engine-url", help="Engine REST root, e.g. http://127.0.0.1:8080/engine-rest [env CAMUNDA_URL]."
)
@click.option(
    "--state-dir", type=click.Path(file_okay=False, path_type=Path), help="Where sync keeps its state."
)
@click.option("--log-level", default="INFO", show_default=True, help="TRACE, DEBUG, INFO, WARNING or ERROR.")
@click.option("--log-format", type=click.Choice(["auto", "text", "json"]), default="auto", show_default=True)
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: Path | None,
    engine_url: str | None,
    state_dir: Path | None,
    log_level: str,
    log_format: str,
) -> None:
    """Convert modellers' BPMN into executable processes and deploy them to the engine.

    \b
    A modeller's diagram to a running process in three commands:
      camunda_sync convert diagram.bpmn -o process.bpmn
      camunda_sync validate process.bpmn
      camunda_sync deploy process.bpmn
    or, for StormBPMN diagrams selected in config/camunda_sync.yaml:
      camunda_sync sync
    """
    setup_logging("camunda_sync", fmt=log_format, level=log_level)  # type: ignore[arg-type]
    overrides = {"engine.url": engine_url, "sync.state_dir": str(state_dir) if state_dir else None}
    ctx.obj = CliContext(config_path, {key: value for key, value in overrides.items() if value is not None})


for command in (convert, validate, deploy_cmd, sync, list_cmd, fetch, diff):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="camunda_sync")
