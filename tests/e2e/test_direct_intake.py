"""Direct tasks end to end: ``python -m api``, the creator and the tracker as processes.

Submissions come over REST and over the broker's intake queue, for a python action and a
Bitrix24 lead; results arrive on the submitter's reply queue. Exactly-once is counted in the
handlers' effects table and in the Bitrix24 sandbox's leads, never in our own logs.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from core.camunda import CamundaClient
from tests.e2e.conftest import python_system
from tests.fixtures.bitrix24.e2e import bitrix_system, deploy_demo, open_tasks
from tests.fixtures.bitrix24.support import Sandbox, running_sandbox
from tests.support.api import OPERATE, READ, ReplyQueue, api_env
from tests.support.handlers import counts
from tests.support.suite import SHORT_CLAIM_LEASE_S, Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
CREATOR_ARGS = ("--system", "python", "--system", "bitrix24")
PHONE = "+7 916 123-45-67"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(rate=50.0, burst=100) as started:
        yield started


def configured(tmp_path: Path, unique: str, sandbox: Sandbox, engine: str, **bitrix24: Any) -> Suite:
    suite = Suite(tmp_path, prefix=f"e2e{unique}.", engine=engine)
    suite.configure(
        systems={
            "python": python_system(tmp_path / "effects.sqlite3"),
            "bitrix24": bitrix_system(
                options={"rate_limit": {"rate": 50.0, "burst": 100, "tracker_share": 0.2}}, **bitrix24
            ),
        },
        rules=[{"topic": "bitrix24.*", "system": "bitrix24"}],
        worker={"process_definition_keys": [f"p{unique}"]},
        api={"port": free_port()},
    )
    suite.extra_env = {"BITRIX24_WEBHOOK_URL": sandbox.webhook, **api_env()}
    return suite


@pytest.fixture
def suite(
    tmp_path: Path, rabbitmq: str, camunda_engine: str, unique: str, sandbox: Sandbox
) -> Iterator[Suite]:
    """For direct tasks: no process runs and no engine takes part, so one engine (Camunda) is enough."""
    suite = configured(tmp_path, unique, sandbox, "camunda")
    yield suite
    suite.close()


@pytest.fixture
def process_suite(
    tmp_path: Path, rabbitmq: str, engine_name: str, unique: str, sandbox: Sandbox
) -> Iterator[Suite]:
    """For a test that runs a process through the API: once per engine, like every e2e test."""
    # The tracker learns of a stop when it next extends the lock (at half its life): a 6 s lock,
    # not 120 s, so the test's wait does not hinge on whether the first extension came before the stop.
    suite = configured(tmp_path, unique, sandbox, engine_name, lock_duration_ms=6_000)
    yield suite
    suite.close()


@pytest.fixture
def replies(suite: Suite, unique: str) -> Iterator[ReplyQueue]:
    queue = ReplyQueue(suite.broker(), f"replies-{unique}")
    yield queue
    queue.close()


class Api:
    """The running API's REST side, at the port the suite's configuration gave it."""

    def __init__(self, suite: Suite) -> None:
        general = yaml.safe_load((suite.config_dir / "exchanger.yaml").read_text(encoding="utf-8"))
        self.base = f"http://127.0.0.1:{general['api']['port']}"

    def submit(self, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = {**OPERATE, **({"Idempotency-Key": key} if key else {})}
        answer = requests.post(f"{self.base}/v1/tasks", json=body, headers=headers, timeout=10)
        assert answer.status_code == 202, answer.text
        return dict(answer.json())

    def task(self, task_id: str) -> dict[str, Any]:
        answer = requests.get(f"{self.base}/v1/tasks/{task_id}", headers=READ, timeout=10)
        answer.raise_for_status()
        return dict(answer.json())

    def post(self, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        return requests.post(f"{self.base}{path}", json=body, headers=OPERATE, timeout=30)


def start(suite: Suite, *names: str) -> Api:
    wanted = {"api": (), "creator": CREATOR_ARGS, "tracker": (), "worker": ()}
    for name in names:
        suite.start(name, *wanted[name])
    suite.wait_all_healthy([(name, wanted[name]) for name in names])
    return Api(suite)


def submission(system: str, topic: str, variables: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"system": system, "topic": topic, "variables": variables, **extra}


def finals(replies: list[tuple[str | None, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {reply["id"]: reply for _, reply in replies if reply["status"] != "accepted"}


def test_rest_and_broker_submissions_run_once_and_reply_with_their_results(
    suite: Suite, sandbox: Sandbox, replies: ReplyQueue
) -> None:
    api = start(suite, "api", "creator", "tracker")
    broker = suite.broker()
    lead = {"phone": PHONE, "full_name": "Анна Смирнова", "lead_title": "Forty chairs"}
    by_rest = [
        api.submit(submission("python", "e2e.count", {"n": 5}, reply_to=replies.name), key="rest-python"),
        api.submit(
            submission("bitrix24", "bitrix24.lead.create", lead, reply_to=replies.name), key="rest-lead"
        ),
    ]
    replies.send(
        broker,
        json.dumps(submission("python", "e2e.count", {"n": 7})).encode(),
        correlation_id="c-py",
        message_id="m-py",
    )
    replies.send(
        broker,
        json.dumps(submission("bitrix24", "bitrix24.lead.create", lead)).encode(),
        correlation_id="c-lead",
        message_id="m-lead",
    )

    seen: list[tuple[str | None, dict[str, Any]]] = []
    wait_for(
        lambda: seen.extend(replies.take()) or len(finals(seen)) == 4,
        timeout=60,
        interval=0.2,
        what="four results",
    )

    accepted = {correlation: reply for correlation, reply in seen if reply["status"] == "accepted"}
    assert set(accepted) == {"c-py", "c-lead"}  # broker submitters get their record id at once
    done = finals(seen)
    rest_python, rest_lead = (done[a["id"]] for a in by_rest)
    broker_python, broker_lead = done[accepted["c-py"]["id"]], done[accepted["c-lead"]["id"]]
    assert (rest_python["status"], rest_python["result"]["doubled"]) == ("completed", 10)
    assert (broker_python["status"], broker_python["result"]["doubled"]) == ("completed", 14)
    leads = {lead["ID"]: lead for lead in sandbox.state()["leads"]}
    for reply in (rest_lead, broker_lead):
        # the lead service's form: status, action and the lead id at the top level
        assert (reply["status"], reply["action"]) == ("completed", "create")
        assert str(reply["bitrix_lead_id"]) in {str(i) for i in leads}
    assert len(leads) == 2
    correlations = {correlation for correlation, reply in seen if reply["id"] == broker_lead["id"]}
    assert correlations == {"c-lead"}  # the final reply keeps the submitter's correlation id
    shown = api.task(rest_python["id"])
    assert (shown["status"], shown["attempts"], shown["result"]["doubled"]) == ("completed", 1, 10)

    # The same submissions again (REST key, broker message id): the same records, no new effect
    assert (
        api.submit(submission("python", "e2e.count", {"n": 5}, reply_to=replies.name), key="rest-python")[
            "id"
        ]
        == rest_python["id"]
    )
    replies.send(
        broker,
        json.dumps(submission("bitrix24", "bitrix24.lead.create", lead)).encode(),
        correlation_id="c-again",
        message_id="m-lead",
    )
    again = wait_for(
        lambda: [r for c, r in replies.take() if c == "c-again"], timeout=20, what="the repeat's reply"
    )
    assert again[0]["id"] == broker_lead["id"]
    assert counts(str(suite.root / "effects.sqlite3"))["effects"] == 2
    assert len(sandbox.state()["leads"]) == 2


def test_a_refused_broker_submission_gets_every_problem_on_its_reply_queue(
    suite: Suite, replies: ReplyQueue
) -> None:
    start(suite, "api")
    bad = submission("bitrix24", "bitrix24.lead.move", {"stage": 5})
    replies.send(suite.broker(), json.dumps(bad).encode(), correlation_id="c-bad")
    replies.send(suite.broker(), b"{not json", correlation_id="c-broken")
    got = wait_for(lambda: (found := dict(replies.take())) and found, timeout=20, what="the rejections")
    while len(got) < 2:
        got |= dict(wait_for(lambda: replies.take(), timeout=20, what="the second rejection"))
    assert got["c-bad"]["status"] == "rejected" and got["c-bad"]["id"] is None
    assert got["c-bad"]["error"]["problems"] == [
        "variables.bitrix_lead_id: required",
        "variables.stage: expected string, got integer",
    ]
    assert got["c-broken"]["status"] == "rejected"
    assert "JSON" in got["c-broken"]["error"]["problems"][0]


def test_sigkill_of_the_creator_during_direct_tasks_loses_and_duplicates_nothing(
    suite: Suite, replies: ReplyQueue
) -> None:
    suite.set_creator(claim_lease_s=SHORT_CLAIM_LEASE_S)  # the killed creator's tasks are taken over soon
    api = start(suite, "api", "creator", "tracker")
    ids = [
        api.submit(submission("python", "e2e.count", {"n": n}, reply_to=replies.name), key=f"k{n}")["id"]
        for n in range(150)
    ]
    for n in range(150, 300):
        body = json.dumps(submission("python", "e2e.count", {"n": n})).encode()
        replies.send(suite.broker(), body, correlation_id=f"c{n}", message_id=str(uuid.uuid4()))
    seen: list[tuple[str | None, dict[str, Any]]] = []
    wait_for(
        lambda: seen.extend(replies.take()) or len(finals(seen)) >= 40,
        timeout=60,
        interval=0.1,
        what="the run under way",
    )
    suite.kill("creator")
    suite.start("creator", *CREATOR_ARGS)
    wait_for(
        lambda: seen.extend(replies.take()) or len(finals(seen)) == 300,
        timeout=180,
        interval=0.5,
        what="every result",
    )

    tally = counts(str(suite.root / "effects.sqlite3"))
    assert tally["effects"] == 300 and tally["tasks"] == 300
    assert tally["calls"] - 300 <= 16  # only what was in flight at the kill ran twice
    finals_per_id = Counter(reply["id"] for _, reply in seen if reply["status"] != "accepted")
    assert set(finals_per_id.values()) == {1} and set(ids) <= set(finals_per_id)
    assert {reply["result"]["doubled"] for reply in finals(seen).values()} == {2 * n for n in range(300)}


def test_stop_through_the_api_reaches_bitrix24(
    process_suite: Suite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    suite = process_suite
    key = f"p{unique}"
    deploy_demo(camunda, "people-task.bpmn", key)
    api = start(suite, "api", "worker", "creator", "tracker")
    started = api.post(f"/v1/processes/{key}/start", {"variables": {"customer": "Acme"}})
    assert started.status_code == 201, started.text
    instance = started.json()["id"]
    (task,) = wait_for(lambda: open_tasks(sandbox), timeout=60, what="the Bitrix task")
    stopped = api.post(f"/v1/executions/{instance}/stop", {"reason": "customer withdrew"})
    assert stopped.status_code == 200, stopped.text
    wait_for(
        lambda: sandbox.control("GET", f"tasks/{task['id']}")["fields"]["status"] == "6",
        timeout=30,
        interval=0.3,
        what="the Bitrix task to be deferred",
    )
    operations = [line for line in suite.log_lines("api") if "operation=stop" in str(line.get("msg"))]
    assert operations and "by=api:ops" in operations[0]["msg"]


def test_failures_are_retried_like_engine_tasks_and_replied_as_errors(
    suite: Suite, replies: ReplyQueue
) -> None:
    api = start(suite, "api", "creator", "tracker")
    broken = api.submit(submission("python", "e2e.broken", {}, reply_to=replies.name))["id"]
    flaky = api.submit(submission("python", "e2e.flaky", {}, reply_to=replies.name))["id"]
    refused = api.submit(submission("python", "e2e.business", {"code": "NO_STOCK"}, reply_to=replies.name))[
        "id"
    ]
    seen: list[tuple[str | None, dict[str, Any]]] = []
    done = wait_for(
        lambda: seen.extend(replies.take()) or (len(found := finals(seen)) == 3 and found),
        timeout=60,
        interval=0.2,
        what="three outcomes",
    )
    # e2e.broken always fails retryably: three attempts (the system's retry policy), then failed
    assert (done[broken]["status"], done[broken]["attempts"]) == ("failed", 3)
    assert "the upstream is down" in done[broken]["error"]["message"]
    assert (done[flaky]["status"], done[flaky]["result"]["attempts_needed"]) == ("completed", 3)
    assert (done[refused]["status"], done[refused]["error"]["code"]) == ("bpmn_error", "NO_STOCK")
    calls = counts(str(suite.root / "effects.sqlite3"))["calls"]
    assert calls == 3 + 3 + 1
    assert api.task(broken)["status"] == "failed"


def test_a_direct_people_task_is_tracked_until_the_person_closes_it(
    suite: Suite, sandbox: Sandbox, replies: ReplyQueue
) -> None:
    api = start(suite, "api", "creator", "tracker")
    variables = {"bitrix_responsible_id": 2, "customer": "Acme"}
    record = api.submit(submission("bitrix24", "bitrix24.task", variables, reply_to=replies.name))["id"]
    (task,) = wait_for(lambda: open_tasks(sandbox), timeout=60, what="the Bitrix task")
    tracked = wait_for(
        lambda: (t := api.task(record))["status"] == "tracked" and t, timeout=30, what="tracked"
    )
    assert tracked["external_item"]["id"] == str(task["id"])
    sandbox.control("POST", f"tasks/{task['id']}/close", {"result": "called, they agreed"})
    (reply,) = wait_for(lambda: list(finals(replies.take()).values()), timeout=60, what="the outcome")
    assert (reply["id"], reply["status"]) == (record, "completed")
    assert len(sandbox.tasks()) == 1
