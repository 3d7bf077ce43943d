"""``python -m tools`` commands against the real broker, engine and a ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from core.camunda import CamundaClient
from core.ledger import RoutedTask, SqliteLedger
from core.poison import error_envelope
from core.transport import BrokerAdmin, BrokerSettings, Publisher
from core.transport.topology import Topology
from tests.support.suite import drain
from tools.__main__ import main

pytestmark = pytest.mark.integration


@pytest.fixture
def setup(tmp_path: Path, rabbitmq: str, camunda: CamundaClient, unique: str):
    prefix = f"ops{unique}."
    config = tmp_path / "config"
    config.mkdir()
    (config / "exchanger.yaml").write_text(
        yaml.safe_dump({"state_dir": str(tmp_path / "state"), "rabbitmq": {"prefix": prefix}})
    )
    (config / "systems.yaml").write_text(yaml.safe_dump({"systems": {"python": {}}}))
    (config / "routing.yaml").write_text(yaml.safe_dump({"rules": [{"topic": "x", "system": "python"}]}))
    broker = BrokerSettings(prefix=prefix)
    with BrokerAdmin(broker) as admin:
        admin.declare(Topology.for_systems(["python"]))
    yield config, broker, tmp_path / "state"
    with BrokerAdmin(broker) as admin:
        admin.delete_prefixed()


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config-dir", str(config), *args], catch_exceptions=False)


def test_health_reports_the_services_and_fails_without_heartbeats(setup) -> None:
    config, _broker, _state = setup
    result = run(config, "health")
    assert result.exit_code == 1
    assert "engine    ok    7.24" in result.output and "broker    ok" in result.output
    assert "universal_worker" in result.output and "not running" in result.output


def test_queues_shows_waiting_messages(setup) -> None:
    config, broker, _state = setup
    with Publisher(broker) as publisher:
        publisher.publish("", "python.queue", b"{}", message_id="m1")
    result = run(config, "queues")
    line = next(
        row for row in result.output.splitlines() if row.startswith(broker.name("python.queue") + " ")
    )
    assert line.split()[1:] == ["1", "0"]


def test_where_and_instance_show_the_ledger_record(setup) -> None:
    config, _broker, state = setup
    ledger = SqliteLedger(state / "ledger.sqlite3")
    ledger.record_routed(
        RoutedTask(
            external_task_id="task-1",
            message_id="msg-1",
            system="python",
            topic="x",
            process_instance_id="inst-1",
            process_definition_key="proc",
            activity_id="act",
            worker_id="w",
            lock_duration_ms=1000,
        )
    )
    where = run(config, "where", "task-1")
    assert where.exit_code == 0 and "routed" in where.output and "msg-1" in where.output
    assert "queued since" in where.output and "running on" not in where.output
    assert "no such task any more" in where.output  # the engine never had it
    assert "act" in run(config, "instance", "inst-1").output
    assert run(config, "where", "nope").exit_code == 1
    assert "routed       1" in run(config, "ledger-stats").output


def test_errors_list_keeps_and_replay_moves_poison_messages(setup) -> None:
    config, broker, _state = setup
    envelope = error_envelope(
        reason="schema says no", component="test", queue="python.queue", body=b'{"bad": 1}', message_id="m9"
    )
    with Publisher(broker) as publisher:
        publisher.publish_many([envelope])
    listed = run(config, "errors", "list")
    assert "schema says no" in listed.output and "1 message(s) shown" in listed.output
    replayed = run(config, "errors", "replay")
    assert "1 message(s) replayed" in replayed.output
    assert [(mid, body) for mid, body in drain(broker, "python.queue")] == [("m9", {"bad": 1})]
    assert drain(broker, "errors.camunda_tasks.queue") == []
    assert json.loads(envelope.body)["original_excerpt"] == '{"bad": 1}'
