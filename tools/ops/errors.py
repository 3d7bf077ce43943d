"""``errors list`` and ``errors replay``: inspect poison messages, send fixed ones back."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from core import wiring
from core.transport import Publisher
from core.transport.connection import close_quietly, open_blocking
from core.transport.topology import ERRORS_QUEUE
from tools.ops.context import OpsContext, pass_ops

Taken = list[tuple[int, dict[str, Any]]]


@click.group()
def errors() -> None:
    """Messages in errors.camunda_tasks.queue."""


@contextmanager
def _taken(ops: OpsContext, limit: int) -> Iterator[tuple[Taken, Any]]:
    """Up to ``limit`` envelopes, unacked; whatever the caller does not ack goes back on exit."""
    broker = wiring.broker_settings(ops.settings)
    connection = open_blocking(broker, "tools-errors")
    try:
        channel = connection.channel()
        found: Taken = []
        for _ in range(limit):
            method, _properties, body = channel.basic_get(broker.name(ERRORS_QUEUE), auto_ack=False)
            if method is None:
                break
            found.append((method.delivery_tag, json.loads(body)))
        yield found, channel
    finally:
        close_quietly(connection)  # unacked messages return to the queue when the channel closes


@errors.command("list")
@click.option("--limit", default=20, show_default=True)
@pass_ops
def list_errors(ops: OpsContext, limit: int) -> None:
    """Show the reason and an excerpt of each message (they stay in the queue)."""
    with _taken(ops, limit) as (found, _channel):
        for _tag, envelope in found:
            click.echo(
                f"- {envelope.get('at')} from {envelope.get('source_queue')} by {envelope.get('component')}"
            )
            click.echo(f"  reason:  {envelope.get('reason')}")
            click.echo(f"  message: {str(envelope.get('original_excerpt'))[:160]}")
    click.echo(f"{len(found)} message(s) shown")


@errors.command()
@click.option("--limit", default=100, show_default=True)
@pass_ops
def replay(ops: OpsContext, limit: int) -> None:
    """Publish each original message back to its source queue, then remove it here."""
    replayed = 0
    with (
        _taken(ops, limit) as (found, channel),
        Publisher(wiring.broker_settings(ops.settings), "tools-replay") as publisher,
    ):
        for tag, envelope in found:
            body = base64.b64decode(envelope["original_base64"])
            message_id = envelope.get("original_message_id") or f"replay-{tag}"
            publisher.publish("", envelope["source_queue"], body, message_id=message_id)
            channel.basic_ack(tag)  # only after the broker confirmed the replayed copy
            replayed += 1
    click.echo(f"{replayed} message(s) replayed")
