"""The YandexGPT client against ``responses``: every error class, both error shapes, both answer shapes."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from core.errors import PermanentError, RetryableError, TransportFailure
from systems.yandexgpt.errors import (
    YandexGptAuthError,
    YandexGptNotFound,
    YandexGptProtocolError,
    YandexGptRateLimited,
    YandexGptRejected,
    YandexGptTransient,
)
from tests.fixtures.yandexgpt.support import API_KEY, FOLDER, client_for

BASE = "https://llm.test"
COMPLETION = f"{BASE}/foundationModels/v1/completion"
ASYNC = f"{BASE}/foundationModels/v1/completionAsync"
BODY = {"modelUri": f"gpt://{FOLDER}/yandexgpt-lite/latest", "messages": [{"role": "user", "text": "Hi"}]}
ANSWER = {
    "alternatives": [
        {"message": {"role": "assistant", "text": "Hello"}, "status": "ALTERNATIVE_STATUS_FINAL"}
    ],
    "usage": {"inputTextTokens": "28", "completionTokens": "10", "totalTokens": "38"},
    "modelVersion": "06.12.2023",
}
GATEWAY_429 = {
    "error": {
        "grpcCode": 8,
        "httpCode": 429,
        "message": "Quota limit ai.languageModels.requestCount.rate exceeded",
        "httpStatus": "Too Many Requests",
        "details": [],
    }
}
STATUS_429 = {"code": 8, "message": "Quota limit exceeded", "details": []}


@pytest.fixture
def mocked() -> responses.RequestsMock:
    with responses.RequestsMock() as mock:
        yield mock


def test_a_sync_answer_is_unwrapped_from_result_and_counts_become_numbers(
    mocked: responses.RequestsMock,
) -> None:
    mocked.post(COMPLETION, json={"result": ANSWER})
    generation = client_for(BASE).completion(BODY, "exchanger-ext-1")
    assert (generation.text, generation.status, generation.model_version) == (
        "Hello",
        "ALTERNATIVE_STATUS_FINAL",
        "06.12.2023",
    )
    assert (
        generation.usage.input_tokens,
        generation.usage.completion_tokens,
        generation.usage.total_tokens,
    ) == (
        28,
        10,
        38,
    )
    sent = mocked.calls[0].request
    assert sent.headers["Authorization"] == f"Api-Key {API_KEY}"
    assert sent.headers["x-folder-id"] == FOLDER
    assert sent.headers["x-client-request-id"] == "exchanger-ext-1"
    assert json.loads(sent.body or b"{}") == BODY


def test_an_iam_token_is_sent_as_bearer_when_there_is_no_api_key(mocked: responses.RequestsMock) -> None:
    mocked.post(COMPLETION, json={"result": ANSWER})
    client_for(BASE, YANDEXGPT_API_KEY="", YANDEXGPT_IAM_TOKEN="t1.iam-token-value").completion(BODY)
    assert mocked.calls[0].request.headers["Authorization"] == "Bearer t1.iam-token-value"


@pytest.mark.parametrize("body", [GATEWAY_429, STATUS_429], ids=["gateway", "google.rpc.Status"])
def test_429_is_retried_with_backoff_in_either_shape(mocked: responses.RequestsMock, body: object) -> None:
    mocked.post(COMPLETION, status=429, json=body)
    mocked.post(COMPLETION, json={"result": ANSWER})
    assert client_for(BASE).completion(BODY).text == "Hello"
    assert len(mocked.calls) == 2


def test_503_is_retried_and_a_storm_longer_than_the_attempts_is_retryable(
    mocked: responses.RequestsMock,
) -> None:
    for _ in range(3):
        mocked.post(COMPLETION, status=503, json={"code": 14, "message": "unavailable"})
    with pytest.raises(YandexGptTransient, match="HTTP 503 UNAVAILABLE: unavailable") as caught:
        client_for(BASE).completion(BODY)
    assert isinstance(caught.value, RetryableError) and len(mocked.calls) == 3


def test_an_exhausted_429_storm_is_a_rate_limited_retryable_error(mocked: responses.RequestsMock) -> None:
    for _ in range(3):
        mocked.post(ASYNC, status=429, json=GATEWAY_429)
    with pytest.raises(YandexGptRateLimited, match=r"RESOURCE_EXHAUSTED: Quota limit ai\.languageModels"):
        client_for(BASE).completion_async(BODY)


def test_500_on_a_generation_is_not_repeated_inside_the_call(mocked: responses.RequestsMock) -> None:
    mocked.post(COMPLETION, status=500, json={"code": 13, "message": "internal"})
    with pytest.raises(YandexGptTransient):
        client_for(BASE).completion(BODY)
    assert len(mocked.calls) == 1  # it may have generated; the pipeline decides about another try


def test_a_transport_failure_is_retryable_and_not_repeated(mocked: responses.RequestsMock) -> None:
    mocked.post(COMPLETION, body=requests.ConnectionError("reset"))
    with pytest.raises(TransportFailure):
        client_for(BASE).completion(BODY)
    assert len(mocked.calls) == 1


def test_400_fails_with_the_apis_message(mocked: responses.RequestsMock) -> None:
    mocked.post(COMPLETION, status=400, json={"code": 3, "message": "completionOptions.maxTokens: invalid"})
    with pytest.raises(
        YandexGptRejected, match=r"HTTP 400 INVALID_ARGUMENT: completionOptions\.maxTokens: invalid"
    ):
        client_for(BASE).completion(BODY)
    assert len(mocked.calls) == 1


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (401, {"code": 16, "message": "Unknown api key"}),
        (403, {"error": {"grpcCode": 7, "httpCode": 403, "message": "Permission denied"}}),
    ],
)
def test_401_and_403_are_auth_errors_that_become_incidents(
    mocked: responses.RequestsMock, status: int, body: object
) -> None:
    mocked.post(COMPLETION, status=status, json=body)
    with pytest.raises(YandexGptAuthError, match="check the API key") as caught:
        client_for(BASE).completion(BODY)
    assert isinstance(caught.value, PermanentError) and not isinstance(caught.value, RetryableError)
    assert API_KEY not in str(caught.value)


def test_an_async_start_returns_the_operation_id(mocked: responses.RequestsMock) -> None:
    mocked.post(ASYNC, json={"id": "d7qi6shlbvo5", "description": "Async GPT Completion", "done": False})
    assert client_for(BASE).completion_async(BODY) == "d7qi6shlbvo5"


def test_a_done_operation_has_the_response_without_the_result_wrapper(mocked: responses.RequestsMock) -> None:
    response = {
        "@type": "type.googleapis.com/yandex.cloud.ai.foundation_models.v1.CompletionResponse",
        **ANSWER,
    }
    mocked.get(f"{BASE}/operations/op1", json={"id": "op1", "done": True, "response": response})
    mocked.get(f"{BASE}/operations/op2", json={"id": "op2", "done": False})
    mocked.get(
        f"{BASE}/operations/op3", json={"id": "op3", "done": True, "error": {"code": 13, "message": "boom"}}
    )
    client = client_for(BASE)
    done = client.operation("op1")
    assert done.done and done.generation is not None and done.generation.usage.total_tokens == 38
    assert not client.operation("op2").done
    failed = client.operation("op3")
    assert (
        failed.done
        and failed.generation is None
        and (failed.error_code, failed.error_message) == (13, "boom")
    )


def test_a_missing_operation_is_not_found(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/operations/gone", status=404, json={"code": 5, "message": "Operation not found"})
    with pytest.raises(YandexGptNotFound):
        client_for(BASE).operation("gone")


def test_an_answer_that_is_not_the_documented_json_is_a_protocol_error(
    mocked: responses.RequestsMock,
) -> None:
    mocked.post(COMPLETION, body="<html>proxy</html>")
    mocked.post(COMPLETION, json={"result": {"alternatives": []}})
    client = client_for(BASE)
    with pytest.raises(YandexGptProtocolError, match="without JSON"):
        client.completion(BODY)
    with pytest.raises(YandexGptProtocolError, match="no alternatives"):
        client.completion(BODY)
