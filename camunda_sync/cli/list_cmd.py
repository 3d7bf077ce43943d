"""``list``: StormBPMN diagrams, whether sync selects them, and what it last deployed."""

from __future__ import annotations

import click

from camunda_sync.cli.common import CliContext, pass_cli
from camunda_sync.sync import SyncState, is_selected


@click.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also diagrams the selection leaves out.")
@pass_cli
def list_cmd(cli: CliContext, show_all: bool) -> None:
    """List diagrams: [x] selected, its folder, version, and the last synced revision."""
    config = cli.config()
    state = SyncState.load(config.sync.state_dir)
    shown = 0
    for summary in cli.storm().list_diagrams():
        selected = is_selected(summary, config.selection)
        if not (selected or show_all):
            continue
        synced = state.diagrams.get(summary.id)
        mark = "[x]" if selected else "[ ]"
        last = f" synced {synced.revision} → {', '.join(synced.definitions) or 'unchanged'}" if synced else ""
        click.echo(f"{mark} {summary.id}  {summary.folder or '-'} / {summary.name}  {summary.revision}{last}")
        shown += 1
    if not shown:
        click.echo("no diagram selected (see selection in the config, or use --all)")
