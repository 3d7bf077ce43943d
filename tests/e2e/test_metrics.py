"""Metrics after a demo-sized run, checked against the sandbox's, the engine's and the ledger's own
counts, and scraped by a real Prometheus whose PromQL answers the completed count."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from core.camunda import CamundaClient
from tests.fixtures.bitrix24.e2e import BitrixSuite, configure, deploy_demo, finished, start_all
from tests.fixtures.bitrix24.support import Sandbox, running_sandbox
from tests.support.metrics import scrape, total
from tests.support.prometheus import running_prometheus, scrape_config
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
INSTANCES = 12  # the people-task demo: two Bitrix24 tasks per instance
JOBS = {
    "universal_worker": "exchanger-worker",
    "task_creator": "exchanger-creator",
    "task_tracker": "exchanger-tracker",
}
HEARTBEATS = {
    "universal_worker": "universal_worker",
    "task_creator": "task_creator.bitrix24",
    "task_tracker": "task_tracker",
}


def status_outcome(status: str) -> str:
    code = int(status)
    return "429" if code == 429 else "5xx" if code >= 500 else "4xx" if code >= 400 else "ok"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # tasks stay open past a scrape and the tracked gauge's 5 s cache, so the gauge shows them
    with running_sandbox(rate=20.0, burst=50, auto_close_after_s=6.0) as started:
        yield started


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[BitrixSuite]:
    suite = BitrixSuite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def test_counters_match_the_sandbox_engine_and_ledger_and_prometheus_answers_the_completed_count(
    suite: BitrixSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str, tmp_path: Path
) -> None:
    # Given the Bitrix24 people-task demo on the sandbox, which fails a few calls on the way
    key = f"p{unique}"
    configure(suite, sandbox, [key], lock_duration_ms=60_000)
    deploy_demo(camunda, "people-task.bpmn", key)
    sandbox.control("POST", "faults", {"kind": "server_error", "count": 3})  # retried by the client
    start_all(suite)
    urls = {service: suite.metrics_url(heartbeat) for service, heartbeat in HEARTBEATS.items()}
    jobs = {JOBS[service]: [urlsplit(url).netloc] for service, url in urls.items()}

    with running_prometheus(tmp_path / "prometheus", scrape_config(jobs)) as prometheus:
        # When the instances run to the end
        for n in range(INSTANCES):
            camunda.start_process_instance(key, variables={"customer": f"c{n}"})
        # people-work in flight shows while it is out with people (the gauge moves, it is not stuck at 0)
        in_flight = 'sum(exchanger_tracked_in_flight{system="bitrix24"})'
        wait_for(lambda: (prometheus.scalar(in_flight) or 0) >= 1, timeout=60, interval=0.5, what=in_flight)
        wait_for(
            lambda: finished(camunda, key) == INSTANCES, timeout=180, interval=0.5, what="instances to finish"
        )
        tasks = 2 * INSTANCES

        # Then Prometheus, through the scrape config, answers the completed count
        completed = 'sum(exchanger_tasks_settled_total{outcome="completed", system="bitrix24"})'
        wait_for(lambda: prometheus.scalar(completed) == tasks, timeout=30, interval=0.5, what=completed)
        assert prometheus.targets_up() == dict.fromkeys(jobs, "up")

    worker, creator, tracker = (scrape(urls[name]) for name in HEARTBEATS)
    ledger = ledger_states(suite)
    state = sandbox.state()
    # Every task the engine created was fetched, published and completed once
    assert len(state["tasks"]) == tasks and ledger == {"completed": tasks}
    assert total(worker, "exchanger_tasks_fetched_total") == tasks
    assert total(worker, "exchanger_tasks_published_total", system="bitrix24") == tasks
    assert total(worker, "exchanger_tasks_unrouted_total") == 0
    assert total(tracker, "exchanger_tasks_settled_total", outcome="completed", origin="engine") == tasks
    assert total(tracker, "exchanger_tasks_settled_total") == tasks  # nothing failed or raised
    assert total(tracker, "exchanger_task_end_to_end_seconds_count", system="bitrix24") == tasks
    assert total(creator, "exchanger_publish_to_result_seconds_count", system="bitrix24") == tasks
    assert total(worker, "exchanger_fetch_to_publish_seconds_count", system="bitrix24") == tasks
    # The ledger's states as the worker reports them
    wait_for(
        lambda: total(scrape(urls["universal_worker"]), "exchanger_ledger_records", state="completed")
        == tasks,
        timeout=15,
        what="the ledger gauge to read every task completed",
    )
    # External calls by outcome, creator and tracker together, are exactly what the sandbox answered
    served = Counter[str]()
    for status, count in state["counters"]["statuses"].items():
        served[status_outcome(status)] += count
    for outcome in ("ok", "4xx", "429", "5xx"):
        calls = sum(
            total(s, "exchanger_external_calls_total", system="bitrix24", outcome=outcome)
            for s in (creator, tracker)
        )
        assert calls == served[outcome], (outcome, calls, dict(served))
    assert served["5xx"] == 3
    # Every tracked task had its lock extended when tracking began; none is still in flight
    assert total(tracker, "exchanger_lock_extensions_total", system="bitrix24") >= tasks
    assert total(tracker, "exchanger_lock_losses_total") == 0
    wait_for(  # read from the ledger at scrape time, at most 5 s old
        lambda: total(scrape(urls["task_tracker"]), "exchanger_tracked_in_flight", system="bitrix24") == 0,
        timeout=15,
        what="no tracked work left in flight",
    )
    assert total(creator, "exchanger_circuit_state", system="bitrix24") == 0


def ledger_states(suite: BitrixSuite) -> dict[str, int]:
    with sqlite3.connect(suite.state_dir / "ledger.sqlite3") as conn:
        return dict(conn.execute("SELECT state, COUNT(*) FROM tasks GROUP BY state").fetchall())


def test_health_endpoints_answer_for_a_running_tracker_and_name_what_is_missing(
    suite: BitrixSuite, sandbox: Sandbox, camunda: CamundaClient, unique: str
) -> None:
    configure(suite, sandbox, [f"p{unique}"])
    start_all(suite)
    url = suite.metrics_url("task_tracker")
    live = requests.get(f"{url}/healthz", timeout=5)
    ready = requests.get(f"{url}/readyz", timeout=5)
    assert live.status_code == 200 and json.loads(live.text)["ok"] is True
    assert ready.status_code == 200
    assert set(ready.json()["checks"]) == {"heartbeat", "engine", "broker"}
    assert requests.get(f"{url}/nothing", timeout=5).status_code == 404
    # When the tracker stops, its endpoint goes with it (a scraper sees the target down)
    suite.stop("tracker")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/healthz", timeout=5)
