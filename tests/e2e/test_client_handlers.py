"""A module written for camunda-external-task-client-python3 runs unchanged: worker, creator, tracker."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from core.camunda import CamundaClient
from tests.e2e.conftest import python_system
from tests.e2e.test_pipeline import deploy, finished, start_all
from tests.support.bpmn import Step
from tests.support.suite import Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

MODULE = "tests.support.client_handlers"  # as the library's README writes a worker


def test_a_client_library_module_completes_fails_and_throws(
    suite: Suite, camunda: CamundaClient, unique: str, tmp_path: Path
) -> None:
    key = f"p{unique}"
    options = {
        "client_handlers": {
            "e2e.client.score": f"{MODULE}:handle_task",
            "e2e.client.reject": f"{MODULE}:handle_bpmn_error_task",
        }
    }
    suite.configure(
        systems={"python": python_system(tmp_path / "effects.sqlite3", options=options)},
        rules=[{"topic": "e2e.client.*", "system": "python"}],
        worker={"process_definition_keys": [key]},
    )
    steps = [
        Step("score", "e2e.client.score"),
        Step("reject", "e2e.client.reject", catches=("BPMN_ERROR_CODE",)),
    ]
    deploy(camunda, key, steps)
    passed = camunda.start_process_instance(key, variables={"score": 120})["id"]
    failed = camunda.start_process_instance(key, variables={"score": 5})["id"]
    start_all(suite)

    wait_for(lambda: finished(camunda, key) == 1, timeout=60, what="the scored instance to finish")
    values = camunda.history_variables(passed)
    assert values["var2"] == "value" and values["limits"] == {"max": 5000, "tiers": [1, 2]}
    assert values["var1"] == "value1" and values["success"] is False  # the BPMN error's variables
    rows = requests.get(
        f"{camunda.settings.base_url}/history/variable-instance",
        params={"processInstanceId": passed, "deserializeValues": "false"},
        timeout=10,
    ).json()
    types = {row["name"]: (row["type"], row["valueInfo"].get("objectTypeName")) for row in rows}
    assert types["limits"] == ("Object", "java.util.LinkedHashMap") and types["var2"] == ("String", None)
    path = {row["activityId"] for row in camunda.history_activity_instances(passed)}
    assert "End_Boundary_reject_BPMN_ERROR_CODE" in path and "end" not in path

    incidents = wait_for(
        lambda: camunda.list_incidents(processInstanceId=failed), timeout=90, what="the failure's incident"
    )
    assert "task failed" in incidents[0]["incidentMessage"]
