"""``convert IN.bpmn -o OUT.bpmn``: any BPMN 2.0 file to executable Camunda 7 BPMN."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from camunda_sync.cli.common import CliContext, CliFailure, pass_cli, read_file, write_file
from camunda_sync.config.routing import exchanger_routing
from camunda_sync.convert import ConversionOptions, ConversionReport, convert_bpmn
from camunda_sync.storm.models import Assignee, assignees_from_edges
from core.config.models import RoutingRule
from core.errors import ConfigError


@click.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout)."
)
@click.option("--process", help="Process to make executable: id, name or pool name (default: the main one).")
@click.option("--process-id", help="New id (definition key) for that process.")
@click.option("--process-name", help="Name for that process when it has none.")
@click.option(
    "--assignees",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="StormBPMN assignee edges (JSON list) for the assignee rules.",
)
@click.option(
    "--report-json", type=click.Path(dir_okay=False, path_type=Path), help="Also write the report as JSON."
)
@pass_cli
def convert(
    cli: CliContext,
    source: Path,
    output: Path | None,
    process: str | None,
    process_id: str | None,
    process_name: str | None,
    assignees: Path | None,
    report_json: Path | None,
) -> None:
    """Convert SOURCE into executable BPMN and print the report of every change and warning."""
    options = ConversionOptions(
        process=process,
        process_id=process_id,
        process_name=process_name,
        assignees=_read_assignees(assignees) if assignees else {},
        routing=_routing(),
        tenant_id=cli.config().deploy.tenant_id,
    )
    result = convert_bpmn(read_file(source), cli.config().converter, options, source=source.name)
    if output is None:
        sys.stdout.buffer.write(result.xml)
        sys.stdout.flush()
    else:
        write_file(output, result.xml)
    _print_report(result.report, to_stderr=output is None)
    if report_json:
        write_file(report_json, json.dumps(result.report.to_json(), ensure_ascii=False, indent=2).encode())


def _print_report(report: ConversionReport, *, to_stderr: bool) -> None:
    for line in report.lines():
        click.echo(line, err=to_stderr)


def _read_assignees(path: Path) -> dict[str, list[Assignee]]:
    """Either the internal API's edge list, or ``{"elementId": ["name", ...]}``."""
    try:
        data: Any = json.loads(read_file(path))
    except ValueError as err:
        raise CliFailure(f"{path}: not JSON: {err}") from None
    if isinstance(data, list):
        return assignees_from_edges([edge for edge in data if isinstance(edge, dict)])
    if isinstance(data, dict):
        return {
            str(k): [Assignee(str(name)) for name in (v if isinstance(v, list) else [v])]
            for k, v in data.items()
        }
    raise CliFailure(f"{path}: expected a list of assignee edges or an object of element ids")


def _routing() -> list[RoutingRule] | None:
    """Exchanger's routing, for yes/no answers in the routed system's own variable."""
    try:
        return exchanger_routing()
    except ConfigError as err:
        raise CliFailure(f"cannot read Exchanger's routing: {err}") from None
