"""The real YandexGPT client, handler and tracker against the sandbox started in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from core.actions.outcomes import Complete, Tracked
from core.contracts import CompleteOutcome
from core.contracts.result import untyped
from core.tracking import TrackedItem
from systems.yandexgpt.completion import Completion
from systems.yandexgpt.errors import YandexGptAuthError, YandexGptRateLimited, YandexGptRejected
from systems.yandexgpt.tracker import YandexGptTracker
from tests.fixtures.yandexgpt.support import FOLDER, Sandbox, context, running_sandbox, settings

pytestmark = pytest.mark.integration
BODY = {
    "modelUri": f"gpt://{FOLDER}/yandexgpt-lite/latest",
    "completionOptions": {"stream": False, "temperature": 0.3, "maxTokens": "50"},
    "messages": [{"role": "user", "text": "Hello there"}],
}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as started:
        yield started


def test_a_sync_generation_has_string_counts_on_the_wire_and_numbers_in_the_client(sandbox: Sandbox) -> None:
    raw = requests.post(
        f"{sandbox.base}/foundationModels/v1/completion",
        json=BODY,
        headers={"Authorization": "Api-Key AQVNtestsecretkey0123456789"},
        timeout=5,
    ).json()
    assert set(raw) == {"result"} and isinstance(raw["result"]["usage"]["totalTokens"], str)
    generation = sandbox.client().completion(BODY, "exchanger-t1")
    assert generation.text == "Answer: Hello there" and generation.usage.total_tokens > 0
    state = sandbox.state()
    assert state["per_prompt"] == {"Hello there": 2} and state["per_request_id"]["exchanger-t1"] == 1


def test_an_async_operation_finishes_when_the_control_api_says_and_the_tracker_completes_it(
    sandbox: Sandbox,
) -> None:
    sandbox.control("POST", "settings", {"async_done_after_s": None})
    sandbox.control("POST", "replies", {"contains": "rate", "text": '{"score": 5}'})
    chosen = settings(mode="async")
    client = sandbox.client(chosen)
    task = context(
        documentation="rate {{ who }}",
        variables={"who": "Acme"},
        properties={"yandexgpt.json_schema": '{"type": "object"}'},
    )
    outcome = Completion(client, chosen)(task)
    assert isinstance(outcome, Tracked)
    tracker = YandexGptTracker(client, chosen)
    item = TrackedItem("ext-1", outcome.id, outcome.url, "pi-1", "Summarize", "yandexgpt.completion")
    assert tracker.check([item]) == {}  # still running: the task keeps its lock
    sandbox.control("POST", "operations/finish")
    done = tracker.check([item])["ext-1"]
    assert isinstance(done, CompleteOutcome) and untyped(done.variables)["gpt_json"] == {"score": 5}
    raw = sandbox.state()["operations"]
    (only,) = raw.values()
    assert "result" not in only["response"] and only["response"]["usage"]["totalTokens"].isdigit()


def test_a_429_storm_is_absorbed_by_retries_without_a_second_generation(sandbox: Sandbox) -> None:
    sandbox.control("POST", "faults", {"kind": "rate_limit", "count": 2, "endpoint": "completion"})
    chosen = settings()
    outcome = Completion(sandbox.client(chosen), chosen)(context(documentation="storm"))
    assert isinstance(outcome, Complete)
    state = sandbox.state()
    assert state["per_prompt"] == {"storm": 1} and state["counters"]["statuses"] == {"429": 2, "200": 1}
    sandbox.control("POST", "faults", {"kind": "rate_limit", "count": 5, "shape": "status"})
    with pytest.raises(YandexGptRateLimited):
        sandbox.client(chosen).completion(BODY)


def test_auth_folder_and_argument_errors_are_permanent(sandbox: Sandbox) -> None:
    client = sandbox.client()
    client.credentials = type(client.credentials)(FOLDER, api_key="wrong-key-value")
    with pytest.raises(YandexGptAuthError):
        client.completion(BODY)
    with pytest.raises(YandexGptAuthError):
        sandbox.client().completion({**BODY, "modelUri": "gpt://someone-else/yandexgpt-lite/latest"})
    with pytest.raises(YandexGptRejected, match="maxTokens"):
        sandbox.client().completion({**BODY, "completionOptions": {"maxTokens": "many"}})
    assert sandbox.state()["generations"] == []
