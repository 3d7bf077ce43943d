"""``submit SYSTEM TOPIC``: run one system's action without a process (a direct task)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import click

from core.errors import ExchangerError, SubmissionInvalid
from core.intake import DirectRecord, Submitter
from tools.ops.context import OpsContext, cli_actor, pass_ops
from tools.ops.direct import OpenIntake, attempts_of, open_intake, submission_of, wait_final
from tools.ops.output import json_option, print_fields
from tools.ops.variables import parse_vars, parse_vars_json

TIMES = ("created_at", "updated_at", "finished_at", "replied_at")


@click.command()
@click.argument("system")
@click.argument("topic")
@click.option(
    "--var",
    "variables",
    multiple=True,
    callback=parse_vars,
    metavar="NAME=VALUE",
    help="repeatable; VALUE is JSON when it parses (5, true, null, {...}), else text",
)
@click.option("--vars-json", callback=parse_vars_json, metavar="OBJECT", help="variables as one JSON object")
@click.option("--business-key")
@click.option("--key", "idempotency_key", help="idempotency key: the same key returns the same task")
@click.option(
    "--wait",
    is_flag=True,
    help="wait for the outcome; needs the creator for SYSTEM and the tracker running",
)
@click.option(
    "--timeout",
    "timeout_s",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="seconds --wait waits",
)
@json_option
@pass_ops
def submit(
    ops: OpsContext,
    system: str,
    topic: str,
    variables: dict[str, Any],
    vars_json: dict[str, Any],
    business_key: str | None,
    idempotency_key: str | None,
    wait: bool,
    timeout_s: float,
    as_json: bool,
) -> None:
    """Submit a direct task: TOPIC of SYSTEM with the given variables, checked and queued as the
    API does. Prints its id and status; with --wait, its outcome (exit 1 on timeout).
    --var entries win over --vars-json."""
    fields = {
        "system": system,
        "topic": topic,
        "variables": {**vars_json, **variables},
        "business_key": business_key,
        "idempotency_key": idempotency_key,
    }
    with refused(), open_intake(ops.settings) as opened:
        record, created = opened.intake.submit(submission_of(fields), Submitter("cli", cli_actor()))
        if wait:
            record = wait_final(opened.records, record.id, timeout_s)
            if not record.final:
                raise click.ClickException(
                    f"direct task {record.id} is still {record.status} after {timeout_s:g} s: "
                    f"are the creator for {record.system} and the tracker running?"
                )
        show(opened, record, created, as_json=as_json, outcome=wait)


@contextmanager
def refused() -> Iterator[None]:
    """A refused submission: every problem, one per line; any other failure: one line. Exit 1."""
    try:
        yield
    except SubmissionInvalid as err:
        lines = "\n".join(f"  - {problem}" for problem in err.problems)
        raise click.ClickException(f"the submission was refused:\n{lines}") from None
    except ExchangerError as err:
        raise click.ClickException(str(err)) from None


def show(opened: OpenIntake, record: DirectRecord, created: bool, *, as_json: bool, outcome: bool) -> None:
    if as_json:
        data = record_data(record) | {"attempts": attempts_of(opened, record), "replayed": not created}
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    pairs: list[tuple[str, Any]] = [("id", record.id), ("status", record.status)]
    if not created:
        pairs.append(("replayed", "an earlier submission with this key"))
    if outcome:
        pairs.append(("attempts", attempts_of(opened, record)))
        pairs.extend(outcome_pairs(record))
    print_fields(pairs)


def outcome_pairs(record: DirectRecord) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    if record.external_id:
        pairs.append(("work item", record.external_url or record.external_id))
    if record.result is not None:
        pairs.append(("result", record.result))
    if record.error:
        pairs.extend((f"error {name}", value) for name, value in record.error.items() if value)
    return pairs


def record_data(record: DirectRecord) -> dict[str, Any]:
    """The record as JSON data: its times in ISO 8601 (UTC), as the API shows them."""
    data = asdict(record)
    data["status"] = str(record.status)
    for name in TIMES:
        stamp = data[name]
        data[name] = datetime.fromtimestamp(stamp, UTC).isoformat() if stamp is not None else None
    return data
