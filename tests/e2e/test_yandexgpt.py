"""YandexGPT end to end: worker, creator and tracker as processes, the real engine and broker, and
the YandexGPT sandbox in-process; generations are counted in the sandbox's state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from loguru import logger

from core.camunda import CamundaClient
from tests.fixtures.yandexgpt.e2e import GptSuite, assert_no_key_in_logs, configure, start_all
from tests.fixtures.yandexgpt.support import Sandbox, running_sandbox
from tests.support.bpmn import Step, chain_process
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
TOPIC = "yandexgpt.completion"
SCHEMA = '{"type": "object", "properties": {"score": {"type": "integer"}}, "required": ["score"]}'


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox() as started:
        yield started


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[GptSuite]:
    suite = GptSuite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def deploy(camunda: CamundaClient, key: str, steps: list[Step]) -> None:
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})


def finished(camunda: CamundaClient, key: str) -> int:
    return len(camunda.history_process_instances(processDefinitionKey=key, finished=True))


def lock_expiry(camunda: CamundaClient, instance_id: str) -> datetime | None:
    tasks = camunda.list_external_tasks(processInstanceId=instance_id)
    raw = tasks[0].get("lockExpirationTime") if tasks else None
    return datetime.fromisoformat(raw.replace("+0000", "+00:00")) if raw else None


def running_operations(sandbox: Sandbox) -> int:
    return sum(1 for op in sandbox.state()["operations"].values() if not op["done"])


def test_sync_and_async_generations_with_the_lock_kept_while_the_operation_runs(
    suite: GptSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    sandbox.control("POST", "settings", {"async_done_after_s": None})
    sandbox.control("POST", "replies", {"contains": "Rate", "text": '{"score": 4}'})
    rate = Step(
        "Rate",
        TOPIC,
        documentation="Rate the request: {{ request }}",
        properties={"yandexgpt.json_schema": SCHEMA},
    )
    essay = Step(
        "Essay",
        TOPIC,
        properties={"yandexgpt.prompt": "Write about {{ request }}", "yandexgpt.mode": "async"},
    )
    deploy(camunda, key, [rate, essay])
    configure(suite, sandbox, [key], lock_duration_ms=4_000)
    instance = camunda.start_process_instance(key, variables={"request": "call me back"})["id"]
    start_all(suite)
    wait_for(lambda: running_operations(sandbox) == 1, timeout=60, what="the async generation to start")
    first = wait_for(lambda: lock_expiry(camunda, instance), timeout=30, what="the locked Essay task")
    # The tracker extends the 4 s lock at half-life while the operation runs; wait until it moved 8 s.
    wait_for(
        lambda: (now := lock_expiry(camunda, instance)) is not None and (now - first).total_seconds() > 8,
        timeout=30,
        interval=0.5,
        what="the lock to be extended past twice its duration",
    )
    sandbox.control("POST", "operations/finish")
    wait_for(lambda: finished(camunda, key) == 1, timeout=60, what="the instance to finish")
    variables = camunda.history_variables(instance)
    assert variables["gpt_json"] == {"score": 4}
    assert variables["gpt_text"] == "Answer: Write about call me back"
    assert isinstance(variables["gpt_total_tokens"], int) and variables["gpt_total_tokens"] > 0
    state = sandbox.state()
    assert state["per_prompt"] == {"Rate the request: call me back": 1, "Write about call me back": 1}
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    assert_no_key_in_logs(suite)


def test_a_429_storm_is_absorbed_with_no_duplicate_generation(
    suite: GptSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    key, count, storm = f"p{unique}", 20, 40
    sandbox.control("POST", "faults", {"kind": "rate_limit", "count": storm, "endpoint": "completion"})
    deploy(camunda, key, [Step("Ask", TOPIC, documentation="Summarise request {{ n }}")])
    configure(suite, sandbox, [key])
    for n in range(count):
        camunda.start_process_instance(key, variables={"n": n})
    start_all(suite)
    wait_for(
        lambda: finished(camunda, key) == count, timeout=180, interval=1, what="every instance to finish"
    )
    state = sandbox.state()
    assert state["counters"]["statuses"]["429"] == storm
    assert len(state["per_prompt"]) == count and set(state["per_prompt"].values()) == {1}
    assert set(state["per_request_id"].values()) == {1}
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    logger.info("429 storm: {} refusals absorbed, statuses {}", storm, state["counters"]["statuses"])


def test_sigkill_of_the_creator_during_async_generations_makes_one_operation_per_task(
    suite: GptSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    key, count = f"p{unique}", 20
    sandbox.control("POST", "settings", {"async_done_after_s": None})
    deploy(
        camunda,
        key,
        [Step("Essay", TOPIC, documentation="Essay {{ n }}", properties={"yandexgpt.mode": "async"})],
    )
    configure(suite, sandbox, [key], lock_duration_ms=6_000)
    for n in range(count):
        camunda.start_process_instance(key, variables={"n": n})
    start_all(suite)
    wait_for(lambda: running_operations(sandbox) == count, timeout=90, what="every generation to be running")
    wait_for(lambda: suite.tracked() == count, timeout=30, what="every operation id in the ledger")
    suite.kill("creator")
    suite.start("creator", "--system", "yandexgpt")
    suite.wait_healthy("creator", "--system", "yandexgpt")
    wait_for(
        lambda: finished(camunda, key) == 0 and running_operations(sandbox) == count, what="a quiet moment"
    )
    sandbox.control("POST", "operations/finish")
    wait_for(
        lambda: finished(camunda, key) == count, timeout=120, interval=1, what="every instance to finish"
    )
    state = sandbox.state()
    assert len(state["operations"]) == count
    assert len(state["per_request_id"]) == count and set(state["per_request_id"].values()) == {1}
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
