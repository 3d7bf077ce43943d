"""``processes list|stats|start|pause|resume|stop``: deployed processes and their runs."""

from __future__ import annotations

from typing import Any

import click

from core import operations
from tools.ops.context import OpsContext, cli_actor, pass_ops
from tools.ops.output import json_option, print_fields, print_json, print_table, reported
from tools.ops.variables import parse_vars


@click.group()
def processes() -> None:
    """Deployed processes: list them, count their runs, start, pause, resume or stop one."""


@processes.command("list")
@json_option
@pass_ops
def list_processes(ops: OpsContext, as_json: bool) -> None:
    """The latest version of every deployed process."""
    with reported():
        found = operations.list_processes(ops.camunda())
    if as_json:
        return print_json(found)
    rows = [
        (p.key, p.version, p.version_tag, p.name, p.tenant_id, p.suspended, p.definition_id) for p in found
    ]
    print_table(["KEY", "VERSION", "TAG", "NAME", "TENANT", "SUSPENDED", "DEFINITION"], rows)
    return None


@processes.command()
@json_option
@pass_ops
def stats(ops: OpsContext, as_json: bool) -> None:
    """Running instances, open incidents and completed instances per process."""
    with reported():
        found = operations.list_processes(ops.camunda())
    if as_json:
        return print_json(found)
    print_table(
        ["KEY", "TENANT", "RUNNING", "INCIDENTS", "COMPLETED"],
        [(p.key, p.tenant_id, p.running, p.incidents, p.completed) for p in found],
    )
    return None


@processes.command()
@click.argument("key")
@click.option(
    "--var", "variables", multiple=True, callback=parse_vars, metavar="NAME=VALUE", help="repeatable"
)
@click.option("--business-key")
@click.option("--tenant", "tenant_id")
@json_option
@pass_ops
def start(
    ops: OpsContext,
    key: str,
    variables: dict[str, Any],
    business_key: str | None,
    tenant_id: str | None,
    as_json: bool,
) -> None:
    """Start the latest version of process KEY."""
    with reported():
        started = operations.start_process(
            ops.camunda(), key, variables, actor=cli_actor(), business_key=business_key, tenant_id=tenant_id
        )
    if as_json:
        return print_json(started)
    print_fields(
        [
            ("instance", started.id),
            ("definition", started.definition_id),
            ("business key", started.business_key),
        ]
    )
    return None


def _done(done: operations.OperationDone, as_json: bool) -> None:
    if as_json:
        return print_json(done)
    state = "done" if done.done else "accepted (the engine finishes it shortly)"
    click.echo(f"{done.operation} {done.target}: {state}")
    return None


@processes.command()
@click.argument("instance_id")
@json_option
@pass_ops
def pause(ops: OpsContext, instance_id: str, as_json: bool) -> None:
    """Suspend process instance INSTANCE_ID: no worker gets its tasks until it is resumed."""
    with reported():
        _done(operations.pause(ops.camunda(), instance_id, actor=cli_actor()), as_json)


@processes.command()
@click.argument("instance_id")
@json_option
@pass_ops
def resume(ops: OpsContext, instance_id: str, as_json: bool) -> None:
    """Activate the suspended process instance INSTANCE_ID."""
    with reported():
        _done(operations.resume(ops.camunda(), instance_id, actor=cli_actor()), as_json)


@processes.command()
@click.argument("instance_id")
@click.option("--reason", required=True, help="kept in the instance's history")
@json_option
@pass_ops
def stop(ops: OpsContext, instance_id: str, reason: str, as_json: bool) -> None:
    """Cancel process instance INSTANCE_ID (its work items in the systems are closed)."""
    with reported():
        _done(operations.stop(ops.camunda(), instance_id, actor=cli_actor(), reason=reason), as_json)
