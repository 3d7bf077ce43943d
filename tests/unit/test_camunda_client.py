"""The engine REST client against a stubbed HTTP layer (``responses``): bodies, errors, auth, TLS."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.message import MIMEPart
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any, cast

import pytest
import requests
import responses

from core.camunda import CamundaClient, CamundaSettings, FetchTopic, FileRef, LockedTask
from core.camunda.client import LONG_POLL_MARGIN_S
from core.camunda.http import build_session
from core.errors import (
    CamundaConflict,
    CamundaError,
    CamundaNotFound,
    CamundaRequestError,
    CamundaUnavailable,
)

BASE = "http://engine.test/engine-rest"
TASK = f"{BASE}/external-task"

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


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[CamundaClient]:
    engine = CamundaClient(CamundaSettings(base_url=BASE + "/", connect_timeout_s=2.0, read_timeout_s=15.0))
    yield engine
    engine.close()


def sent_json(mock: responses.RequestsMock, index: int = 0) -> Any:
    body = mock.calls[index].request.body
    assert body is not None
    return json.loads(body)


def recorded(mock: responses.RequestsMock, index: int = 0) -> Any:
    """The recorded request, with the extras ``responses`` adds (``req_kwargs``, ``params``)."""
    return cast(Any, mock.calls[index].request)


def sent_kwargs(mock: responses.RequestsMock, index: int = 0) -> dict[str, Any]:
    return dict(recorded(mock, index).req_kwargs)


def multipart_fields(mock: responses.RequestsMock) -> list[MIMEPart]:
    request = mock.calls[0].request
    head = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode()
    body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    return list(message.iter_parts())


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
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    # Given the engine has one task
    http.post(f"{TASK}/fetchAndLock", json=FETCH_AND_LOCK_RESPONSE)
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

    # Then one request carries all topics with their options
    assert len(http.calls) == 1
    assert sent_json(http) == {
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
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{TASK}/fetchAndLock", json=[])

    client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1, async_response_timeout_ms=45_000)

    assert sent_kwargs(http)["timeout"] == (2.0, 45.0 + LONG_POLL_MARGIN_S)
    assert LONG_POLL_MARGIN_S > 0


def test_a_fetch_without_long_poll_uses_the_normal_read_timeout(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{TASK}/fetchAndLock", json=[])

    assert client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1) == []

    assert "asyncResponseTimeout" not in sent_json(http)
    assert sent_kwargs(http)["timeout"] == (2.0, 15.0)


# -- task commands -------------------------------------------------------------------------------------


def test_complete_sends_the_worker_and_typed_variables(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{TASK}/t-1/complete", status=204)

    client.complete("t-1", "w-1", {"dealId": 2**40, "ok": True, "when": datetime(2026, 1, 2, tzinfo=UTC)})

    assert sent_json(http) == {
        "workerId": "w-1",
        "variables": {
            "dealId": {"type": "Long", "value": 2**40},
            "ok": {"type": "Boolean", "value": True},
            "when": {"type": "Date", "value": "2026-01-02T00:00:00.000+0000"},
        },
    }


def test_complete_sends_local_variables_only_when_there_are_some(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{TASK}/t-1/complete", status=204)
    http.post(f"{TASK}/t-2/complete", status=204)

    client.complete("t-1", "w-1")
    client.complete("t-2", "w-1", local_variables={"note": "x"})

    assert sent_json(http, 0) == {"workerId": "w-1", "variables": {}}
    assert sent_json(http, 1)["localVariables"] == {"note": {"type": "String", "value": "x"}}


def test_failure_sends_message_details_retries_and_timeout(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{TASK}/t-1/failure", status=204)

    client.failure(
        "t-1", "w-1", error_message="Bitrix24 down", error_details="trace", retries=2, retry_timeout_ms=5000
    )

    assert sent_json(http) == {
        "workerId": "w-1",
        "errorMessage": "Bitrix24 down",
        "errorDetails": "trace",
        "retries": 2,
        "retryTimeout": 5000,
    }


def test_failure_never_sends_negative_retries_or_timeout(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{TASK}/t-1/failure", status=204)

    client.failure("t-1", "w-1", error_message="gone", retries=-3, retry_timeout_ms=-100)

    body = sent_json(http)
    assert body["retries"] == 0
    assert body["retryTimeout"] == 0


def test_failure_keeps_a_huge_error_message_within_bounds(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{TASK}/t-1/failure", status=204)

    client.failure("t-1", "w-1", error_message="x" * 100_000)

    assert 0 < len(sent_json(http)["errorMessage"]) <= 4000


def test_bpmn_error_sends_code_message_and_variables(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{TASK}/t-1/bpmnError", status=204)

    client.bpmn_error(
        "t-1", "w-1", error_code="CLIENT_NOT_FOUND", error_message="no such INN", variables={"inn": "7700"}
    )

    assert sent_json(http) == {
        "workerId": "w-1",
        "errorCode": "CLIENT_NOT_FOUND",
        "errorMessage": "no such INN",
        "variables": {"inn": {"type": "String", "value": "7700"}},
    }


def test_lock_commands_send_their_durations(http: responses.RequestsMock, client: CamundaClient) -> None:
    http.post(f"{TASK}/t-1/extendLock", status=204)
    http.post(f"{TASK}/t-1/lock", status=204)
    http.post(f"{TASK}/t-1/unlock", status=204)

    client.extend_lock("t-1", "w-1", 600_000)
    client.lock("t-1", "w-1", 30_000)
    client.unlock("t-1")

    assert sent_json(http, 0) == {"workerId": "w-1", "newDuration": 600_000}
    assert sent_json(http, 1) == {"workerId": "w-1", "lockDuration": 30_000}
    assert [call.request.url for call in http.calls] == [
        f"{TASK}/t-1/extendLock",
        f"{TASK}/t-1/lock",
        f"{TASK}/t-1/unlock",
    ]


# -- deployments ----------------------------------------------------------------------------------------


def test_a_deployment_is_multipart_with_name_source_tenant_flags_and_files(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    # Given the engine accepts deployments
    http.post(f"{BASE}/deployment/create", json={"id": "dep-1", "deployedProcessDefinitions": {}})
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
    parts = {part.get_param("name", header="content-disposition"): part for part in multipart_fields(http)}
    assert parts["deployment-name"].get_content() == "orders"
    assert parts["deployment-source"].get_content() == "camunda_sync"
    assert parts["tenant-id"].get_content() == "acme"
    assert parts["deploy-changed-only"].get_content() == "true"
    assert parts["enable-duplicate-filtering"].get_content() == "true"
    assert parts["order.bpmn"].get_filename() == "order.bpmn"
    assert parts["order.bpmn"].get_payload(decode=True) == bpmn
    assert parts["form.html"].get_payload(decode=True) == b"<form/>"
    assert parts["deployment-name"].get_filename() is None
    assert result["id"] == "dep-1"


def test_a_plain_deployment_sends_no_optional_fields(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{BASE}/deployment/create", json={"id": "dep-1"})

    client.create_deployment("orders", {"order.bpmn": b"<definitions/>"})

    names = [part.get_param("name", header="content-disposition") for part in multipart_fields(http)]
    assert names == ["deployment-name", "order.bpmn"]


# -- error mapping ---------------------------------------------------------------------------------------


def test_404_is_not_found_with_the_engine_type_and_message(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.get(
        f"{TASK}/gone",
        status=404,
        json={"type": "RestException", "message": "External task with id gone does not exist"},
    )

    with pytest.raises(CamundaNotFound) as caught:
        client.get_external_task("gone")

    assert caught.value.status == 404
    assert caught.value.error_type == "RestException"
    assert caught.value.engine_message == "External task with id gone does not exist"
    assert "does not exist" in str(caught.value)


def test_400_on_a_task_command_is_a_conflict(http: responses.RequestsMock, client: CamundaClient) -> None:
    http.post(
        f"{TASK}/t-1/complete",
        status=400,
        json={"type": "BadUserRequestException", "message": "is locked by worker 'other'"},
    )

    with pytest.raises(CamundaConflict) as caught:
        client.complete("t-1", "w-1")

    assert caught.value.error_type == "BadUserRequestException"


def test_400_on_another_request_is_a_request_error_with_the_engine_details(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    # Given the engine refuses a deployment with per-resource parse errors
    details = {"order.bpmn": {"errors": [{"message": "cvc-complex-type", "line": 3, "column": 7}]}}
    http.post(
        f"{BASE}/deployment/create",
        status=400,
        json={
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
    http: responses.RequestsMock, client: CamundaClient, status: int
) -> None:
    http.post(f"{TASK}/fetchAndLock", status=status, body="<html><body>Bad Gateway</body></html>")

    with pytest.raises(CamundaUnavailable) as caught:
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1)

    assert str(status) in str(caught.value)


def test_a_500_saying_the_engine_shuts_down_means_unavailable(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(
        f"{TASK}/fetchAndLock",
        status=500,
        json={"type": "ProcessEngineException", "message": "Engine is in Shutdown, rejecting request"},
    )

    with pytest.raises(CamundaUnavailable):
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1)


def test_any_other_500_is_a_request_error(http: responses.RequestsMock, client: CamundaClient) -> None:
    http.post(f"{TASK}/t-1/complete", status=500, json={"type": "ProcessEngineException", "message": "boom"})

    with pytest.raises(CamundaRequestError) as caught:
        client.complete("t-1", "w-1")

    assert type(caught.value) is CamundaRequestError
    assert caught.value.status == 500


@pytest.mark.parametrize(
    ("body", "expected_message"),
    [("plain text failure", "plain text failure"), ('["not", "an", "object"]', "['not', 'an', 'object']")],
)
def test_an_error_body_that_is_not_a_json_object_still_gives_a_typed_error(
    http: responses.RequestsMock, client: CamundaClient, body: str, expected_message: str
) -> None:
    http.get(f"{BASE}/version", status=500, body=body)

    with pytest.raises(CamundaRequestError) as caught:
        client.version()

    assert caught.value.error_type == "HttpError"
    assert caught.value.engine_message == expected_message
    assert caught.value.details is None


def test_an_empty_error_body_falls_back_to_the_reason_phrase(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.get(f"{BASE}/version", status=401, body="")

    with pytest.raises(CamundaRequestError) as caught:
        client.version()

    assert caught.value.status == 401
    assert caught.value.engine_message == "Unauthorized"


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("Connection refused"),
        requests.ConnectTimeout("connect timed out"),
        requests.ReadTimeout("read timed out"),
    ],
)
def test_an_engine_that_cannot_be_reached_is_unavailable(
    http: responses.RequestsMock, client: CamundaClient, failure: Exception
) -> None:
    http.post(f"{TASK}/fetchAndLock", body=failure)

    with pytest.raises(CamundaUnavailable) as caught:
        client.fetch_and_lock("w-1", [FetchTopic("t", 1000)], max_tasks=1)

    assert BASE in str(caught.value)
    assert isinstance(caught.value, CamundaError)


# -- authentication and TLS --------------------------------------------------------------------------------


def test_username_and_password_are_sent_as_basic_auth(http: responses.RequestsMock) -> None:
    http.get(f"{BASE}/version", json={"version": "7.24.0"})
    client = CamundaClient(CamundaSettings(base_url=BASE, username="demo", password="pa55"))

    assert client.version() == "7.24.0"

    expected = "Basic " + base64.b64encode(b"demo:pa55").decode()
    assert http.calls[0].request.headers["Authorization"] == expected
    assert http.calls[0].request.headers["Accept"] == "application/json"
    client.close()


def test_a_token_is_sent_as_bearer_and_wins_over_basic_auth(http: responses.RequestsMock) -> None:
    http.get(f"{BASE}/version", json={"version": "7.24.0"})
    client = CamundaClient(CamundaSettings(base_url=BASE, username="demo", password="pa55", token="tok-123"))

    client.version()

    assert http.calls[0].request.headers["Authorization"] == "Bearer tok-123"
    client.close()


def test_without_credentials_no_authorization_is_sent(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.get(f"{BASE}/version", json={"version": "7.24.0"})

    client.version()

    assert "Authorization" not in http.calls[0].request.headers


def test_credentials_never_show_in_the_settings_repr() -> None:
    settings = CamundaSettings(base_url=BASE, username="demo", password="pa55-secret", token="tok-secret")

    assert "pa55-secret" not in repr(settings)
    assert "tok-secret" not in repr(settings)


@pytest.mark.parametrize("ca_bundle", [None, ""])
def test_certificates_are_verified_when_no_ca_bundle_is_given(ca_bundle: str | None) -> None:
    settings = CamundaSettings(base_url="https://engine.test/engine-rest", ca_bundle=ca_bundle)
    session = build_session(settings)

    assert settings.verify is True
    assert session.verify is True
    session.close()


def test_a_ca_bundle_adds_trust_and_keeps_verification_on(
    http: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a private CA bundle in the settings, and another bundle in the process environment
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/some-other-bundle.pem")
    http.get("https://engine.test/engine-rest/version", json={"version": "7.24.0"})
    settings = CamundaSettings(base_url="https://engine.test/engine-rest", ca_bundle="/etc/exchanger/ca.pem")
    client = CamundaClient(settings)

    # When a request is made
    client.version()

    # Then the configured bundle is the one used to verify the engine
    assert sent_kwargs(http)["verify"] == "/etc/exchanger/ca.pem"
    client.close()


def test_without_a_ca_bundle_each_request_still_verifies(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.get(f"{BASE}/version", json={"version": "7.24.0"})

    client.version()

    assert sent_kwargs(http)["verify"] not in (False, None, "")


# -- reads ------------------------------------------------------------------------------------------------


def test_topic_names_passes_its_filters_as_lowercase_booleans(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.get(f"{TASK}/topic-names", json=["a", "b"])

    assert client.topic_names(with_unlocked=True) == ["a", "b"]

    assert recorded(http).params == {"withUnlockedTasks": "true"}


def test_error_details_are_read_as_plain_text(http: responses.RequestsMock, client: CamundaClient) -> None:
    http.get(f"{TASK}/t-1/errorDetails", body="java.lang.RuntimeException: boom", content_type="text/plain")

    assert client.error_details("t-1") == "java.lang.RuntimeException: boom"

    assert http.calls[0].request.headers["Accept"] == "text/plain"


def test_a_file_variable_is_downloaded_from_its_instance(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.get(f"{BASE}/process-instance/pi-1/variables/scan/data", body=b"%PDF-1.7")
    ref = FileRef(
        name="scan",
        filename="scan.pdf",
        mime_type="application/pdf",
        encoding=None,
        process_instance_id="pi-1",
    )

    assert client.download_file(ref) == b"%PDF-1.7"


def test_history_variables_are_decoded_with_their_types(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.get(
        f"{BASE}/history/variable-instance",
        json=[
            {"name": "payload", "type": "Json", "value": '{"a": 1}', "valueInfo": {}},
            {"name": "when", "type": "Date", "value": "2026-01-02T03:04:05.000+0000"},
        ],
    )

    values = client.history_variables("pi-1")

    assert values == {"payload": {"a": 1}, "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}
    assert recorded(http).params == {"processInstanceId": "pi-1", "deserializeValues": "false"}


def test_starting_an_instance_sends_business_key_and_typed_variables(
    http: responses.RequestsMock, client: CamundaClient
) -> None:
    http.post(f"{BASE}/process-definition/key/orders/tenant-id/acme/start", json={"id": "pi-1"})

    instance = client.start_process_instance(
        "orders", business_key="bk-1", variables={"n": 1}, tenant_id="acme"
    )

    assert instance == {"id": "pi-1"}
    assert sent_json(http) == {"variables": {"n": {"type": "Integer", "value": 1}}, "businessKey": "bk-1"}
