"""``executions list|show|steps|logs|retry``: process instances, running or finished."""

from __future__ import annotations

from datetime import datetime
from typing import get_args

import click

from core import operations
from tools.ops.context import OpsContext, cli_actor, pass_ops
from tools.ops.output import json_option, print_fields, print_json, print_table, reported


class AwareDateTime(click.ParamType):
    """An ISO 8601 time; without a zone it is local time."""

    name = "datetime"

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time (2026-03-04T05:06:07+03:00)", param, ctx)
        return parsed if parsed.tzinfo else parsed.astimezone()


@click.group()
def executions() -> None:
    """Process instances: list, show, their steps and their log; retry a failed step."""


@executions.command("list")
@click.option("--process", "definition_key", help="process definition key")
@click.option("--state", type=click.Choice(get_args(operations.StateFilter)))
@click.option("--business-key")
@click.option("--tenant", "tenant_id")
@click.option("--started-after", type=AwareDateTime())
@click.option("--started-before", type=AwareDateTime())
@click.option("--offset", default=0, show_default=True, type=click.IntRange(min=0))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@json_option
@pass_ops
def list_executions(ops: OpsContext, /, offset: int, limit: int, as_json: bool, **filters: object) -> None:
    """Instances, newest first, one page at a time."""
    query = operations.ExecutionFilters.model_validate(filters)
    with reported():
        page = operations.list_executions(
            ops.camunda(), query, operations.PageRequest(offset=offset, limit=limit)
        )
    if as_json:
        return print_json(page)
    rows = [(e.id, e.definition_key, e.state, e.business_key, e.started_at, e.ended_at) for e in page.items]
    print_table(["INSTANCE", "PROCESS", "STATE", "BUSINESS KEY", "STARTED", "ENDED"], rows)
    click.echo(f"{offset + 1 if rows else 0}-{offset + len(rows)} of {page.total}")
    return None


@executions.command()
@click.argument("instance_id")
@json_option
@pass_ops
def show(ops: OpsContext, instance_id: str, as_json: bool) -> None:
    """State, current activities, open incidents and variables (secrets masked) of INSTANCE_ID."""
    with reported():
        found = operations.show_execution(ops.camunda(), instance_id)
    if as_json:
        return print_json(found)
    print_fields(
        [
            ("instance", found.id),
            ("process", f"{found.definition_key} ({found.definition_id})"),
            ("state", found.state),
            ("business key", found.business_key),
            ("tenant", found.tenant_id),
            ("started", found.started_at),
            ("ended", found.ended_at),
            ("reason", found.delete_reason),
        ]
    )
    _section(
        "now at",
        ["ACTIVITY", "NAME", "TYPE", "ACTIVITY INSTANCE"],
        [(a.activity_id, a.name, a.type, a.activity_instance_id) for a in found.current_activities],
    )
    _section(
        "incidents",
        ["INCIDENT", "TYPE", "ACTIVITY", "EXTERNAL TASK", "MESSAGE"],
        [(i.id, i.type, i.activity_id, i.external_task_id, i.message) for i in found.incidents],
    )
    _section("variables", ["NAME", "TYPE", "VALUE"], [(v.name, v.type, v.value) for v in found.variables])
    return None


def _section(title: str, headers: list[str], rows: list[tuple[object, ...]]) -> None:
    if rows:
        click.echo(f"\n{title}:")
        print_table(headers, rows)


@executions.command()
@click.argument("instance_id")
@json_option
@pass_ops
def steps(ops: OpsContext, instance_id: str, as_json: bool) -> None:
    """Every activity of INSTANCE_ID with its timing and the system's work item."""
    with reported():
        found = operations.execution_steps(ops.camunda(), ops.ledger(), instance_id)
    if as_json:
        return print_json(found)
    rows = [
        (
            s.activity_id,
            s.type,
            s.started_at,
            s.duration_ms,
            "canceled" if s.canceled else ("open" if s.ended_at is None else "done"),
            s.work.system if s.work else None,
            s.work.state if s.work else None,
            (s.work.external_url or s.work.external_id) if s.work else None,
            s.activity_instance_id,
        )
        for s in found
    ]
    print_table(
        ["ACTIVITY", "TYPE", "STARTED", "MS", "STATUS", "SYSTEM", "LEDGER", "WORK ITEM", "ACTIVITY INSTANCE"],
        rows,
    )
    return None


@executions.command()
@click.argument("instance_id")
@json_option
@pass_ops
def logs(ops: OpsContext, instance_id: str, as_json: bool) -> None:
    """What happened to INSTANCE_ID, oldest first: ledger, engine task log, incidents."""
    with reported():
        found = operations.execution_logs(ops.camunda(), ops.ledger(), instance_id)
    if as_json:
        return print_json(found)
    print_table(
        ["AT", "SOURCE", "ACTIVITY", "KIND", "MESSAGE"],
        [
            (e.at.isoformat(timespec="milliseconds"), e.source, e.activity_id, e.kind, e.message)
            for e in found
        ],
    )
    return None


@executions.command()
@click.argument("instance_id")
@click.argument("activity_instance_id")
@json_option
@pass_ops
def retry(ops: OpsContext, instance_id: str, activity_instance_id: str, as_json: bool) -> None:
    """Retry the failed step ACTIVITY_INSTANCE_ID (see `steps`) of INSTANCE_ID."""
    with reported():
        done = operations.retry_step(ops.camunda(), instance_id, activity_instance_id, actor=cli_actor())
    if as_json:
        return print_json(done)
    click.echo(f"external task {done.external_task_id}: retries set to {done.retries}")
    return None
