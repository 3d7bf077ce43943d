"""The pipeline with its ledger in PostgreSQL: worker, creator and tracker as separate processes
share one database (as they would on several hosts) instead of an SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.camunda import CamundaClient
from core.ledger import TaskState
from core.ledger.postgres import PostgresLedger
from tests.e2e.conftest import python_system
from tests.e2e.test_pipeline import deploy, finished, start_all
from tests.support.bpmn import Step
from tests.support.handlers import counts
from tests.support.services import POSTGRES_PASSWORD
from tests.support.suite import Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

INSTANCES = 200


def test_instances_complete_once_each_with_the_ledger_in_postgresql(
    suite: Suite, camunda: CamundaClient, unique: str, effects_db: str, postgres_dsn: str
) -> None:
    # Given the suite configured with ledger: {dsn: postgresql://…} and a two-step process
    key = f"p{unique}"
    suite.configure(
        systems={"python": python_system(Path(effects_db))},
        rules=[{"topic": "e2e.*", "system": "python"}],
        worker={"process_definition_keys": [key]},
        ledger={"dsn": postgres_dsn},
    )
    deploy(camunda, key, [Step("one", "e2e.count"), Step("two", "e2e.count")])
    instances = [camunda.start_process_instance(key, variables={"n": i})["id"] for i in range(INSTANCES)]

    # When the services run
    start_all(suite)
    wait_for(
        lambda: finished(camunda, key) == INSTANCES, timeout=240, interval=1, what="every instance to finish"
    )

    # Then every task had its effect once, the ledger in PostgreSQL holds every record completed
    tasks = 2 * INSTANCES
    assert counts(effects_db) == {"calls": tasks, "tasks": tasks, "effects": tasks}
    assert camunda.history_variables(instances[3])["doubled"] == 6
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    ledger = PostgresLedger(postgres_dsn)
    try:
        wait_for(lambda: ledger.counts() == {"completed": tasks}, timeout=30, what="every record completed")
        assert {
            entry.process_instance_id for entry in ledger.in_states("python", [TaskState.COMPLETED])
        } == set(instances)
    finally:
        ledger.close()
    assert not (suite.state_dir / "ledger.sqlite3").exists(), "no SQLite ledger beside it"
    for name in ("worker", "creator", "tracker"):
        assert POSTGRES_PASSWORD not in suite.log_path(name).read_text(), f"{name} logged the password"
