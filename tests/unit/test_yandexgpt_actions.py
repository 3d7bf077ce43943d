"""The completion handler and the operations tracker, with the client on ``responses``."""

from __future__ import annotations

import json

import pytest
import responses

from core.actions.outcomes import Complete, Tracked
from core.contracts import BpmnErrorOutcome, CompleteOutcome, FailureOutcome
from core.contracts.result import untyped
from core.errors import BusinessError, PermanentError
from core.tracking import TrackedItem
from systems.yandexgpt.completion import Completion
from systems.yandexgpt.reference import parse_reference, reference_id
from systems.yandexgpt.tracker import YandexGptTracker
from tests.fixtures.yandexgpt.support import FOLDER, client_for, context, settings

BASE = "https://llm.test"
COMPLETION = f"{BASE}/foundationModels/v1/completion"
ASYNC = f"{BASE}/foundationModels/v1/completionAsync"
SCHEMA = {"type": "object", "properties": {"score": {"type": "integer"}}, "required": ["score"]}


def answer(text: str, status: str = "ALTERNATIVE_STATUS_FINAL") -> dict[str, object]:
    return {
        "alternatives": [{"message": {"role": "assistant", "text": text}, "status": status}],
        "usage": {"inputTextTokens": "5", "completionTokens": "3", "totalTokens": "8"},
        "modelVersion": "1",
    }


@pytest.fixture
def mocked() -> responses.RequestsMock:
    with responses.RequestsMock() as mock:
        yield mock


def handler(**options: object) -> Completion:
    chosen = settings(**options)
    return Completion(client_for(BASE, chosen), chosen)


def test_a_short_prompt_is_answered_at_once_with_typed_variables(mocked: responses.RequestsMock) -> None:
    mocked.post(COMPLETION, json={"result": answer("A summary")})
    task = context(
        variables={"request": "call me back"},
        documentation="Summarise: {{ request }}",
        properties={"yandexgpt.system_prompt": "Be brief", "yandexgpt.temperature": "0.1"},
    )
    outcome = handler()(task)
    assert isinstance(outcome, Complete)
    assert outcome.variables == {
        "gpt_text": "A summary",
        "gpt_status": "ALTERNATIVE_STATUS_FINAL",
        "gpt_input_tokens": 5,
        "gpt_completion_tokens": 3,
        "gpt_total_tokens": 8,
        "gpt_model_version": "1",
    }
    body = json.loads(mocked.calls[0].request.body or b"{}")
    assert body["modelUri"] == f"gpt://{FOLDER}/yandexgpt-lite/latest"
    assert body["completionOptions"] == {"stream": False, "temperature": 0.1, "maxTokens": "2000"}
    assert body["messages"] == [
        {"role": "system", "text": "Be brief"},
        {"role": "user", "text": "Summarise: call me back"},
    ]


def test_a_long_prompt_goes_async_and_is_tracked_by_its_operation(mocked: responses.RequestsMock) -> None:
    mocked.post(ASYNC, json={"id": "d7qop", "done": False})
    task = context(properties={"yandexgpt.prompt": "x" * 50, "yandexgpt.model": "yandexgpt/rc"})
    outcome = handler(async_threshold_chars=10)(task)
    assert isinstance(outcome, Tracked) and outcome.id == "d7qop"
    assert outcome.url == f"{BASE}/operations/d7qop"
    assert json.loads(mocked.calls[0].request.body or b"{}")["modelUri"] == f"gpt://{FOLDER}/yandexgpt/rc"


def test_the_schema_travels_with_the_reference_of_an_async_generation(mocked: responses.RequestsMock) -> None:
    mocked.post(ASYNC, json={"id": "d7qop", "done": False})
    task = context(
        properties={
            "yandexgpt.prompt": "rate it",
            "yandexgpt.mode": "async",
            "yandexgpt.json_schema": "rating",
        }
    )
    outcome = handler(json_schemas={"rating": SCHEMA})(task)
    assert isinstance(outcome, Tracked)
    assert parse_reference(outcome.id) == ("d7qop", SCHEMA)


def test_a_missing_variable_or_prompt_fails_before_anything_is_generated(
    mocked: responses.RequestsMock,
) -> None:
    with pytest.raises(PermanentError, match="'request' is missing"):
        handler()(context(documentation="Summarise: {{ request }}"))
    with pytest.raises(PermanentError, match="has no prompt"):
        handler()(context())
    with pytest.raises(PermanentError, match="JSON schema is invalid"):
        handler()(context(documentation="x", properties={"yandexgpt.json_schema": '{"type": "nonsense"}'}))
    assert len(mocked.calls) == 0


def test_a_json_answer_is_parsed_and_validated(mocked: responses.RequestsMock) -> None:
    mocked.post(COMPLETION, json={"result": answer('```json\n{"score": 7}\n```')})
    mocked.post(COMPLETION, json={"result": answer('{"score": "high"}')})
    mocked.post(COMPLETION, json={"result": answer("not json at all")})
    task = context(documentation="rate", properties={"yandexgpt.json_schema": json.dumps(SCHEMA)})
    good = handler()(task)
    assert isinstance(good, Complete) and good.variables["gpt_json"] == {"score": 7}
    with pytest.raises(BusinessError, match="does not match the JSON schema at score") as caught:
        handler()(task)
    assert caught.value.code == "GPT_BAD_JSON" and caught.value.variables["gpt_text"] == '{"score": "high"}'
    with pytest.raises(BusinessError, match="not JSON") as caught:
        handler()(task)
    assert caught.value.code == "GPT_BAD_JSON"


def test_a_filtered_answer_is_the_content_filter_business_error(mocked: responses.RequestsMock) -> None:
    mocked.post(COMPLETION, json={"result": answer("", "ALTERNATIVE_STATUS_CONTENT_FILTER")})
    with pytest.raises(BusinessError) as caught:
        handler()(context(documentation="something rude"))
    assert caught.value.code == "GPT_CONTENT_FILTER"


def item(reference: str, task_id: str = "ext-1") -> TrackedItem:
    return TrackedItem(task_id, reference, None, "pi-1", "Summarize", "yandexgpt.completion")


def operation(op_id: str, **fields: object) -> dict[str, object]:
    return {"id": op_id, "description": "Async GPT Completion", **fields}


def test_the_tracker_leaves_running_operations_and_settles_done_ones(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{BASE}/operations/run", json=operation("run", done=False))
    mocked.get(f"{BASE}/operations/ok", json=operation("ok", done=True, response=answer('{"score": 3}')))
    mocked.get(f"{BASE}/operations/bad", json=operation("bad", done=True, response=answer("{}")))
    mocked.get(
        f"{BASE}/operations/filtered",
        json=operation("filtered", done=True, response=answer("", "ALTERNATIVE_STATUS_CONTENT_FILTER")),
    )
    mocked.get(
        f"{BASE}/operations/err", json=operation("err", done=True, error={"code": 13, "message": "boom"})
    )
    mocked.get(f"{BASE}/operations/gone", status=404, json={"code": 5, "message": "Operation not found"})
    mocked.get(f"{BASE}/operations/busy", status=503, json={"code": 14, "message": "later"})
    items = [
        item("run", "t-run"),
        item(reference_id("ok", SCHEMA), "t-ok"),
        item(reference_id("bad", SCHEMA), "t-bad"),
        item("filtered", "t-filtered"),
        item("err", "t-err"),
        item("gone", "t-gone"),
        item("busy", "t-busy"),
    ]
    chosen = settings()
    outcomes = YandexGptTracker(client_for(BASE, chosen), chosen).check(items)
    assert set(outcomes) == {"t-ok", "t-bad", "t-filtered", "t-err", "t-gone"}
    ok = outcomes["t-ok"]
    assert isinstance(ok, CompleteOutcome)
    assert (
        untyped(ok.variables)["gpt_json"] == {"score": 3} and untyped(ok.variables)["gpt_total_tokens"] == 8
    )
    bad, filtered = outcomes["t-bad"], outcomes["t-filtered"]
    assert isinstance(bad, BpmnErrorOutcome) and bad.code == "GPT_BAD_JSON"
    assert isinstance(filtered, BpmnErrorOutcome) and filtered.code == "GPT_CONTENT_FILTER"
    err, gone = outcomes["t-err"], outcomes["t-gone"]
    assert isinstance(err, FailureOutcome) and "INTERNAL: boom" in err.message
    assert isinstance(gone, FailureOutcome) and "Operation not found" in gone.message


def test_an_auth_failure_postpones_polling_instead_of_failing_every_task(
    mocked: responses.RequestsMock,
) -> None:
    mocked.get(f"{BASE}/operations/a", status=401, json={"code": 16, "message": "Unknown api key"})
    chosen = settings()
    assert YandexGptTracker(client_for(BASE, chosen), chosen).check([item("a"), item("b", "t2")]) == {}
