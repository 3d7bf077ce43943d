"""DaData end to end: worker + creator + tracker against the sandbox and the real engine.

Cleaning is an idempotent read, so "exactly one effect" is each value cleaned (billed) once
in the sandbox. Scenarios: the happy path with typed variables in the engine's history, a
429 storm absorbed with no incident and no second billed answer, and the circuit opening on
a 5xx streak and closing after (tasks wait, none fails).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.camunda import CamundaClient
from tests.fixtures.dadata.support import API_KEY, X_SECRET, Sandbox, running_sandbox
from tests.support.bpmn import Step, chain_process
from tests.support.suite import Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
SERVICES = (("worker", ()), ("creator", ("--system", "dadata")), ("tracker", ()))
STEPS = [
    Step("CleanPhone", "dadata.clean.phone", name="Clean the phone"),
    Step("CleanEmail", "dadata.clean.email", name="Clean the e-mail", properties={"dadata.input": "mail"}),
    Step("FindParty", "dadata.party", name="Find the company"),
]


DaDataSuite = Suite  # the suite's extra_env carries the sandbox's credentials


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(cleaner_rps=200, suggestions_rps=200) as started:
        yield started


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[DaDataSuite]:
    suite = DaDataSuite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def start(suite: DaDataSuite, sandbox: Sandbox, camunda: CamundaClient, key: str, **system: Any) -> None:
    entry: dict[str, Any] = {
        "kind": "immediate",
        "lock_duration_ms": 60_000,
        "concurrency": 4,
        "retry": {"attempts": 5, "min_delay_ms": 300, "max_delay_ms": 2_000, "multiplier": 2, "jitter": 0.1},
        "limits": {"rate": 50, "burst": 20, "max_concurrent": 4},
        "circuit": {"failures": 5, "cooldown_s": 2},
        "timeout_s": 5,
        "options": {
            "cleaner_url": sandbox.cleaner,
            "suggestions_url": sandbox.suggestions,
            "client_retry": {"attempts": 3, "base_delay_s": 0.05, "max_delay_s": 0.2, "max_wait_s": 2},
        },
        **system,
    }
    suite.configure(
        systems={"dadata": entry},
        rules=[{"topic": "dadata.*", "system": "dadata"}],
        worker={"process_definition_keys": [key]},
    )
    suite.extra_env.update(sandbox.env())
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, STEPS).encode()})
    for name, args in SERVICES:
        suite.start(name, *args)
    suite.wait_all_healthy(SERVICES)


def start_instances(camunda: CamundaClient, key: str, count: int) -> dict[str, str]:
    """``count`` instances, each with its own phone number: instance id → phone."""
    phones = {}
    for number in range(count):
        phone = f"8 (900) 555-{number // 100:02d}-{number % 100:02d}"
        card = {"phone": phone, "mail": f"client{number}@gmial.com", "inn": "7707083893"}
        phones[camunda.start_process_instance(key, variables=card)["id"]] = phone
    return phones


def wait_finished(camunda: CamundaClient, key: str, count: int, timeout: float = 120) -> None:
    def done() -> bool:
        return len(camunda.history_process_instances(processDefinitionKey=key, finished=True)) == count

    wait_for(done, timeout=timeout, interval=0.5, what=f"{count} instances of {key} to end")


def assert_cleaned_once(sandbox: Sandbox, phones: dict[str, str]) -> None:
    cleaned = sandbox.state()["cleaned"]
    assert cleaned["phone"] == dict.fromkeys(phones.values(), 1)
    assert sorted(cleaned["email"].values()) == [1] * len(phones)


def assert_logs_clean(suite: DaDataSuite, phones: dict[str, str]) -> None:
    """No key, no secret and no unmasked phone number in any process log."""
    for name in ("worker", "creator", "tracker"):
        text = suite.log_path(name).read_text(errors="replace")
        assert API_KEY not in text and X_SECRET not in text, f"a DaData key leaked into the {name} log"
        for phone in phones.values():
            assert phone not in text, f"an unmasked phone number is in the {name} log"


def test_contacts_are_cleaned_into_typed_variables(
    suite: DaDataSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    start(suite, sandbox, camunda, key)
    phones = start_instances(camunda, key, 5)
    wait_finished(camunda, key, 5)
    instance = next(iter(phones))
    variables = camunda.history_variables(instance)
    assert variables["phone_clean"] == "+7 900 555-00-00" and variables["phone_qc"] == 0
    assert variables["phone_type"] == "Мобильный" and variables["phone_needs_check"] is False
    assert variables["phone_record"]["city_code"] == "900"  # a Json variable, strings as DaData sends
    # gmial.com → gmail.com is a typo fixed (qc 4): needs a check, the activity does not catch it
    assert (variables["mail_clean"], variables["mail_qc"], variables["mail_needs_check"]) == (
        "client0@gmail.com",
        4,
        True,
    )
    assert variables["party_found"] is True and variables["party_name"] == "ПАО СБЕРБАНК"
    assert (
        variables["party_status"] == "ACTIVE" and variables["party_record"]["data"]["ogrn"] == "1027700132195"
    )
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    assert_cleaned_once(sandbox, phones)
    assert_logs_clean(suite, phones)


def test_a_429_storm_is_absorbed_without_an_incident_or_a_second_billed_answer(
    suite: DaDataSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    sandbox.fault("rate_limited", count=40, endpoint="clean")
    start(suite, sandbox, camunda, key)
    phones = start_instances(camunda, key, 10)
    wait_finished(camunda, key, 10)
    state = sandbox.state()
    assert state["statuses"]["429"] == 40 and state["faults"] == []
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    assert_cleaned_once(sandbox, phones)
    assert state["connections"] <= 6  # kept alive: the creator's pool (4) and the control session


def test_the_circuit_opens_on_a_5xx_streak_and_closes_after_while_tasks_wait(
    suite: DaDataSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    sandbox.fault("server_error", count=8, status=503, endpoint="clean/phone")
    start(suite, sandbox, camunda, key, circuit={"failures": 3, "cooldown_s": 2})
    phones = start_instances(camunda, key, 6)
    wait_finished(camunda, key, 6, timeout=180)
    assert sandbox.state()["statuses"]["503"] == 8
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    assert_cleaned_once(sandbox, phones)
    messages = [str(line.get("msg") or line.get("text") or line) for line in suite.log_lines("creator")]
    assert any("circuit of dadata open" in m for m in messages)
    assert any("circuit of dadata closed" in m for m in messages)
    assert any("no attempt spent" in m for m in messages)
