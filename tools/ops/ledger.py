"""``where`` and ``instance``: what happened to a task, from the ledger and the engine."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from core.errors import CamundaNotFound, ExchangerError
from core.ledger import LedgerEntry
from tools.ops.context import OpsContext, pass_ops


def _show(entry: LedgerEntry) -> None:
    click.echo(f"external task  {entry.external_task_id}")
    click.echo(f"  state        {entry.state}   (record {entry.record_id}, message {entry.message_id})")
    click.echo(f"  process      {entry.process_definition_key} instance {entry.process_instance_id}")
    click.echo(f"  activity     {entry.activity_id}  topic {entry.topic}  system {entry.system}")
    if entry.external_id:
        click.echo(f"  work item    {entry.external_id} {entry.external_url or ''}")
    click.echo(f"  attempts     {entry.attempts}  last error: {entry.last_error or '-'}")
    if entry.claim_owner:
        until = datetime.fromtimestamp(entry.claim_until or 0, UTC).isoformat()
        click.echo(f"  running on   {entry.claim_owner} (lease until {until})")
    if entry.routed_at and entry.state == "routed":
        click.echo(f"  queued since {datetime.fromtimestamp(entry.routed_at, UTC).isoformat()}")
    click.echo(f"  updated      {entry.updated_at.isoformat()} (created {entry.created_at.isoformat()})")


@click.command()
@click.argument("external_task_id")
@pass_ops
def where(ops: OpsContext, external_task_id: str) -> None:
    """Where is external task EXTERNAL_TASK_ID: ledger record and the engine's view."""
    entry = ops.ledger().get(external_task_id)
    if entry is None:
        raise click.ClickException(f"the ledger knows no external task {external_task_id}")
    _show(entry)
    try:
        task = ops.camunda().get_external_task(external_task_id)
        click.echo(
            f"  engine       locked by {task.get('workerId')} until {task.get('lockExpirationTime')}, retries {task.get('retries')}"
        )
    except CamundaNotFound:
        click.echo("  engine       no such task any more (completed, failed over, or instance cancelled)")
    except ExchangerError as err:
        click.echo(f"  engine       unavailable: {err}")


@click.command()
@click.argument("process_instance_id")
@pass_ops
def instance(ops: OpsContext, process_instance_id: str) -> None:
    """Every external task of PROCESS_INSTANCE_ID the ledger has seen, oldest first."""
    entries = ops.ledger().for_instance(process_instance_id)
    if not entries:
        raise click.ClickException(f"the ledger knows no tasks of instance {process_instance_id}")
    for entry in entries:
        _show(entry)


@click.command("ledger-stats")
@pass_ops
def ledger_stats(ops: OpsContext) -> None:
    """How many external tasks are in each state."""
    for state, count in sorted(ops.ledger().counts().items()):
        click.echo(f"{state:<12} {count}")
