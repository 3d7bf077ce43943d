"""Direct tasks in the demo: a few submitted without any process, run by the demo's own services.

They go through the API's :class:`DirectIntake` (as ``tools submit`` does), so the creator
that runs the processes' tasks runs these too and the tracker settles them by record.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click

from core.config import AppSettings
from core.contracts.direct import Submission
from core.intake import DirectRecord, Submitter
from tools.ops.direct import OpenIntake, attempts_of, open_intake, wait_final

SUBMITTER = Submitter("cli", "demo")


@dataclass(frozen=True)
class DirectTask:
    system: str
    topic: str
    variables: dict[str, Any]
    shows: tuple[str, ...] = ()  # the result fields worth printing


TASKS = (
    DirectTask(
        "python",
        "demo.validate_order",
        {
            "customer": "c7",
            "items": [{"category": "tools", "price": 120.5}, {"category": "books", "price": 899}],
        },
        ("order_total", "big_order"),
    ),
    DirectTask("python", "demo.validate_order", {"customer": "c8", "items": []}),  # the error path
    DirectTask(
        "bitrix24",
        "bitrix24.lead.create",
        {"phone": "+7 999 555-01-23", "full_name": "Ольга Соколова", "lead_title": "Call back, no process"},
        ("bitrix_lead_id",),
    ),
)


def run_direct(settings: AppSettings, environment: Mapping[str, str], timeout_s: float) -> int:
    """Submit :data:`TASKS`, print each outcome once final; the number that did not finish."""
    began = time.monotonic()
    # The systems read their credentials from this process's environment when their routers load.
    with environ(environment), open_intake(settings) as opened:
        records = [opened.intake.submit(submission(task), SUBMITTER)[0] for task in TASKS]
        deadline = began + timeout_s
        finished = [wait_final(opened.records, r.id, max(0.0, deadline - time.monotonic())) for r in records]
        lines = [outcome_line(opened, task, record) for task, record in zip(TASKS, finished, strict=True)]
    click.echo(
        f"direct tasks (no process, through the API's intake), done in {time.monotonic() - began:.1f} s:"
    )
    for line in lines:
        click.echo(f"  {line}")
    return sum(not record.final for record in finished)


def submission(task: DirectTask) -> Submission:
    return Submission(system=task.system, topic=task.topic, variables=task.variables)


def outcome_line(opened: OpenIntake, task: DirectTask, record: DirectRecord) -> str:
    attempts = attempts_of(opened, record)
    tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
    head = f"{task.topic}: {record.status}{tries}"
    if not record.final:
        return f"{head}, not finished in time (record {record.id})"
    if record.error:
        return f"{head}, {record.error.get('code') or 'error'}: {record.error.get('message')}"
    result = record.result or {}
    return ", ".join([head, *(f"{name}={result.get(name)}" for name in task.shows)])


@contextmanager
def environ(values: Mapping[str, str]) -> Iterator[None]:
    """``values`` in ``os.environ`` for the block; what was there before comes back after."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
