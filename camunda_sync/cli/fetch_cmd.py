"""``fetch DIAGRAM_ID``: a StormBPMN diagram's XML, as it is or converted like sync does."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from camunda_sync.cli.common import CliContext, pass_cli, write_file
from camunda_sync.sync.runner import convert_diagram


@click.command()
@click.argument("diagram_id")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here (default: stdout)."
)
@click.option("--convert", "do_convert", is_flag=True, help="Convert it the way sync would deploy it.")
@pass_cli
def fetch(cli: CliContext, diagram_id: str, output: Path | None, do_convert: bool) -> None:
    """Download DIAGRAM_ID (one request of the 5-per-minute budget; 2 with --convert on the internal API)."""
    source = cli.storm()
    diagram = source.get_diagram(diagram_id)
    data = diagram.xml.encode("utf-8")
    if do_convert:
        result = convert_diagram(cli.config(), source, diagram)
        data = result.xml
        for line in result.report.lines():
            click.echo(line, err=True)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_file(output, data)
        click.echo(f"{diagram.name} (version {diagram.summary.version}) → {output}")
