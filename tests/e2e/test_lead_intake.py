"""The lead-intake process end to end: DaData, YandexGPT, Bitrix24 and SMS Aero together.

Worker, creator (all four systems) and tracker run as processes against the real engine and
broker; every external system is its sandbox. Exactly-once effects are counted in the
sandboxes' state; the services' logs are searched for secrets and unmasked phone numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from core.camunda import CamundaClient
from tests.support.suite import Suite
from tests.support.waiting import wait_for
from tools.demo.config import local_systems
from tools.demo.sandboxes import SANDBOX_KEY, UNDELIVERABLE, Sandboxes
from tools.launcher import ROOT
from tools.sandbox.dadata.app import DEFAULT_KEYS as DADATA_KEYS

pytestmark = pytest.mark.e2e

INSTANCES = 200
SYSTEMS = ("dadata", "yandexgpt", "bitrix24", "smsaero")
PHONES = ("+7 916 123-45-67", "8 (903) 555-12-34", "+7 999 000-00-13", "not given")
RULES = [
    {"topic": f"{prefix}.*", "system": system}
    for prefix, system in (
        ("dadata", "dadata"),
        ("yandexgpt", "yandexgpt"),
        ("bitrix24", "bitrix24"),
        ("sms", "smsaero"),
    )
]


@pytest.fixture
def sandboxes() -> Iterator[Sandboxes]:
    started = Sandboxes.start()
    yield started
    started.stop()


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[Suite]:
    suite = Suite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def configure(suite: Suite, sandboxes: Sandboxes, key: str) -> None:
    systems = yaml.safe_load((ROOT / "config" / "systems.yaml").read_text(encoding="utf-8"))["systems"]
    urls = {
        "dadata": sandboxes.url(sandboxes.dadata),
        "yandexgpt": sandboxes.url(sandboxes.yandexgpt),
        "sms": sandboxes.sms.urls,
    }
    local_systems(systems, urls, bitrix24_rate=50.0)
    bitrix24 = f"{sandboxes.url(sandboxes.bitrix24)}/_sandbox/settings"
    requests.post(bitrix24, json={"rate": 50.0, "burst": 100}, timeout=10).raise_for_status()
    suite.configure(
        systems={name: systems[name] for name in SYSTEMS},
        rules=RULES,
        worker={"process_definition_keys": [key]},
    )
    suite.extra_env = sandboxes.environment()


def deploy(camunda: CamundaClient, key: str) -> None:
    xml = (
        (ROOT / "bpmn" / "lead-intake.bpmn")
        .read_text(encoding="utf-8")
        .replace('id="lead-intake"', f'id="{key}"')
    )
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": xml.encode()})


def variables(n: int) -> dict[str, Any]:
    return {
        "full_name": ["Анна Смирнова", "Иван Петров", "Maria Rossi", "John Smith"][n % 4],
        "phone": PHONES[n % len(PHONES)],
        "email": f"customer{n}@example.com",
        "request_text": f"Request {n}: forty office chairs delivered to Kazan before March",
        "stage": "new",
    }


def ends(camunda: CamundaClient, key: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for instance in camunda.history_process_instances(processDefinitionKey=key, finished=True):
        reached = {row["activityId"] for row in camunda.history_activity_instances(instance["id"])}
        found.update(
            end for end in ("Done", "Unconfirmed", "BadContact", "Refused", "NoLead") if end in reached
        )
    return found


def test_200_lead_intake_instances_complete_once_each_with_no_secret_or_phone_in_any_log(
    suite: Suite, sandboxes: Sandboxes, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    configure(suite, sandboxes, key)
    deploy(camunda, key)
    for n in range(INSTANCES):
        camunda.start_process_instance(key, variables=variables(n))
    creator_args = [arg for name in SYSTEMS for arg in ("--system", name)]
    services = (("worker", []), ("creator", creator_args), ("tracker", []))
    for name, args in services:
        suite.start(name, *args)
    suite.wait_all_healthy(services)

    wait_for(
        lambda: len(camunda.history_process_instances(processDefinitionKey=key, finished=True)) == INSTANCES,
        timeout=300,
        interval=1,
        what=f"{INSTANCES} lead-intake instances to finish",
    )

    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    reached = ends(camunda, key)
    per_phone = INSTANCES // len(PHONES)
    assert reached == {"Done": 2 * per_phone, "Unconfirmed": per_phone, "BadContact": per_phone}
    # Exactly once, counted by the systems: one generation per task, one lead and one SMS per instance
    generations = sandboxes.yandexgpt.sandbox.state.snapshot()["per_request_id"]  # type: ignore[attr-defined]
    assert len(generations) == 3 * per_phone and set(generations.values()) == {1}
    leads = sandboxes.bitrix24.sandbox.state.snapshot()["leads"]
    assert len(leads) == 3 * per_phone
    sends = sandboxes.sms.app.state.snapshot()["sends"]
    assert sum(sends.values()) == 3 * per_phone and set(sends.values()) == {1}
    assert_no_secret_or_phone_in_logs(suite)


def spelled(national: str) -> re.Pattern[str]:
    """The ten digits of a number in any usual spelling (spaces, brackets, dashes between them)."""
    return re.compile(r"[\s()+-]{0,2}".join(national))


def assert_no_secret_or_phone_in_logs(suite: Suite) -> None:
    secrets = {SANDBOX_KEY, *DADATA_KEYS, "sandboxsecret"}
    digits = {re.sub(r"\D", "", phone) for phone in PHONES if any(c.isdigit() for c in phone)}
    digits |= {UNDELIVERABLE}
    for log in suite.state_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        assert not [s for s in secrets if s in text], f"a secret in {log.name}"
        unmasked = [number for number in digits if spelled(number[1:]).search(text)]
        assert not unmasked, f"unmasked phone numbers in {log.name}: {unmasked}"
