"""A real Prometheus (Debian's ``prometheus``) scraping given targets, for the scrape-config test.

It runs with the documented scrape config (docs/prometheus.yml, targets replaced by the test's
ports), its own storage folder and a free port, and answers PromQL through its HTTP API.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.support.waiting import wait_for

BINARY = "/usr/bin/prometheus"
DOCUMENTED = Path(__file__).resolve().parents[2] / "docs" / "prometheus.yml"


class Prometheus:
    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, promql: str) -> list[dict[str, Any]]:
        """An instant query's result vector (raises on an error answer)."""
        answer = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=5)
        answer.raise_for_status()
        body = answer.json()
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def scalar(self, promql: str) -> float | None:
        """The single value of ``promql`` (e.g. a ``sum(...)``), or None while there is none."""
        result = self.query(promql)
        return float(result[0]["value"][1]) if result else None

    def targets_up(self) -> dict[str, str]:
        answer = requests.get(f"{self.url}/api/v1/targets", timeout=5).json()
        return {t["scrapePool"]: t["health"] for t in answer["data"]["activeTargets"]}


def scrape_config(targets: Mapping[str, list[str]], interval_s: float = 1.0) -> dict[str, Any]:
    """docs/prometheus.yml with each job's targets replaced (jobs not named are dropped)."""
    config = yaml.safe_load(DOCUMENTED.read_text(encoding="utf-8"))
    every = f"{int(interval_s * 1000)}ms"
    config["global"] = {"scrape_interval": every, "evaluation_interval": every}
    jobs = [job for job in config["scrape_configs"] if job["job_name"] in targets]
    assert {job["job_name"] for job in jobs} == set(targets), (
        "a job the test names is not in docs/prometheus.yml"
    )
    for job in jobs:
        job["static_configs"] = [{"targets": list(targets[job["job_name"]])}]
    config["scrape_configs"] = jobs
    return dict(config)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_prometheus(folder: Path, config: Mapping[str, Any]) -> Iterator[Prometheus]:
    if shutil.which(BINARY) is None:
        pytest.fail(
            f"{BINARY} is missing: run scripts/services.sh install (Debian package prometheus)", pytrace=False
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prometheus.yml").write_text(yaml.safe_dump(dict(config)))
    port = _free_port()
    log = (folder / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(url) or process.poll() is not None, timeout=60, what="Prometheus to be ready")
        if process.poll() is not None:
            raise AssertionError(f"prometheus exited: {(folder / 'prometheus.log').read_text()[-2000:]}")
        yield Prometheus(url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/-/ready", timeout=2).ok
    except requests.RequestException:
        return False
