"""``validate FILE...``: structure, bpmnlint (second opinion), a trial deployment, and routing."""

from __future__ import annotations

import json
from pathlib import Path

import click

from camunda_sync.cli.common import CliContext, CliFailure, CliInvalid, pass_cli, read_file
from camunda_sync.config.routing import exchanger_routing
from camunda_sync.validate import ValidationReport, validate_bpmn
from core.config.loader import CONFIG_DIR_ENV
from core.config.models import RoutingRule
from core.errors import ConfigError


@click.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--engine/--no-engine", default=True, show_default=True, help="Trial deployment to the engine.")
@click.option("--lint/--no-lint", default=True, show_default=True, help="bpmnlint's recommended rules.")
@click.option("--strict", is_flag=True, help="bpmnlint errors fail the validation too.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@click.option(
    "--routing",
    "routing_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Exchanger's config folder: warn about topics its routing.yaml does not serve "
    f"[default: ${CONFIG_DIR_ENV} or ./config, when it has a routing.yaml].",
)
@click.option("--no-routing", is_flag=True, help="Skip the routing check.")
@pass_cli
def validate(
    cli: CliContext,
    files: tuple[Path, ...],
    engine: bool,
    lint: bool,
    strict: bool,
    as_json: bool,
    routing_dir: Path | None,
    no_routing: bool,
) -> None:
    """Check FILES; the engine's parse errors are shown with line, column and element."""
    config = cli.config()
    routing = None if no_routing else _routing_rules(routing_dir)
    client = cli.engine() if engine else None
    reports: list[ValidationReport] = []
    try:
        for path in files:
            report = validate_bpmn(
                read_file(path),
                source=path.name,
                lint=lint,
                strict_lint=strict,
                engine=client,
                tenant_id=config.deploy.tenant_id,
                routing=routing,
            )
            reports.append(report)
            if not as_json:
                _print(report)
    finally:
        if client is not None:
            client.close()
    if as_json:
        click.echo(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
    invalid = [r.source for r in reports if not r.ok]
    if invalid:
        raise CliInvalid(f"{len(invalid)} of {len(reports)} file(s) invalid: {', '.join(invalid)}")


def _print(report: ValidationReport) -> None:
    click.echo(report.summary())
    for issue in report.issues:
        click.echo(f"  {issue}")


def _routing_rules(folder: Path | None) -> list[RoutingRule] | None:
    """Exchanger's routing rules, read by its own loader; None where there is no Exchanger config."""
    try:
        return exchanger_routing(folder)
    except ConfigError as err:
        raise CliFailure(f"cannot check routing: {err}") from None
