"""OpenProject end to end: worker, creator and tracker as processes against the real engine and
broker and the OpenProject sandbox; people act through the sandbox's control API."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camunda_sync.config.loader import load_config
from camunda_sync.config.routing import exchanger_routing
from camunda_sync.convert import ConversionOptions, convert_bpmn
from core.camunda import CamundaClient
from tests.fixtures.bitrix24.e2e import activities, finished
from tests.support.bpmn import Step, chain_process
from tests.support.locks import lock_expiry, lock_moved
from tests.support.sandboxes import OpenProjectSandbox, openproject_sandbox
from tests.support.suite import Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
REVIEW = ROOT / "tests" / "fixtures" / "sync" / "storm_review.bpmn"
SERVICES = (("worker", ()), ("creator", ("--system", "openproject")), ("tracker", ()))
TOKEN = "e2e-op-token"


@pytest.fixture
def sandbox() -> Iterator[OpenProjectSandbox]:
    with openproject_sandbox(TOKEN, rate_limit_rps=None) as started:
        yield started


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[Suite]:
    suite = Suite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def start(suite: Suite, sandbox: OpenProjectSandbox, key: str, **system: Any) -> None:
    entry: dict[str, Any] = {
        "kind": "tracked",
        "lock_duration_ms": 60_000,
        "concurrency": 4,
        "poll_interval_s": 1,
        "batch_size": 50,
        "limits": {"rate": 50, "burst": 50, "max_concurrent": 4},
        "retry": {"attempts": 5, "min_delay_ms": 300, "max_delay_ms": 2_000, "multiplier": 2, "jitter": 0.1},
        "options": {"default_project": "demo"},
        **system,
    }
    suite.configure(
        systems={"openproject": entry},
        rules=[{"topic": "openproject.*", "system": "openproject"}],
        worker={"process_definition_keys": [key]},
    )
    suite.extra_env.update({"OPENPROJECT_URL": sandbox.base, "OPENPROJECT_API_TOKEN": TOKEN})
    for name, args in SERVICES:
        suite.start(name, *args)
    suite.wait_all_healthy(SERVICES)


def open_packages(sandbox: OpenProjectSandbox, count: int) -> list[dict[str, Any]] | None:
    packages = sandbox.work_packages()
    return packages if len(packages) >= count else None


def task_ids(sandbox: OpenProjectSandbox) -> Counter[str]:
    return Counter(str(wp["custom_fields"].get("customField1")) for wp in sandbox.work_packages())


def test_a_hundred_instances_complete_once_their_work_packages_close(
    suite: Suite, sandbox: OpenProjectSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    steps = [Step("Review", "openproject.work_package", name="Review the order {{ order }}")]
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})
    for n in range(100):
        camunda.start_process_instance(key, variables={"order": f"A-{n}"})
    start(suite, sandbox, key)
    packages = wait_for(lambda: open_packages(sandbox, 100), timeout=120, what="100 work packages")
    for wp in packages:
        sandbox.set_status(int(wp["id"]), "Closed")
    wait_for(lambda: finished(camunda, key) == 100, timeout=120, interval=1, what="100 instances to finish")
    assert len(sandbox.work_packages()) == 100
    assert set(task_ids(sandbox).values()) == {1}  # one work package per external task
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
    log = "".join(suite.log_path(name).read_text() for name, _ in SERVICES)
    assert TOKEN not in log


def test_a_storm_diagram_gateway_takes_both_branches_on_the_persons_answer(
    suite: Suite, sandbox: OpenProjectSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    diagram = REVIEW.read_bytes().replace(b"REVIEW_MARKER", b"[openproject]")
    config = load_config(ROOT / "config" / "camunda_sync.yaml")
    options = ConversionOptions(process_id=key, routing=exchanger_routing(ROOT / "config"))
    converted = convert_bpmn(diagram, config.converter, options).xml
    assert b"op_approved" in converted  # the condition reads OpenProject's answer variable
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": converted})
    yes, no = (camunda.start_process_instance(key)["id"] for _ in range(2))
    start(suite, sandbox, key)
    first, second = sorted(
        wait_for(lambda: open_packages(sandbox, 2), timeout=60, what="2 packages"), key=id_of
    )
    by_task = {str(wp["custom_fields"].get("customField1")): int(wp["id"]) for wp in (first, second)}
    tasks = {t["processInstanceId"]: t["id"] for t in camunda.list_external_tasks(processDefinitionKey=key)}
    sandbox.set_status(by_task[tasks[yes]], "Closed")
    sandbox.set_status(by_task[tasks[no]], "Rejected")
    wait_for(lambda: finished(camunda, key) == 2, timeout=60, what="both instances to finish")
    assert "End_Approved" in activities(camunda, yes) and "End_Declined" in activities(camunda, no)
    assert camunda.history_variables(no)["op_approved"] is False
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []


def id_of(wp: dict[str, Any]) -> int:
    return int(wp["id"])


def test_rejected_and_deleted_work_packages_take_their_error_paths(
    suite: Suite, sandbox: OpenProjectSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    codes = ("OPENPROJECT_REJECTED", "OPENPROJECT_GONE")
    steps = [Step("Review", "openproject.work_package", name="Review", catches=codes)]
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})
    rejected, deleted = (camunda.start_process_instance(key)["id"] for _ in range(2))
    start(suite, sandbox, key)
    packages = wait_for(lambda: open_packages(sandbox, 2), timeout=60, what="2 packages")
    by_task = {str(wp["custom_fields"].get("customField1")): int(wp["id"]) for wp in packages}
    tasks = {t["processInstanceId"]: t["id"] for t in camunda.list_external_tasks(processDefinitionKey=key)}
    sandbox.set_status(by_task[tasks[rejected]], "Rejected")
    sandbox.delete(by_task[tasks[deleted]])
    wait_for(lambda: finished(camunda, key) == 2, timeout=60, what="both instances to finish")
    assert "End_Boundary_Review_OPENPROJECT_REJECTED" in activities(camunda, rejected)
    assert "End_Boundary_Review_OPENPROJECT_GONE" in activities(camunda, deleted)
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []


def test_a_cancelled_instance_reaches_its_work_package_through_a_conflict(
    suite: Suite, sandbox: OpenProjectSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    steps = [Step("Review", "openproject.work_package", name="Review")]
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})
    instance = camunda.start_process_instance(key)["id"]
    # The tracker learns of the cancellation when it next extends the lock, at half its life: a
    # 4 s lock, not the default 60 s, spares the test a 30 s wait.
    start(suite, sandbox, key, lock_duration_ms=4_000)
    (package,) = wait_for(lambda: open_packages(sandbox, 1), timeout=60, what="the work package")
    wp_id = int(package["id"])
    sandbox.fault("conflict", work_package=wp_id)  # someone edits it just before our PATCH
    camunda.delete_process_instance(instance, reason="the customer withdrew")
    done = wait_for(
        lambda: (wp := sandbox.work_package(wp_id))["status"] == "Rejected" and wp["comments"] and wp,
        timeout=60,
        what="the cancellation to reach OpenProject",
    )
    assert instance in done["comments"][-1]["text"]
    assert sandbox.state()["counters"]["answers"].get("409", 0) == 1


def test_a_short_lock_stays_alive_while_a_person_works(
    suite: Suite, sandbox: OpenProjectSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    steps = [Step("Review", "openproject.work_package", name="Review")]
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})
    instance = camunda.start_process_instance(key)["id"]
    start(suite, sandbox, key, lock_duration_ms=4_000)
    (package,) = wait_for(lambda: open_packages(sandbox, 1), timeout=60, what="the work package")
    first = lock_expiry(camunda, instance)
    # The tracker extends the 4 s lock at half-life; wait until it moved 8 s on.
    wait_for(
        lambda: lock_moved(camunda, instance, first, 8.0),
        timeout=30,
        interval=0.5,
        what="the lock to move on",
    )
    sandbox.set_status(int(package["id"]), "Closed")
    wait_for(lambda: finished(camunda, key) == 1, timeout=60, what="the instance to finish")
    assert len(sandbox.work_packages()) == 1
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []


def test_a_creator_killed_while_creating_leaves_one_work_package_per_task(
    suite: Suite, sandbox: OpenProjectSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    steps = [Step("Review", "openproject.work_package", name="Review")]
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": chain_process(key, steps).encode()})
    for _ in range(5):
        camunda.start_process_instance(key)
    # Every create is done in OpenProject but its answer is lost: the crash window itself.
    sandbox.fault("lost_answer", endpoint="create", count=5)
    start(suite, sandbox, key)
    wait_for(lambda: open_packages(sandbox, 1), timeout=60, what="a first work package")
    suite.kill("creator")
    suite.start("creator", "--system", "openproject")
    packages = wait_for(lambda: open_packages(sandbox, 5), timeout=120, interval=1, what="5 work packages")
    assert set(task_ids(sandbox).values()) == {1} and len(task_ids(sandbox)) == 5
    assert sandbox.requests().get("create", 0) == 5  # each create was answered by nothing, once
    for wp in packages:
        sandbox.set_status(int(wp["id"]), "Closed")
    wait_for(lambda: finished(camunda, key) == 5, timeout=90, interval=1, what="5 instances to finish")
    assert len(sandbox.work_packages()) == 5
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
