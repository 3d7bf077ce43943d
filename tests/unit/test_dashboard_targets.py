"""Where the dashboard reads metrics: configured targets, or the URLs fresh heartbeats name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import responses

from api.dashboard.metrics_source import MetricsSource
from api.dashboard.targets import Target, discover, metrics_url
from core.config.models import MetricsConfig
from core.health import Heartbeat

NOW = 1_800_000_000.0


def beat(state: Path, name: str, body: object) -> None:
    (state / f"{name}.heartbeat").write_text(json.dumps(body), encoding="utf-8")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://127.0.0.1:9402", "http://127.0.0.1:9402/metrics"),
        ("http://127.0.0.1:9402/", "http://127.0.0.1:9402/metrics"),
        ("https://ops.example/creator/metrics", "https://ops.example/creator/metrics"),
    ],
)
def test_a_server_address_gets_the_metrics_path(given: str, expected: str) -> None:
    assert metrics_url(given) == expected


def test_fresh_heartbeats_with_a_metrics_url_are_the_targets(tmp_path: Path) -> None:
    beat(tmp_path, "task_creator", {"ts": NOW - 5, "metrics_url": "http://127.0.0.1:9402"})
    beat(tmp_path, "task_tracker", {"ts": NOW - 1, "metrics_url": "http://127.0.0.1:9403"})
    beat(tmp_path, "universal_worker", {"ts": NOW - 600, "metrics_url": "http://127.0.0.1:9401"})  # gone
    beat(tmp_path, "api", {"ts": NOW})  # serves its metrics itself, names none
    beat(tmp_path, "odd", {"ts": NOW, "metrics_url": "file:///etc/passwd"})
    beat(tmp_path, "list", [1, 2])
    (tmp_path / "half.heartbeat").write_text("{not json", encoding="utf-8")

    assert discover(MetricsConfig(), tmp_path, now=NOW) == [
        Target("task_creator", "http://127.0.0.1:9402/metrics"),
        Target("task_tracker", "http://127.0.0.1:9403/metrics"),
    ]


def test_what_a_service_notes_in_its_heartbeat_is_found(tmp_path: Path) -> None:
    heartbeat = Heartbeat(tmp_path, "task_creator")
    heartbeat.note(metrics_url="http://127.0.0.1:45123")
    heartbeat.beat(force=True)
    assert discover(MetricsConfig(), tmp_path) == [Target("task_creator", "http://127.0.0.1:45123/metrics")]


def test_configured_targets_win_over_heartbeats_and_each_url_counts_once(tmp_path: Path) -> None:
    beat(tmp_path, "task_creator", {"ts": NOW, "metrics_url": "http://127.0.0.1:9402"})
    config = MetricsConfig(
        targets=["http://10.0.0.7:9402", "http://10.0.0.7:9402/metrics", "http://10.0.0.8:9403/metrics"]
    )
    assert discover(config, tmp_path, now=NOW) == [
        Target("10.0.0.7:9402", "http://10.0.0.7:9402/metrics"),
        Target("10.0.0.8:9403", "http://10.0.0.8:9403/metrics"),
    ]


def test_no_state_folder_yet_means_no_targets(tmp_path: Path) -> None:
    assert discover(MetricsConfig(), tmp_path / "missing") == []


@responses.activate
def test_a_failing_target_is_reported_and_left_out_of_the_numbers(tmp_path: Path) -> None:
    good = 'exchanger_tasks_settled_total{system="python",topic="t",tenant="",outcome="completed",origin="engine"} 4\n'
    responses.get("http://10.0.0.1:1/metrics", body=good)
    responses.get("http://10.0.0.2:2/metrics", status=503)
    responses.get("http://10.0.0.3:3/metrics", body=requests.ConnectionError("refused"))
    responses.get("http://10.0.0.4:4/metrics", body="<html>a login page</html>{")
    config = MetricsConfig(targets=[f"http://10.0.0.{n}:{n}" for n in range(1, 5)])
    source = MetricsSource(config, tmp_path)

    read = source.read()
    source.close()

    assert [(t.name, t.ok, t.error) for t in read.targets] == [
        ("10.0.0.1:1", True, None),
        ("10.0.0.2:2", False, "HTTP 503"),
        ("10.0.0.3:3", False, "connection refused or lost"),
        ("10.0.0.4:4", False, read.targets[3].error),
    ]
    assert (read.targets[3].error or "").startswith("not metrics text")
    assert set(read.systems) == {"python"}
    assert read.systems["python"].tasks_per_min is None  # one read so far


def test_reads_over_time_give_rates(tmp_path: Path) -> None:
    clock = iter([100.0, 130.0])
    line = 'exchanger_tasks_settled_total{{system="python",topic="t",tenant="",outcome="completed",origin="engine"}} {}\n'
    with responses.RequestsMock() as mocked:
        mocked.get("http://10.0.0.1:1/metrics", body=line.format(10))
        mocked.get("http://10.0.0.1:1/metrics", body=line.format(25))
        source = MetricsSource(
            MetricsConfig(targets=["http://10.0.0.1:1"]), tmp_path, clock=lambda: next(clock)
        )
        source.read()
        second = source.read()
    assert second.systems["python"].tasks_per_min == pytest.approx(30.0)
