"""``incidents list|retry`` and ``tasks unlock``: what failed, and giving it another go."""

from __future__ import annotations

import click

from core import operations
from tools.ops.context import OpsContext, cli_actor, pass_ops
from tools.ops.output import json_option, print_json, print_table, reported


@click.group()
def incidents() -> None:
    """Open incidents: list them, retry one."""


@incidents.command("list")
@click.option("--process", "process_key", help="process definition key")
@click.option("--instance", "instance_id", help="process instance id")
@json_option
@pass_ops
def list_incidents(ops: OpsContext, process_key: str | None, instance_id: str | None, as_json: bool) -> None:
    """Open incidents, oldest first."""
    with reported():
        found = operations.list_incidents(ops.camunda(), process_key=process_key, instance_id=instance_id)
    if as_json:
        return print_json(found)
    rows = [
        (i.id, i.type, i.process_instance_id, i.activity_id, i.external_task_id, i.created_at, i.message)
        for i in found
    ]
    print_table(["INCIDENT", "TYPE", "INSTANCE", "ACTIVITY", "EXTERNAL TASK", "CREATED", "MESSAGE"], rows)
    return None


@incidents.command()
@click.argument("incident_id")
@json_option
@pass_ops
def retry(ops: OpsContext, incident_id: str, as_json: bool) -> None:
    """Give the external task behind INCIDENT_ID one more try (the incident resolves)."""
    with reported():
        done = operations.retry_incident(ops.camunda(), incident_id, actor=cli_actor())
    if as_json:
        return print_json(done)
    click.echo(f"external task {done.external_task_id}: retries set to {done.retries}")
    return None


@click.group()
def tasks() -> None:
    """External tasks in the engine."""


@tasks.command()
@click.argument("task_id")
@json_option
@pass_ops
def unlock(ops: OpsContext, task_id: str, as_json: bool) -> None:
    """Free the locked external task TASK_ID: the next fetch of any worker gets it."""
    with reported():
        done = operations.unlock_task(ops.camunda(), task_id, actor=cli_actor())
    if as_json:
        return print_json(done)
    click.echo(f"unlock {task_id}: done")
    return None
