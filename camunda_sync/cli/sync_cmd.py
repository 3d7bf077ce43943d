"""``sync``: StormBPMN diagrams selected in the config → engine, only when they changed."""

from __future__ import annotations

from collections import Counter

import click

from camunda_sync.cli.common import CliContext, CliFailure, pass_cli
from camunda_sync.sync import SyncRunner, SyncState, sync_lock


@click.command()
@click.option(
    "--dry-run", is_flag=True, help="Fetch, convert and validate (trial deployment); deploy nothing."
)
@click.option("--force", is_flag=True, help="Fetch and deploy even diagrams that did not change.")
@pass_cli
def sync(cli: CliContext, dry_run: bool, force: bool) -> None:
    """Sync the selected diagrams; exits 1 when any of them failed (for a systemd timer)."""
    config = cli.config()
    state_dir = config.sync.state_dir
    with sync_lock(state_dir):
        source = cli.storm()
        engine = cli.engine()
        try:
            outcomes = SyncRunner(config, source, engine, SyncState.load(state_dir)).run(
                dry_run=dry_run, force=force
            )
        finally:
            engine.close()
    for outcome in outcomes:
        click.echo(outcome.line())
        for warning in outcome.warnings:
            click.echo(f"    {warning}")
    counts = Counter(outcome.action for outcome in outcomes)
    summary = ", ".join(f"{n} {action}" for action, n in sorted(counts.items())) or "no diagram selected"
    click.echo(f"sync{' (dry run)' if dry_run else ''}: {summary}")
    if counts["failed"]:
        raise CliFailure(f"{counts['failed']} diagram(s) failed")
