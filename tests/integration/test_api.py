"""The HTTP API in-process (FastAPI's TestClient) over the real engine, broker and ledger.

Direct submissions are checked, stored and published here (no creator runs: the message on
the system's queue is the proof); tests/e2e/test_direct_intake.py runs them to the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.camunda import CamundaClient, FetchTopic
from core.transport.topology import system_queue
from tests.integration.broker_fixtures import delete_everything_with_prefix, get_one
from tests.support.api import (
    OPERATE,
    READ,
    WEBHOOK,
    InProcessApi,
    api_env,
    in_process_api,
    signed,
    write_config,
)
from tests.support.bpmn import Step, chain_process
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
WORKER = "api-test"
MAX_BODY = 4_096


@pytest.fixture
def api(
    tmp_path: Path, rabbitmq: str, camunda: CamundaClient, unique: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InProcessApi]:
    monkeypatch.setenv("BITRIX24_WEBHOOK_URL", WEBHOOK)  # systems read their secrets from the process
    python = {
        "kind": "immediate",
        "options": {"handler_modules": ["tests.support.handlers"], "effects_db": str(tmp_path / "fx.db")},
    }
    bitrix24 = {"kind": "tracked", "options": {"webhook_env": "BITRIX24_WEBHOOK_URL"}}
    write_config(
        tmp_path / "config",
        state_dir=tmp_path / "state",
        prefix=f"api{unique}.",
        systems={"python": python, "bitrix24": bitrix24},
        api={"max_body_bytes": MAX_BODY, "page_limit": 5},
    )
    with in_process_api(tmp_path / "config", api_env()) as found:
        yield found
        delete_everything_with_prefix(found.broker)


def submit(api: InProcessApi, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {**OPERATE, **({"Idempotency-Key": key} if key else {})}
    return api.client.post("/v1/tasks", json=body, headers=headers)


def queued(api: InProcessApi, system: str) -> list[dict[str, Any]]:
    messages = []
    while (got := get_one(api.broker, system_queue(system))) is not None:
        messages.append(json.loads(got[2]))
    return messages


# -- direct intake --------------------------------------------------------------------------


def test_a_submission_is_stored_published_once_and_replayed_by_its_key(api: InProcessApi) -> None:
    body = {"system": "python", "topic": "e2e.count", "variables": {"n": 3}, "business_key": "order-7"}
    first = submit(api, body, key="k-1")
    assert first.status_code == 202, first.text
    accepted = first.json()
    assert accepted["status"] == "queued"
    assert accepted["status_url"].endswith(f"/v1/tasks/{accepted['id']}")
    assert "Idempotent-Replayed" not in first.headers

    again = submit(api, body, key="k-1")
    assert again.status_code == 202 and again.json()["id"] == accepted["id"]
    assert again.headers["Idempotent-Replayed"] == "true"

    (message,) = queued(api, "python")  # one message for both submissions
    assert message["origin"] == "direct"
    assert message["task"]["id"] == accepted["id"] and message["task"]["topic"] == "e2e.count"
    assert message["task"]["business_key"] == "order-7"
    assert message["variables"]["n"] == {"type": "Integer", "value": 3}

    shown = api.client.get(accepted["status_url"], headers=READ).json()
    assert (shown["status"], shown["system"], shown["channel"]) == ("queued", "python", "rest")
    assert shown["submitted_by"] == "ops"
    assert api.ledger.get(accepted["id"]).is_direct  # type: ignore[union-attr]


def test_the_same_key_with_another_submission_is_a_conflict(api: InProcessApi) -> None:
    assert (
        submit(api, {"system": "python", "topic": "e2e.count", "variables": {"n": 1}}, "k").status_code == 202
    )
    clash = submit(api, {"system": "python", "topic": "e2e.count", "variables": {"n": 2}}, "k")
    assert clash.status_code == 409 and "k" in clash.json()["detail"]


def test_422_lists_every_problem_of_a_lead_submission(api: InProcessApi) -> None:
    body = {"system": "bitrix24", "topic": "bitrix24.lead.update", "variables": {"phone": 79161234567}}
    answer = submit(api, body)
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        "variables.bitrix_lead_id: required",
        "variables.phone: expected string, got integer",
    ]
    assert queued(api, "bitrix24") == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"system": "onec", "topic": "x"}, "system: 'onec' is not configured (configured: bitrix24, python)"),
        ({"system": "python", "topic": "e2e.nope"}, "topic: system 'python' has no topic 'e2e.nope'"),
        ({"topic": "e2e.count", "variables": []}, "body.system: Field required"),
        ({"topic": "e2e.count", "variables": []}, "body.variables: Input should be a valid dictionary"),
    ],
)
def test_unknown_systems_topics_and_malformed_fields_are_422(
    api: InProcessApi, body: dict[str, Any], problem: str
) -> None:
    answer = submit(api, body)
    assert answer.status_code == 422
    assert any(p.startswith(problem) for p in answer.json()["problems"]), answer.json()


def test_a_body_that_is_not_json_is_422_and_an_oversized_one_413(api: InProcessApi) -> None:
    broken = api.client.post(
        "/v1/tasks", content=b"{not json", headers={**OPERATE, "Content-Type": "application/json"}
    )
    assert broken.status_code == 422 and "JSON" in json.dumps(broken.json())
    big = {"system": "python", "topic": "e2e.count", "variables": {"blob": "x" * MAX_BODY}}
    oversized = submit(api, big)
    assert oversized.status_code == 413
    assert oversized.json() == {"detail": f"the request body is larger than {MAX_BODY} bytes"}
    assert queued(api, "python") == []


def test_tasks_are_listed_newest_first_filtered_and_paged(api: InProcessApi) -> None:
    ids = [
        submit(api, {"system": "python", "topic": "e2e.count", "variables": {"n": n}}).json()["id"]
        for n in range(7)
    ]
    first = api.client.get("/v1/tasks", params={"system": "python", "limit": 50}, headers=READ).json()
    assert (first["total"], first["limit"]) == (7, 5)  # the configured page limit caps it
    second = api.client.get("/v1/tasks", params={"system": "python", "offset": 5}, headers=READ).json()
    assert [t["id"] for t in first["items"] + second["items"]] == ids[::-1]
    done = api.client.get("/v1/tasks", params={"status": "completed"}, headers=READ).json()
    assert done["total"] == 0
    assert api.client.get("/v1/tasks/nope", headers=READ).status_code == 404


# -- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "method", "path", "status", "reason"),
    [
        ({}, "GET", "/v1/tasks", 401, "a bearer token is required"),
        ({"Authorization": "Bearer wrong-token-0123456789"}, "GET", "/v1/tasks", 401, "not valid"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "GET", "/v1/processes", 401, "bearer token"),
        (READ, "POST", "/v1/tasks", 403, "needs the role 'operate'"),
        (READ, "POST", "/v1/executions/x/pause", 403, "needs the role 'operate'"),
        ("jwt-expired", "GET", "/v1/tasks", 401, "expired"),
        ("jwt-other-audience", "GET", "/v1/tasks", 401, "not valid"),
        ("jwt-read", "POST", "/v1/processes/x/start", 403, "needs the role 'operate'"),
        ("jwt-read", "GET", "/v1/tasks", 200, None),
        ("jwt-operate", "POST", "/v1/tasks", 422, None),  # allowed in; the empty body is the problem
        (READ, "GET", "/v1/tasks", 200, None),
    ],
)
def test_the_auth_matrix(
    api: InProcessApi, headers: dict[str, str] | str, method: str, path: str, status: int, reason: str | None
) -> None:
    tokens = {
        "jwt-expired": signed(expires_in=-60),
        "jwt-other-audience": signed(audience="someone-else"),
        "jwt-read": signed(roles=["read"]),
        "jwt-operate": signed(roles=["operate"]),
    }
    if isinstance(headers, str):
        headers = {"Authorization": f"Bearer {tokens[headers]}"}
    answer = api.client.request(method, path, headers=headers, json={} if method == "POST" else None)
    assert answer.status_code == status, answer.text
    if reason:
        assert reason in answer.json()["detail"]
    if status == 401:
        assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_health_and_the_openapi_document_need_no_token(api: InProcessApi) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    paths = api.client.get("/openapi.json").json()["paths"]
    assert {"/v1/tasks", "/v1/executions/{instance_id}/steps/{activity_instance_id}/retry"} <= set(paths)
    assert api.client.get("/docs").status_code == 200


# -- control of runs ------------------------------------------------------------------------


def deploy(camunda: CamundaClient, key: str) -> str:
    step = Step("work", f"work-{key}", name="Do the work")
    camunda.create_deployment(f"api-{key}", {f"{key}.bpmn": chain_process(key, [step]).encode()})
    return step.topic


def fetchable(camunda: CamundaClient, topic: str) -> list[Any]:
    return camunda.fetch_and_lock(WORKER, [FetchTopic(topic, 60_000)], max_tasks=5)


def test_every_control_endpoint_on_a_real_instance(
    api: InProcessApi, camunda: CamundaClient, unique: str
) -> None:
    key = f"apictl{unique}"
    topic = deploy(camunda, key)
    client = api.client
    started = client.post(
        f"/v1/processes/{key}/start",
        json={"variables": {"amount": 5, "api_token": "s3cret-value"}, "business_key": "b-1"},
        headers=OPERATE,
    )
    assert started.status_code == 201, started.text
    instance = started.json()["id"]
    (process,) = [p for p in client.get("/v1/processes", headers=READ).json() if p["key"] == key]
    assert process["running"] == 1

    listed = client.get(
        "/v1/executions", params={"definition_key": key, "business_key": "b-1"}, headers=READ
    ).json()
    assert [e["id"] for e in listed["items"]] == [instance]
    shown = client.get(f"/v1/executions/{instance}", headers=READ).json()
    assert shown["state"] == "running"
    assert {v["name"]: v["value"] for v in shown["variables"]}["api_token"] != "s3cret-value"

    # pause: its external task cannot be fetched; resume: it can
    assert client.post(f"/v1/executions/{instance}/pause", headers=OPERATE).json()["operation"] == "pause"
    assert fetchable(camunda, topic) == []
    client.post(f"/v1/executions/{instance}/resume", headers=OPERATE).raise_for_status()
    (task,) = fetchable(camunda, topic)
    camunda.failure(task.id, WORKER, error_message="the system said no", retries=0)

    incidents = client.get("/v1/incidents", params={"instance_id": instance}, headers=READ).json()
    assert [i["message"] for i in incidents] == ["the system said no"]
    steps = client.get(f"/v1/executions/{instance}/steps", headers=READ).json()
    (work,) = [s for s in steps if s["activity_id"] == "work"]
    retried = client.post(
        f"/v1/executions/{instance}/steps/{work['activity_instance_id']}/retry", headers=OPERATE
    )
    assert retried.status_code == 200, retried.text
    assert retried.json()["external_task_id"] == task.id
    assert client.get("/v1/incidents", params={"instance_id": instance}, headers=READ).json() == []
    logs = client.get(f"/v1/executions/{instance}/logs", headers=READ).json()
    assert any("the system said no" in event["message"] for event in logs)

    stopped = client.post(
        f"/v1/executions/{instance}/stop", json={"reason": "customer withdrew"}, headers=OPERATE
    )
    assert stopped.status_code == 200, stopped.text
    after = wait_for(
        lambda: (s := client.get(f"/v1/executions/{instance}", headers=READ).json())["state"] == "cancelled"
        and s,
        timeout=15,
        what="the instance to be cancelled",
    )
    assert after["delete_reason"] == "customer withdrew"


def test_unknown_targets_are_404_and_refusals_409(api: InProcessApi, unique: str) -> None:
    client = api.client
    assert client.get(f"/v1/executions/nope{unique}", headers=READ).status_code == 404
    assert client.post(f"/v1/processes/nope{unique}/start", json={}, headers=OPERATE).status_code == 404
    assert client.post(f"/v1/executions/nope{unique}/pause", headers=OPERATE).status_code == 404
    missing_reason = client.post(f"/v1/executions/nope{unique}/stop", json={}, headers=OPERATE)
    assert missing_reason.status_code == 422 and missing_reason.json()["problems"] == [
        "body.reason: Field required"
    ]
