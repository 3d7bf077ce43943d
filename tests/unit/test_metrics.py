"""The metrics endpoint, the scrape-time collectors and the counts made on the call and settle paths."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import responses
import yaml
from prometheus_client import REGISTRY, Counter, Gauge, Histogram

from core.config.models import ApiConfig, SystemConfig
from core.contracts import CompleteOutcome, FailureOutcome, ResultMessage, TaskRef
from core.errors import ExchangerError, TransportFailure
from core.health import Heartbeat
from core.http import client as http_client
from core.ledger import SqliteLedger, TaskState
from core.metrics import catalog
from core.metrics.checks import heartbeat_check, probe_check
from core.metrics.collectors import LedgerStates, QueueDepths, TrackedWork, register
from core.metrics.server import MetricsServer
from core.metrics.settlements import record_settlement
from core.transport.settings import BrokerSettings
from tests.conftest import SHIPPED_METRICS_PORTS as DEFAULT_PORTS
from tests.unit.fakes import route


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[SqliteLedger]:
    opened = SqliteLedger(tmp_path / "ledger.sqlite3")
    yield opened
    opened.close()


# -- the endpoint ---------------------------------------------------------------------------------------------


@pytest.fixture
def beating(tmp_path: Path) -> Heartbeat:
    heartbeat = Heartbeat(tmp_path, "svc")
    heartbeat.beat(force=True)
    return heartbeat


def serve(heartbeat: Heartbeat, *ready: tuple[str, object]) -> MetricsServer:
    server = MetricsServer("127.0.0.1", 0, live=heartbeat_check(heartbeat.path, 30), ready=list(ready))  # type: ignore[arg-type]
    server.start()
    return server


def test_the_endpoint_serves_metrics_liveness_and_readiness(beating: Heartbeat) -> None:
    server = serve(beating, ("engine", lambda: (True, "answers")))
    try:
        metrics = requests.get(f"{server.url}/metrics", timeout=5)
        assert metrics.status_code == 200 and "process_cpu_seconds_total" in metrics.text
        assert (
            "exchanger_tasks_fetched_total" in metrics.text
            or "# HELP exchanger_tasks_fetched" in metrics.text
        )
        live = requests.get(f"{server.url}/healthz", timeout=5).json()
        assert live["ok"] is True and set(live["checks"]) == {"heartbeat"}
        ready = requests.get(f"{server.url}/readyz", timeout=5)
        assert ready.status_code == 200 and set(ready.json()["checks"]) == {"heartbeat", "engine"}
        assert requests.get(f"{server.url}/other", timeout=5).status_code == 404
    finally:
        server.close()


def test_readiness_fails_naming_the_check_that_failed_while_liveness_holds(beating: Heartbeat) -> None:
    def unreachable() -> str:
        raise TransportFailure("connection refused")

    server = serve(beating, probe_check("broker", unreachable))
    try:
        ready = requests.get(f"{server.url}/readyz", timeout=5)
        assert ready.status_code == 503
        broker = ready.json()["checks"]["broker"]
        assert broker["ok"] is False and "connection refused" in broker["detail"]
        assert requests.get(f"{server.url}/healthz", timeout=5).status_code == 200
    finally:
        server.close()


def test_a_stale_heartbeat_makes_liveness_fail(tmp_path: Path) -> None:
    heartbeat = Heartbeat(tmp_path, "svc")
    heartbeat.path.write_text(f'{{"ts": {time.time() - 600}, "pid": 1}}')
    server = serve(heartbeat)
    try:
        live = requests.get(f"{server.url}/healthz", timeout=5)
        assert live.status_code == 503 and "stuck or dead" in live.json()["checks"]["heartbeat"]["detail"]
    finally:
        server.close()


def test_a_taken_port_is_an_error_that_names_it_and_the_setting() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ExchangerError, match=rf"127.0.0.1:{port}.*metrics.port"):
            MetricsServer("127.0.0.1", port, live=("heartbeat", lambda: (True, "")), ready=[])


def test_the_heartbeat_carries_the_endpoint_it_was_told(tmp_path: Path) -> None:
    heartbeat = Heartbeat(tmp_path, "svc")
    heartbeat.note(metrics_url="http://127.0.0.1:9401")
    heartbeat.beat({"connected": True}, force=True)
    assert '"metrics_url": "http://127.0.0.1:9401"' in heartbeat.path.read_text()


# -- collectors -------------------------------------------------------------------------------------------------


def test_ledger_states_and_tracked_work_are_read_from_the_ledger(ledger: SqliteLedger) -> None:
    for n in range(3):
        route(ledger, f"t-{n}", system="bitrix24")
    ledger.mark("t-0", TaskState.TRACKED)
    ledger.mark("t-1", TaskState.TRACKED)
    unregister = [
        register(LedgerStates(ledger.counts, ttl_s=0)),
        register(TrackedWork(ledger, ["bitrix24", "openproject"], ttl_s=0)),
    ]
    try:
        assert value("exchanger_ledger_records", state="tracked") == 2
        assert value("exchanger_ledger_records", state="routed") == 1
        assert value("exchanger_tracked_in_flight", system="bitrix24") == 2
        assert value("exchanger_tracked_in_flight", system="openproject") == 0
        assert value("exchanger_tracked_oldest_age_seconds", system="bitrix24") >= 0
        ledger.mark("t-0", TaskState.COMPLETED)
        assert value("exchanger_tracked_in_flight", system="bitrix24") == 1
    finally:
        for undo in unregister:
            undo()
    assert REGISTRY.get_sample_value("exchanger_tracked_in_flight", {"system": "bitrix24"}) is None


def test_a_second_collector_of_the_same_names_is_left_out_not_a_crash(ledger: SqliteLedger) -> None:
    first = register(LedgerStates(ledger.counts))
    second = register(LedgerStates(ledger.counts))
    second()
    first()


# -- the call path ---------------------------------------------------------------------------------------------


@responses.activate
def test_external_calls_are_counted_by_outcome_with_their_latency() -> None:
    system = "metrics-unit"
    http = http_client.system_http(system, SystemConfig())
    url = "https://metrics-unit.example/x"
    for status in (200, 201, 404, 429, 503):
        responses.add(responses.GET, url, status=status)
    responses.add(responses.GET, url, body=requests.ConnectionError("refused"))
    before = {
        o: value("exchanger_external_calls_total", system=system, outcome=o)
        for o in ("ok", "4xx", "429", "5xx", "transport")
    }
    for _ in range(5):
        http.request("GET", url)
    with pytest.raises(TransportFailure):
        http.request("GET", url)
    after = {o: value("exchanger_external_calls_total", system=system, outcome=o) for o in before}
    assert {o: after[o] - before[o] for o in before} == {
        "ok": 2,
        "4xx": 1,
        "429": 1,
        "5xx": 1,
        "transport": 1,
    }
    assert value("exchanger_external_call_seconds_count", system=system) >= 6
    assert value("exchanger_circuit_state", system=system) == 0
    assert 0 <= value("exchanger_rate_limit_headroom_ratio", system=system) <= 1


@responses.activate
def test_a_call_that_waits_for_the_rate_limit_is_counted_with_its_wait() -> None:
    system = "metrics-unit-rate"
    config = SystemConfig.model_validate({"limits": {"rate": 20, "burst": 1, "max_concurrent": 1}})
    http = http_client.system_http(system, config)
    responses.add(responses.GET, "https://metrics-unit-rate.example/", status=200)
    waits = value("exchanger_rate_limit_waits_total", system=system)
    http.request("GET", "https://metrics-unit-rate.example/")
    http.request("GET", "https://metrics-unit-rate.example/")  # one token a 20th of a second later
    assert value("exchanger_rate_limit_waits_total", system=system) == waits + 1
    assert 0.02 <= value("exchanger_rate_limit_wait_seconds_total", system=system) <= 1.0


# -- settlements -----------------------------------------------------------------------------------------------


def test_settlements_are_counted_by_outcome_and_origin_and_the_rest_are_not(ledger: SqliteLedger) -> None:
    entry = route(ledger, "t-1", system="python")
    ref = TaskRef(worker_id="w", topic="python.task")
    done = ResultMessage(external_task_id="t-1", outcome=CompleteOutcome(), system="python", task=ref)
    failed = ResultMessage(
        external_task_id="t-1", outcome=FailureOutcome(message="no"), system="python", task=ref
    )

    def count(outcome: str, origin: str) -> float:
        return value(
            "exchanger_tasks_settled_total",
            system="python",
            topic="python.task",
            outcome=outcome,
            origin=origin,
        )

    before = (count("completed", "engine"), count("incident", "engine"), count("failed", "direct"))
    ends = value("exchanger_task_end_to_end_seconds_count", system="python")
    record_settlement(done, entry, "completed")
    record_settlement(failed, entry, "incident")
    record_settlement(failed, entry, "direct-failed")
    for not_a_settlement in ("duplicate", "tracked", "extended", "gone", "conflict"):
        record_settlement(done, entry, not_a_settlement)
    after = (count("completed", "engine"), count("incident", "engine"), count("failed", "direct"))
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
    assert value("exchanger_task_end_to_end_seconds_count", system="python") - ends == 3


# -- the documented dashboard and scrape config -----------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs"


def exported_names(ledger: SqliteLedger) -> set[str]:
    """Every series name Exchanger can export: the catalog's metrics and the scrape-time collectors'."""
    names: set[str] = set()
    for metric in vars(catalog).values():
        if isinstance(metric, Counter):
            names.add(f"{metric._name}_total")
        elif isinstance(metric, Histogram):
            names.update(f"{metric._name}_{suffix}" for suffix in ("bucket", "count", "sum"))
        elif isinstance(metric, Gauge):
            names.add(metric._name)
    depths = QueueDepths(BrokerSettings(), [])
    depths._stats = SimpleNamespace(get=dict)  # type: ignore[assignment]  # no broker needed for names
    for collector in (LedgerStates(ledger.counts), TrackedWork(ledger, ["s"]), depths):
        names.update(family.name for family in collector.collect())
    return names


def test_every_metric_the_grafana_dashboard_queries_is_exported(ledger: SqliteLedger) -> None:
    dashboard = json.loads((DOCS / "grafana" / "exchanger.json").read_text())
    queried = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"exchanger_[a-z_]+", target["expr"])
    }
    assert len(queried) >= 15
    assert queried <= exported_names(ledger), queried - exported_names(ledger)


def test_the_documented_scrape_config_has_a_job_per_service_on_its_default_port() -> None:
    config = yaml.safe_load((DOCS / "prometheus.yml").read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}
    assert targets == {
        "exchanger-worker": [f"127.0.0.1:{DEFAULT_PORTS['universal_worker']}"],
        "exchanger-creator": [f"127.0.0.1:{DEFAULT_PORTS['task_creator']}"],
        "exchanger-tracker": [f"127.0.0.1:{DEFAULT_PORTS['task_tracker']}"],
        "exchanger-api": [f"127.0.0.1:{ApiConfig().port}"],
    }
