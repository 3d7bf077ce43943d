"""The engine REST client against a local fake engine over real HTTP: bodies, timeouts, errors, auth, TLS."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from email.message import MIMEPart
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

import certifi
import pycurl
import pytest

from core.camunda import CamundaClient, CamundaSettings, FetchTopic, FileRef, LockedTask
from core.camunda import client as client_module
from core.camunda.curl import HandleOptions
from core.errors import (
    CamundaConflict,
    CamundaError,
    CamundaNotFound,
    CamundaRequestError,
    CamundaUnavailable,
    ConfigError,
)
from tests.support.fake_engine import FakeEngine, fake_engine
from tests.support.tls import self_signed

PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]

FETCH_AND_LOCK_RESPONSE: list[dict[str, Any]] = [
    {
        "activityId": "Activity_CreateTask",
        "activityInstanceId": "Activity_CreateTask:6f0b1c2d-1111-11f0-9c3e-0242ac120002",
        "errorMessage": None,
        "errorDetails": None,
        "executionId": "6f0b1c2c-1111-11f0-9c3e-0242ac120002",
        "id": "6f0b1c2e-1111-11f0-9c3e-0242ac120002",
        "lockExpirationTime": "2026-03-04T05:07:07.123+0300",
        "createTime": "2026-03-04T05:06:07.000+0300",
        "processDefinitionId": "order-intake:3:5a1e0f00-1111-11f0-9c3e-0242ac120002",
        "processDefinitionKey": "order-intake",
        "processDefinitionVersionTag": "2.1",
        "processInstanceId": "6f0aa6f9-1111-11f0-9c3e-0242ac120002",
        "retries": None,
        "suspended": False,
        "workerId": "exchanger-host1",
        "topicName": "bitrix24.task",
        "tenantId": None,
        "variables": {
            "order": {"type": "Json", "value": '{"id": 42, "client": "ООО Ромашка"}', "valueInfo": {}},
            "due": {"type": "Date", "value": "2026-03-10T18:00:00.000+0300", "valueInfo": {}},
            "amount": {"type": "Long", "value": 5000000000, "valueInfo": {}},
            "scan": {
                "type": "File",
                "value": None,
                "valueInfo": {"filename": "scan.pdf", "mimeType": "application/pdf"},
            },
        },
        "priority": 50,
        "businessKey": "order-42",
        "extensionProperties": {"system": "bitrix24", "responsible": "7"},
    }
]


@pytest.fixture(autouse=True)
def no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fake engine is on 127.0.0.1; a proxy in the machine's environment must not reroute it.
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    with fake_engine() as fake:
        yield fake
        fake.assert_all_used()


@pytest.fixture
def client(engine: FakeEngine) -> Iterator[CamundaClient]:
    client = CamundaClient(
        CamundaSettings(base_url=engine.url + "/", connect_timeout_s=2.0, read_timeout_s=15.0)
    )
    yield client
    client.close()


def make_client(url: str, **settings: Any) -> CamundaClient:
    return CamundaClient(CamundaSettings(base_url=url, **settings))


def sent_json(engine: FakeEngine, index: int = 0) -> Any:
    return engine.requests[index].json()


def multipart_fields(engine: FakeEngine) -> list[MIMEPart]:
    request = engine.requests[0]
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    return list(message.iter_parts())


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- LockedTask ------------------------------------------------------------------------------------


def test_a_locked_task_reads_every_field_of_a_fetch_and_lock_response() -> None:
    task = LockedTask.from_json(FETCH_AND_LOCK_RESPONSE[0])

    assert task.id == "6f0b1c2e-1111-11f0-9c3e-0242ac120002"
    assert task.topic_name == "bitrix24.task"
    assert task.worker_id == "exchanger-host1"
    assert task.activity_id == "Activity_CreateTask"
    assert task.activity_instance_id == "Activity_CreateTask:6f0b1c2d-1111-11f0-9c3e-0242ac120002"
    assert task.execution_id == "6f0b1c2c-1111-11f0-9c3e-0242ac120002"
    assert task.process_instance_id == "6f0aa6f9-1111-11f0-9c3e-0242ac120002"
    assert task.process_definition_id.startswith("order-intake:3:")
    assert task.process_definition_key == "order-intake"
    assert task.process_definition_version_tag == "2.1"
    assert task.tenant_id is None
    assert task.business_key == "order-42"
    assert task.retries is None
    assert task.priority == 50
    assert task.error_message is None
    moscow = timezone(timedelta(hours=3))
    assert task.lock_expiration_time == datetime(2026, 3, 4, 5, 7, 7, 123_000, tzinfo=moscow)
    assert task.create_time == datetime(2026, 3, 4, 2, 6, 7, tzinfo=UTC)
    assert task.extension_properties == {"system": "bitrix24", "responsible": "7"}


def test_a_locked_task_decodes_its_variables_and_keeps_their_engine_types() -> None:
    task = LockedTask.from_json(FETCH_AND_LOCK_RESPONSE[0])

    assert task.variables["order"] == {"id": 42, "client": "ООО Ромашка"}
    assert task.variables["due"] == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert task.variables["amount"] == 5_000_000_000
    assert task.variables["scan"] == FileRef(
        name="scan",
        filename="scan.pdf",
        mime_type="application/pdf",
        encoding=None,
        process_instance_id="6f0aa6f9-1111-11f0-9c3e-0242ac120002",
    )
    assert task.variable_types == {"order": "Json", "due": "Date", "amount": "Long", "scan": "File"}


def test_a_minimal_locked_task_gets_empty_defaults() -> None:
    task = LockedTask.from_json({"id": "t1", "topicName": "x"})

    assert task.variables == {}
    assert task.extension_properties == {}
    assert task.priority == 0
    assert task.lock_expiration_time is None


# -- fetchAndLock ------------------------------------------------------------------------------------


def test_fetch_and_lock_sends_every_topic_with_its_options_in_one_request(
    engine: FakeEngine, client: CamundaClient
) -> None:
    # Given the engine has one task
    engine.answer("POST", "/external-task/fetchAndLock", json_body=FETCH_AND_LOCK_RESPONSE)
    topics = [
        FetchTopic(
            "bitrix24.task", 300_000, variables=["order", "due"], process_definition_key_in=["order-intake"]
        ),
        FetchTopic(
            "dadata.*",
            60_000,
            variables=[],
            local_variables=True,
            tenant_id_in=["acme"],
            without_tenant_id=True,
            include_extension_properties=False,
        ),
        FetchTopic("python.echo", 10_000),
    ]

    # When the worker long-polls for all its topics
    tasks = client.fetch_and_lock(
        "w-1", topics, max_tasks=8, async_response_timeout_ms=20_000, use_priority=False
    )

    # Then one request carries all topics with their options, as JSON
    assert len(engine.requests) == 1
    assert engine.requests[0].headers["Content-Type"] == "application/json"
    assert sent_json(engine) == {
        "workerId": "w-1",
        "maxTasks": 8,
        "usePriority": False,
        "asyncResponseTimeout": 20_000,
        "topics": [
            {
                "topicName": "bitrix24.task",
                "lockDuration": 300_000,
                "includeExtensionProperties": True,
                "variables": ["order", "due"],
                "processDefinitionKeyIn": ["order-intake"],
            },
            {
                "topicName": "dadata.*",
                "lockDuration": 60_000,
                "includeExtensionProperties": False,
                "variables": [],
                "localVariables": True,
                "tenantIdIn": ["acme"],
                "withoutTenantId": True,
            },
            {"topicName": "python.echo", "lockDuration": 10_000, "includeExtensionProperties": True},
        ],
    }
    assert [task.id for task in tasks] == [FETCH_AND_LOCK_RESPONSE[0]["id"]]
    assert isinstance(tasks[0], LockedTask)


def test_a_long_poll_waits_longer_than_the_engine_holds_the_request(
    engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a read timeout shorter than the long poll, and a margin small enough to test
    monkeypatch.setattr(client_module, "LONG_POLL_MARGIN_S", 0.5)
    client = make_client(engine.url, read_timeout_s=0.1)
    # the engine holds the first poll for its whole asyncResponseTimeout; the second far longer
    engine.answer("POST", "/external-task/fetchAndLock", json_body=[], delay_s=0.5)
    engine.answer("POST", "/external-task/fetchAndLock", json_body=[], delay_s=3.0)

    # When the worker long-polls for 0.5 s: the answer after 0.5 s arrives
    assert (
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1, async_response_timeout_ms=500)
        == []
    )

    # Then a connection silent past asyncResponseTimeout + margin is given up
    with pytest.raises(CamundaUnavailable, match="Timeout"):
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1, async_response_timeout_ms=500)
    assert sent_json(engine, 0)["asyncResponseTimeout"] == 500
    client.close()


def test_a_fetch_without_long_poll_uses_the_normal_read_timeout(engine: FakeEngine) -> None:
    client = make_client(engine.url, read_timeout_s=0.3)
    engine.answer("POST", "/external-task/fetchAndLock", json_body=[])
    engine.answer("POST", "/external-task/fetchAndLock", json_body=[], delay_s=2.0)

    assert client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1) == []
    with pytest.raises(CamundaUnavailable, match="Timeout"):
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1)

    assert "asyncResponseTimeout" not in sent_json(engine)
    client.close()


# -- task commands -------------------------------------------------------------------------------------


def test_complete_sends_the_worker_and_typed_variables(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("POST", "/external-task/t-1/complete", status=204)

    client.complete("t-1", "w-1", {"dealId": 2**40, "ok": True, "when": datetime(2026, 1, 2, tzinfo=UTC)})

    assert sent_json(engine) == {
        "workerId": "w-1",
        "variables": {
            "dealId": {"type": "Long", "value": 2**40},
            "ok": {"type": "Boolean", "value": True},
            "when": {"type": "Date", "value": "2026-01-02T00:00:00.000+0000"},
        },
    }


def test_complete_sends_local_variables_only_when_there_are_some(
    engine: FakeEngine, client: CamundaClient
) -> None:
    engine.answer("POST", "/external-task/t-1/complete", status=204)
    engine.answer("POST", "/external-task/t-2/complete", status=204)

    client.complete("t-1", "w-1")
    client.complete("t-2", "w-1", local_variables={"note": "x"})

    assert sent_json(engine, 0) == {"workerId": "w-1", "variables": {}}
    assert sent_json(engine, 1)["localVariables"] == {"note": {"type": "String", "value": "x"}}


def test_consecutive_calls_reuse_one_kept_alive_connection(engine: FakeEngine, client: CamundaClient) -> None:
    for task_id in ("t-1", "t-2", "t-3"):
        engine.answer("POST", f"/external-task/{task_id}/complete", status=204)

    for task_id in ("t-1", "t-2", "t-3"):
        client.complete(task_id, "w-1")

    assert len({request.client_port for request in engine.requests}) == 1


def test_the_pool_keeps_as_many_connections_as_configured(engine: FakeEngine) -> None:
    # Given a pool of 2 and 4 requests at once (the engine holds each a moment)
    client = make_client(engine.url, pool_size=2)
    for n in range(8):
        engine.answer("POST", f"/external-task/t-{n}/complete", status=204, delay_s=0.3 if n < 4 else 0)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: client.complete(f"t-{n}", "w-1"), range(4)))

    # When the next requests come one by one, then they reuse only the 2 connections kept
    for n in range(4, 8):
        client.complete(f"t-{n}", "w-1")
    busy = {request.client_port for request in engine.requests[:4]}
    assert len(busy) == 4
    assert len({request.client_port for request in engine.requests[4:]}) <= 2
    assert {request.client_port for request in engine.requests[4:]} <= busy
    client.close()


def test_failure_sends_message_details_retries_and_timeout(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("POST", "/external-task/t-1/failure", status=204)

    client.failure(
        "t-1", "w-1", error_message="Bitrix24 down", error_details="trace", retries=2, retry_timeout_ms=5000
    )

    assert sent_json(engine) == {
        "workerId": "w-1",
        "errorMessage": "Bitrix24 down",
        "errorDetails": "trace",
        "retries": 2,
        "retryTimeout": 5000,
    }


def test_failure_never_sends_negative_retries_or_timeout(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("POST", "/external-task/t-1/failure", status=204)

    client.failure("t-1", "w-1", error_message="gone", retries=-3, retry_timeout_ms=-100)

    body = sent_json(engine)
    assert body["retries"] == 0
    assert body["retryTimeout"] == 0


def test_failure_keeps_a_huge_error_message_within_bounds(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("POST", "/external-task/t-1/failure", status=204)

    client.failure("t-1", "w-1", error_message="x" * 100_000)

    assert 0 < len(sent_json(engine)["errorMessage"]) <= 4000


def test_bpmn_error_sends_code_message_and_variables(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("POST", "/external-task/t-1/bpmnError", status=204)

    client.bpmn_error(
        "t-1", "w-1", error_code="CLIENT_NOT_FOUND", error_message="no such INN", variables={"inn": "7700"}
    )

    assert sent_json(engine) == {
        "workerId": "w-1",
        "errorCode": "CLIENT_NOT_FOUND",
        "errorMessage": "no such INN",
        "variables": {"inn": {"type": "String", "value": "7700"}},
    }


def test_lock_commands_send_their_durations(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("POST", "/external-task/t-1/extendLock", status=204)
    engine.answer("POST", "/external-task/t-1/lock", status=204)
    engine.answer("POST", "/external-task/t-1/unlock", status=204)

    client.extend_lock("t-1", "w-1", 600_000)
    client.lock("t-1", "w-1", 30_000)
    client.unlock("t-1")

    assert sent_json(engine, 0) == {"workerId": "w-1", "newDuration": 600_000}
    assert sent_json(engine, 1) == {"workerId": "w-1", "lockDuration": 30_000}
    assert [request.target for request in engine.requests] == [
        "/engine-rest/external-task/t-1/extendLock",
        "/engine-rest/external-task/t-1/lock",
        "/engine-rest/external-task/t-1/unlock",
    ]
    assert engine.requests[2].body == b""


# -- deployments ----------------------------------------------------------------------------------------


def test_a_deployment_is_multipart_with_name_source_tenant_flags_and_files(
    engine: FakeEngine, client: CamundaClient
) -> None:
    # Given the engine accepts deployments
    engine.answer("POST", "/deployment/create", json_body={"id": "dep-1", "deployedProcessDefinitions": {}})
    bpmn = '<definitions name="Заявка"/>'.encode()

    # When a model is deployed with every option
    result = client.create_deployment(
        "orders",
        {"order.bpmn": bpmn, "form.html": b"<form/>"},
        source="camunda_sync",
        tenant_id="acme",
        deploy_changed_only=True,
        enable_duplicate_filtering=True,
    )

    # Then each option is its own form field, and each file is a file part
    assert engine.requests[0].headers.get_content_type() == "multipart/form-data"
    parts = {part.get_param("name", header="content-disposition"): part for part in multipart_fields(engine)}
    assert parts["deployment-name"].get_content() == "orders"
    assert parts["deployment-source"].get_content() == "camunda_sync"
    assert parts["tenant-id"].get_content() == "acme"
    assert parts["deploy-changed-only"].get_content() == "true"
    assert parts["enable-duplicate-filtering"].get_content() == "true"
    assert parts["order.bpmn"].get_filename() == "order.bpmn"
    assert parts["order.bpmn"].get_content_type() == "application/octet-stream"
    assert parts["order.bpmn"].get_payload(decode=True) == bpmn
    assert parts["form.html"].get_payload(decode=True) == b"<form/>"
    assert parts["deployment-name"].get_filename() is None
    assert "Content-Type" not in parts["deployment-name"]
    assert result["id"] == "dep-1"


def test_a_plain_deployment_sends_no_optional_fields(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("POST", "/deployment/create", json_body={"id": "dep-1"})

    client.create_deployment("orders", {"order.bpmn": b"<definitions/>"})

    names = [part.get_param("name", header="content-disposition") for part in multipart_fields(engine)]
    assert names == ["deployment-name", "order.bpmn"]


# -- error mapping ---------------------------------------------------------------------------------------


def test_404_is_not_found_with_the_engine_type_and_message(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer(
        "GET",
        "/external-task/gone",
        status=404,
        json_body={"type": "RestException", "message": "External task with id gone does not exist"},
    )

    with pytest.raises(CamundaNotFound) as caught:
        client.get_external_task("gone")

    assert caught.value.status == 404
    assert caught.value.error_type == "RestException"
    assert caught.value.engine_message == "External task with id gone does not exist"
    assert "does not exist" in str(caught.value)


def test_400_on_a_task_command_is_a_conflict(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer(
        "POST",
        "/external-task/t-1/complete",
        status=400,
        json_body={"type": "BadUserRequestException", "message": "is locked by worker 'other'"},
    )

    with pytest.raises(CamundaConflict) as caught:
        client.complete("t-1", "w-1")

    assert caught.value.error_type == "BadUserRequestException"


def test_400_on_another_request_is_a_request_error_with_the_engine_details(
    engine: FakeEngine, client: CamundaClient
) -> None:
    # Given the engine refuses a deployment with per-resource parse errors
    details = {"order.bpmn": {"errors": [{"message": "cvc-complex-type", "line": 3, "column": 7}]}}
    engine.answer(
        "POST",
        "/deployment/create",
        status=400,
        json_body={
            "type": "ParseException",
            "message": "ENGINE-09005 Could not parse BPMN process",
            "details": details,
        },
    )

    # When deployed
    with pytest.raises(CamundaRequestError) as caught:
        client.create_deployment("bad", {"order.bpmn": b"<x/>"})

    # Then the error is a plain request error (not a conflict) and carries the details
    assert type(caught.value) is CamundaRequestError
    assert caught.value.status == 400
    assert caught.value.error_type == "ParseException"
    assert caught.value.details == details


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_and_unavailable_statuses_mean_the_engine_is_unavailable(
    engine: FakeEngine, client: CamundaClient, status: int
) -> None:
    engine.answer(
        "POST",
        "/external-task/fetchAndLock",
        status=status,
        body="<html><body>Bad Gateway</body></html>",
        content_type="text/html",
    )

    with pytest.raises(CamundaUnavailable) as caught:
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1)

    assert str(status) in str(caught.value)


def test_a_500_saying_the_engine_shuts_down_means_unavailable(
    engine: FakeEngine, client: CamundaClient
) -> None:
    engine.answer(
        "POST",
        "/external-task/fetchAndLock",
        status=500,
        json_body={"type": "ProcessEngineException", "message": "Engine is in Shutdown, rejecting request"},
    )

    with pytest.raises(CamundaUnavailable):
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1)


def test_any_other_500_is_a_request_error(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer(
        "POST",
        "/external-task/t-1/complete",
        status=500,
        json_body={"type": "ProcessEngineException", "message": "boom"},
    )

    with pytest.raises(CamundaRequestError) as caught:
        client.complete("t-1", "w-1")

    assert type(caught.value) is CamundaRequestError
    assert caught.value.status == 500


@pytest.mark.parametrize(
    ("body", "expected_message"),
    [
        ("plain text failure", "plain text failure"),
        ("сбой движка", "сбой движка"),  # UTF-8 when no charset is named
        ('["not", "an", "object"]', "['not', 'an', 'object']"),
    ],
)
def test_an_error_body_that_is_not_a_json_object_still_gives_a_typed_error(
    engine: FakeEngine, client: CamundaClient, body: str, expected_message: str
) -> None:
    engine.answer("GET", "/version", status=500, body=body)

    with pytest.raises(CamundaRequestError) as caught:
        client.version()

    assert caught.value.error_type == "HttpError"
    assert caught.value.engine_message == expected_message
    assert caught.value.details is None


def test_an_empty_error_body_falls_back_to_the_reason_phrase(
    engine: FakeEngine, client: CamundaClient
) -> None:
    engine.answer("GET", "/version", status=401)

    with pytest.raises(CamundaRequestError) as caught:
        client.version()

    assert caught.value.status == 401
    assert caught.value.engine_message == "Unauthorized"


def test_a_redirect_is_not_followed_but_reported(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("GET", "/version", status=302, headers={"Location": "/engine-rest/elsewhere"})

    with pytest.raises(CamundaRequestError) as caught:
        client.version()

    assert caught.value.status == 302
    assert len(engine.requests) == 1


def test_a_failed_request_is_not_sent_again(engine: FakeEngine, client: CamundaClient) -> None:
    # Not even a read: the caller decides (a task command the engine may have carried out
    # must never be repeated behind its back)
    engine.answer("GET", "/external-task/t-1", drop=True)

    with pytest.raises(CamundaUnavailable):
        client.get_external_task("t-1")

    assert len(engine.requests) == 1


@pytest.mark.parametrize(
    ("failure", "answer"),
    [("refused", None), ("dropped", {"drop": True}), ("read timeout", {"delay_s": 2.0})],
)
def test_an_engine_that_cannot_be_reached_is_unavailable(
    engine: FakeEngine, failure: str, answer: dict[str, Any] | None
) -> None:
    url = engine.url if answer else f"http://127.0.0.1:{closed_port()}/engine-rest"
    if answer:
        engine.answer("POST", "/external-task/fetchAndLock", **answer)
    client = make_client(url, read_timeout_s=0.3)

    with pytest.raises(CamundaUnavailable) as caught:
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1)

    assert url in str(caught.value)
    assert isinstance(caught.value, CamundaError)
    client.close()


# -- authentication ----------------------------------------------------------------------------------------


def test_username_and_password_are_sent_as_basic_auth(engine: FakeEngine) -> None:
    engine.answer("GET", "/version", json_body={"version": "7.24.0"})
    client = make_client(engine.url, username="demo", password="pa55")

    assert client.version() == "7.24.0"

    expected = "Basic " + base64.b64encode(b"demo:pa55").decode()
    assert engine.requests[0].headers["Authorization"] == expected
    assert engine.requests[0].headers["Accept"] == "application/json"
    client.close()


def test_a_token_is_sent_as_bearer_and_wins_over_basic_auth(engine: FakeEngine) -> None:
    engine.answer("GET", "/version", json_body={"version": "7.24.0"})
    client = make_client(engine.url, username="demo", password="pa55", token="tok-123")

    client.version()

    assert engine.requests[0].headers["Authorization"] == "Bearer tok-123"
    client.close()


def test_without_credentials_no_authorization_is_sent(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("GET", "/version", json_body={"version": "7.24.0"})

    client.version()

    assert "Authorization" not in engine.requests[0].headers


def test_credentials_never_show_in_the_settings_repr() -> None:
    settings = CamundaSettings(
        base_url="http://engine.test", username="demo", password="pa55-secret", token="tok-secret"
    )

    assert "pa55-secret" not in repr(settings)
    assert "tok-secret" not in repr(settings)


# -- TLS ---------------------------------------------------------------------------------------------------


@pytest.fixture
def tls_engine(tmp_path: Path) -> Iterator[FakeEngine]:
    with fake_engine(tls=self_signed(tmp_path)) as fake:
        yield fake
        fake.assert_all_used()


def test_a_ca_bundle_adds_trust_and_wins_over_the_environment(
    tls_engine: FakeEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the engine's own CA in the settings, and the public store in the environment
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    tls_engine.answer("GET", "/version", json_body={"version": "7.24.0"})
    client = make_client(tls_engine.url, ca_bundle=str(tmp_path / "api.crt"))

    # When a request is made, then the engine's certificate checks out against the configured CA
    assert client.version() == "7.24.0"
    client.close()


def test_the_environment_bundle_is_used_when_none_is_configured(
    tls_engine: FakeEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "api.crt"))
    tls_engine.answer("GET", "/version", json_body={"version": "7.24.0"})
    client = make_client(tls_engine.url)

    assert client.version() == "7.24.0"
    client.close()


def test_an_engine_certificate_nobody_vouches_for_is_refused(
    tls_engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without a bundle the default store (certifi) decides, and it does not know the engine's CA
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    client = make_client(tls_engine.url)

    with pytest.raises(CamundaUnavailable, match="TLSError"):
        client.version()

    assert tls_engine.requests == []
    client.close()


@pytest.mark.parametrize("ca_bundle", [None, ""])
def test_certificates_are_always_verified_without_a_ca_bundle(
    ca_bundle: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)

    options = HandleOptions.read(
        CamundaSettings(base_url="https://engine.test/engine-rest", ca_bundle=ca_bundle)
    )

    assert (options.ca_file, options.ca_dir) == (certifi.where(), None)
    recorded = RecordingHandle()
    options.apply(recorded)  # type: ignore[arg-type]
    assert recorded.options[pycurl.SSL_VERIFYPEER] == 1
    assert recorded.options[pycurl.SSL_VERIFYHOST] == 2
    assert recorded.options[pycurl.CAINFO] == certifi.where()
    assert recorded.options[pycurl.FOLLOWLOCATION] == 0


class RecordingHandle:
    """Stands in for a pycurl handle to read back the options set on it (libcurl has no getter)."""

    def __init__(self) -> None:
        self.options: dict[int, Any] = {}

    def setopt(self, option: int, value: Any) -> None:
        self.options[option] = value


def test_a_ca_bundle_that_does_not_exist_is_a_configuration_error(tmp_path: Path) -> None:
    settings = CamundaSettings(base_url="https://engine.test/engine-rest", ca_bundle=str(tmp_path / "no.pem"))

    with pytest.raises(ConfigError, match=r"no\.pem"):
        CamundaClient(settings)


# -- proxy -------------------------------------------------------------------------------------------------


def test_a_proxy_from_the_environment_carries_the_requests_with_its_credentials(
    engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the fake engine acting as the HTTP proxy the environment names
    proxy = engine.url.removesuffix("/engine-rest").replace("http://", "http://squid:pa%40ss@")
    monkeypatch.setenv("HTTP_PROXY", proxy)
    engine.answer("GET", "/version", json_body={"version": "7.24.0"})
    client = make_client("http://engine.test/engine-rest")

    # When the engine is asked, then the request went to the proxy, for the engine's URL
    assert client.version() == "7.24.0"
    request = engine.requests[0]
    assert request.target == "http://engine.test/engine-rest/version"
    assert request.headers["Proxy-Authorization"] == "Basic " + base64.b64encode(b"squid:pa@ss").decode()
    client.close()


# -- reads ------------------------------------------------------------------------------------------------


def test_topic_names_passes_its_filters_as_lowercase_booleans(
    engine: FakeEngine, client: CamundaClient
) -> None:
    engine.answer("GET", "/external-task/topic-names", json_body=["a", "b"])

    assert client.topic_names(with_unlocked=True) == ["a", "b"]

    assert engine.requests[0].query == {"withUnlockedTasks": ["true"]}


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("text/plain;charset=UTF-8", "utf-8"),
        ("text/plain; charset=windows-1251", "cp1251"),
        ("text/plain", "utf-8"),
    ],
)
def test_error_details_are_read_as_plain_text_in_the_charset_named(
    engine: FakeEngine, client: CamundaClient, content_type: str, encoding: str
) -> None:
    text = "java.lang.RuntimeException: сбой"
    engine.answer(
        "GET", "/external-task/t-1/errorDetails", body=text.encode(encoding), content_type=content_type
    )

    assert client.error_details("t-1") == text

    assert engine.requests[0].headers.get_all("Accept") == ["text/plain"]


def test_a_file_variable_is_downloaded_from_its_instance(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer(
        "GET",
        "/process-instance/pi-1/variables/scan/data",
        body=b"%PDF-1.7\xff",
        content_type="application/pdf",
    )
    ref = FileRef(
        name="scan",
        filename="scan.pdf",
        mime_type="application/pdf",
        encoding=None,
        process_instance_id="pi-1",
    )

    assert client.download_file(ref) == b"%PDF-1.7\xff"


def test_history_variables_are_decoded_with_their_types(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer(
        "GET",
        "/history/variable-instance",
        json_body=[
            {"name": "payload", "type": "Json", "value": '{"a": 1}', "valueInfo": {}},
            {"name": "when", "type": "Date", "value": "2026-01-02T03:04:05.000+0000"},
        ],
    )

    values = client.history_variables("pi-1")

    assert values == {"payload": {"a": 1}, "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}
    assert engine.requests[0].query == {"processInstanceId": ["pi-1"], "deserializeValues": ["false"]}


def test_query_values_that_are_none_are_left_out(engine: FakeEngine, client: CamundaClient) -> None:
    engine.answer("GET", "/process-definition", json_body=[])

    client.list_process_definitions(key="orders", tenantIdIn=None, latestVersion="true")

    assert engine.requests[0].query == {"key": ["orders"], "latestVersion": ["true"]}


def test_starting_an_instance_sends_business_key_and_typed_variables(
    engine: FakeEngine, client: CamundaClient
) -> None:
    engine.answer("POST", "/process-definition/key/orders/tenant-id/acme/start", json_body={"id": "pi-1"})

    instance = client.start_process_instance(
        "orders", business_key="bk-1", variables={"n": 1}, tenant_id="acme"
    )

    assert instance == {"id": "pi-1"}
    assert sent_json(engine) == {"variables": {"n": {"type": "Integer", "value": 1}}, "businessKey": "bk-1"}
