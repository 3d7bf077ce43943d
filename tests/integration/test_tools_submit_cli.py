"""``python -m tools submit`` against the real broker, and once with a creator and tracker running.

Without services the proof is the task message on the system's queue (drained here); with
them it is the completed result ``--wait`` prints, and the effect counted in the handlers' table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from core import wiring
from core.camunda import CamundaClient
from core.config import AppSettings, load_settings
from core.intake import DirectRecord, DirectStore
from core.transport.topology import system_queue
from tests.e2e.conftest import python_system
from tests.integration.broker_fixtures import delete_everything_with_prefix
from tests.support.api import WEBHOOK, write_config
from tests.support.handlers import counts
from tests.support.suite import Suite, drain
from tools.__main__ import main

pytestmark = pytest.mark.integration
ID_LINE = re.compile(r"^id\s+([0-9a-f-]{36})$", re.MULTILINE)


@dataclass
class Installation:
    """A config folder the CLI reads, and what it points at (broker prefix, records)."""

    config: Path
    settings: AppSettings

    def run(self, *args: str) -> Result:
        command = ["--config-dir", str(self.config), "submit", *args]
        return CliRunner().invoke(main, command, catch_exceptions=False)

    def queued(self, system: str) -> list[dict[str, Any]]:
        """Every task message on the system's queue, taken off it."""
        broker = wiring.broker_settings(self.settings)
        return [body for _message_id, body in drain(broker, system_queue(system))]

    def record(self, record_id: str) -> DirectRecord:
        store = DirectStore.open(self.settings.ledger_dsn())
        try:
            return store.get(record_id)
        finally:
            store.close()


@pytest.fixture
def installation(
    tmp_path: Path, rabbitmq: str, unique: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Installation]:
    """python (the test handlers) and bitrix24 (for its declared lead inputs); no service runs."""
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", WEBHOOK)  # the bitrix24 router reads it when built
    python = {
        "kind": "immediate",
        "options": {"handler_modules": ["tests.support.handlers"], "effects_db": str(tmp_path / "fx.db")},
    }
    bitrix24 = {"kind": "tracked", "options": {"webhook_env": "BITRIX24_WEBHOOK_URL"}}
    folder = tmp_path / "config"
    write_config(
        folder,
        state_dir=tmp_path / "state",
        prefix=f"cli{unique}.",
        systems={"python": python, "bitrix24": bitrix24},
        api={},
    )
    found = Installation(folder, load_settings(folder))
    yield found
    delete_everything_with_prefix(wiring.broker_settings(found.settings))


def submitted_id(result: Result) -> str:
    assert result.exit_code == 0, result.output
    found = ID_LINE.search(result.stdout)
    assert found, result.stdout
    return found.group(1)


def field(output: str, label: str) -> str:
    """The value of one ``label  value`` line of the table output."""
    return next(line[len(label) :].strip() for line in output.splitlines() if line.startswith(label + " "))


def test_a_python_submission_lands_on_the_system_queue_with_typed_variables(
    installation: Installation,
) -> None:
    result = installation.run(
        "python",
        "e2e.count",
        *("--var", "n=5", "--var", "phone=+79161234567", "--var", "flag=true", "--var", "nothing=null"),
        *("--var", 'order={"items": [1, 2]}', "--var", "ratio=0.5", "--var", "city=Kazan"),
        *("--var", "odd=NaN", "--var", "zip=007", "--business-key", "order-7"),
    )
    record_id = submitted_id(result)
    assert field(result.stdout, "status") == "queued"

    (message,) = installation.queued("python")
    assert message["origin"] == "direct"
    assert (message["task"]["id"], message["task"]["topic"]) == (record_id, "e2e.count")
    assert message["task"]["business_key"] == "order-7"
    variables = {name: (v["type"], v.get("value")) for name, v in message["variables"].items()}
    assert variables["n"] == ("Integer", 5)
    assert variables["phone"] == ("String", "+79161234567")  # JSON has no leading "+": text
    assert variables["flag"] == ("Boolean", True)
    assert variables["nothing"][0] == "Null"
    assert variables["order"][0] == "Json" and json.loads(variables["order"][1]) == {"items": [1, 2]}
    assert variables["ratio"] == ("Double", 0.5)
    assert variables["city"] == ("String", "Kazan")
    assert variables["odd"] == ("String", "NaN")  # Python's json would read NaN; no engine holds it
    assert variables["zip"] == ("String", "007")  # not a JSON number: leading zeros

    stored = installation.record(record_id)
    assert (stored.channel, stored.status) == ("cli", "queued")
    assert stored.submitted_by.startswith("cli:")


def test_json_output_vars_json_and_the_idempotency_key(installation: Installation) -> None:
    args = ("python", "e2e.count", "--vars-json", '{"n": 1, "tags": ["a"]}', "--var", "n=2")
    first = installation.run(*args, "--key", "k-1", "--json")
    assert first.exit_code == 0, first.output
    shown = json.loads(first.stdout)
    assert (shown["status"], shown["channel"], shown["replayed"]) == ("queued", "cli", False)
    assert shown["variables"] == {"n": 2, "tags": ["a"]}  # --var wins over --vars-json
    assert shown["idempotency_key"] == "k-1" and shown["created_at"].endswith("+00:00")

    again = installation.run(*args, "--key", "k-1")
    assert submitted_id(again) == shown["id"]
    assert "an earlier submission with this key" in again.stdout
    assert len(installation.queued("python")) == 1  # one task message for both

    clash = installation.run("python", "e2e.count", "--var", "n=3", "--key", "k-1")
    assert clash.exit_code == 1 and clash.stdout == ""
    assert "different submission" in clash.stderr and shown["id"] in clash.stderr


def test_a_refused_submission_lists_every_problem_and_queues_nothing(installation: Installation) -> None:
    refused = installation.run("bitrix24", "bitrix24.lead.update", "--var", "phone=79161234567")
    assert refused.exit_code == 1 and refused.stdout == ""
    lines = refused.stderr.splitlines()
    assert "refused" in lines[0]
    assert lines[1:] == [
        "  - variables.bitrix_lead_id: required",
        "  - variables.phone: expected string, got integer",
    ]
    unknown = installation.run("python", "e2e.nope")
    assert unknown.exit_code == 1 and "topic: system 'python' has no topic 'e2e.nope'" in unknown.stderr
    assert installation.queued("bitrix24") == [] and installation.queued("python") == []
    assert installation.run("python", "e2e.count", "--vars-json", "[1]").exit_code == 2
    assert installation.run("python", "e2e.count", "--var", "no-equals-sign").exit_code == 2


def test_wait_without_a_creator_times_out_naming_the_task(installation: Installation) -> None:
    waited = installation.run("python", "e2e.count", "--var", "n=1", "--wait", "--timeout", "0.5")
    assert waited.exit_code == 1 and waited.stdout == ""
    (line,) = waited.stderr.splitlines()
    (message,) = installation.queued("python")
    assert f"direct task {message['task']['id']} is still queued after 0.5 s" in line


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, camunda: CamundaClient, unique: str) -> Iterator[Suite]:
    # Direct tasks only: no process runs, so one engine (the tracker's, for its checks) is enough.
    suite = Suite(tmp_path, prefix=f"e2e{unique}.", engine="camunda")
    suite.configure(systems={"python": python_system(tmp_path / "effects.sqlite3")}, rules=[])
    yield suite
    suite.close()


@pytest.mark.e2e
def test_wait_prints_the_completed_result_of_a_running_creator_and_tracker(suite: Suite) -> None:
    services = (("creator", ("--system", "python")), ("tracker", ()))
    for name, args in services:
        suite.start(name, *args)
    suite.wait_all_healthy(services)
    cli = Installation(suite.config_dir, load_settings(suite.config_dir))

    waited = cli.run("python", "e2e.count", "--var", "n=21", "--wait", "--timeout", "60")
    assert waited.exit_code == 0, waited.output
    assert (field(waited.stdout, "status"), field(waited.stdout, "attempts")) == ("completed", "1")
    assert json.loads(field(waited.stdout, "result"))["doubled"] == 42

    as_json = cli.run("python", "e2e.count", "--var", "n=4", "--wait", "--json")
    assert as_json.exit_code == 0, as_json.output
    done = json.loads(as_json.stdout)
    assert (done["status"], done["attempts"], done["result"]["doubled"]) == ("completed", 1, 8)
    assert done["finished_at"] is not None
    assert counts(str(suite.root / "effects.sqlite3"))["effects"] == 2  # each ran once
