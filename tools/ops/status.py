"""``health`` and ``queues``: is everything alive, and where are messages waiting."""

from __future__ import annotations

import click

from core import wiring
from core.errors import ExchangerError
from core.health import check_heartbeat
from core.transport import BrokerAdmin
from tools.ops.context import OpsContext, pass_ops

HEARTBEATS = {"universal_worker": 120.0, "task_tracker": 60.0}


@click.command()
@pass_ops
def health(ops: OpsContext) -> None:
    """Engine, broker and every service heartbeat on this host; exit 1 if anything is down."""
    settings = ops.settings
    problems = 0
    try:
        click.echo(f"engine    ok    {ops.camunda().version()} at {settings.camunda.url}")
    except ExchangerError as err:
        problems += 1
        click.echo(f"engine    DOWN  {err}")
    try:
        with BrokerAdmin(wiring.broker_settings(settings)):
            click.echo(f"broker    ok    {settings.rabbitmq.display_url()}")
    except ExchangerError as err:
        problems += 1
        click.echo(f"broker    DOWN  {err}")
    beats = {**HEARTBEATS, **{p.stem: 30.0 for p in settings.state_dir.glob("task_creator.*.heartbeat")}}
    for name, max_age in sorted(beats.items()):
        ok, reason = check_heartbeat(settings.state_dir / f"{name}.heartbeat", max_age)
        problems += not ok
        click.echo(f"{name:<30} {'ok' if ok else 'DOWN':<5} {reason}")
    raise SystemExit(1 if problems else 0)


@click.command()
@pass_ops
def queues(ops: OpsContext) -> None:
    """Messages waiting and consumers on every queue of the topology."""
    settings = ops.settings
    broker = wiring.broker_settings(settings)
    with BrokerAdmin(broker) as admin:
        click.echo(f"{'queue':<48} {'ready':>8} {'consumers':>10}")
        for queue in wiring.topology(settings).queue_names():
            stats = admin.queue_stats(queue)
            ready, consumers = (stats.messages, stats.consumers) if stats else ("-", "-")
            click.echo(f"{broker.name(queue):<48} {ready!s:>8} {consumers!s:>10}")
