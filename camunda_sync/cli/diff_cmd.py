"""``diff SOURCE``: what changed between the deployed process and a diagram (file or StormBPMN id)."""

from __future__ import annotations

from pathlib import Path

import click

from camunda_sync.cli.common import CliContext, CliFailure, pass_cli, read_file
from camunda_sync.convert import ConversionResult, convert_bpmn
from camunda_sync.diff import diff_models, unified_diff
from camunda_sync.sync.runner import convert_diagram
from core.errors import CamundaNotFound


@click.command()
@click.argument("source")
@click.option(
    "--key", help="Compare with this process definition key (default: the file's executable processes)."
)
@click.option("--unified", is_flag=True, help="Also print a line-by-line diff of the XML.")
@pass_cli
def diff(cli: CliContext, source: str, key: str | None, unified: bool) -> None:
    """Compare SOURCE, converted, with the latest deployed version of its process."""
    result = _converted(cli, source)
    keys = [key] if key else result.report.executable_processes
    if not keys:
        raise CliFailure(f"{source}: no executable process to compare")
    client = cli.engine()
    try:
        for process_key in keys:
            try:
                deployed = client.process_definition_xml_by_key(process_key, cli.config().deploy.tenant_id)
            except CamundaNotFound:
                click.echo(f"{process_key}: not deployed yet; everything is new")
                continue
            _print_diff(process_key, deployed.encode("utf-8"), result.xml, unified)
    finally:
        client.close()


def _converted(cli: CliContext, source: str) -> ConversionResult:
    path = Path(source)
    if path.is_file():
        return convert_bpmn(read_file(path), cli.config().converter, source=path.name)
    storm = cli.storm()
    return convert_diagram(cli.config(), storm, storm.get_diagram(source))


def _print_diff(key: str, deployed: bytes, new: bytes, unified: bool) -> None:
    changes = diff_models(deployed, new)
    click.echo(f"{key}: {len(changes)} change(s)" if changes else f"{key}: no differences")
    for line in changes:
        click.echo(f"  {line}")
    if unified:
        for line in unified_diff(deployed, new, name=f"{key}.bpmn"):
            click.echo(line)
