"""``python -m tools.bench.worker_alone``: how fast the universal worker alone routes tasks.

The same run measures two things on the same engine, with the same number of waiting tasks:
- **the raw limit**: a tight loop of fetchAndLock (up to 100 tasks, pooled keep-alive
  session) that only locks — no BPMN, no ledger, no broker;
- **the worker**: ``python -m universal_worker`` fetching, enriching with BPMN metadata,
  recording in the ledger and publishing with confirms to RabbitMQ.
Rates come from first-to-last timestamps of the work itself (not process start-up); the
worker's peak RSS is sampled while it runs.
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import psutil
import requests
import yaml

from core.transport import BrokerAdmin, BrokerSettings
from tools.bench.bpmn import chain_process
from tools.bench.contenders import routed_times
from tools.bench.engine import Engine
from tools.bench.procs import clean_env, stop
from tools.launcher import launch

LOCK_MS = 600_000


def prepare(engine: Engine, key: str, topic: str, count: int) -> None:
    engine.deploy(key, chain_process(key, 1, topic))
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: engine.start(key, i), range(count)))


def raw_lock_rate(url: str, topic: str, count: int) -> float:
    """Tasks per second a bare fetchAndLock loop locks."""
    session = requests.Session()
    body = {"workerId": "raw", "maxTasks": 100, "topics": [{"topicName": topic, "lockDuration": LOCK_MS}]}
    got, started = 0, time.perf_counter()
    while got < count:
        got += len(session.post(f"{url}/external-task/fetchAndLock", json=body, timeout=60).json())
    return count / (time.perf_counter() - started)


def worker_rate(url: str, topic: str, count: int, folder: Path) -> tuple[float, float, float]:
    """Tasks per second the worker routes, its peak RSS in MB and its CPU-s per 1,000 routed.

    CPU is taken between the first and the last routed task, so start-up is left out.
    """
    prefix = f"wa{uuid.uuid4().hex[:8]}."
    config = folder / "config"
    config.mkdir(parents=True)
    general = {
        "state_dir": str(folder / "state"),
        "camunda": {"url": url},
        "rabbitmq": {"prefix": prefix},
        "logging": {"format": "json", "level": "INFO"},
        "worker": {"max_tasks": 100, "backpressure": False},  # no creators here
    }
    (config / "exchanger.yaml").write_text(yaml.safe_dump(general))
    (config / "systems.yaml").write_text(
        yaml.safe_dump({"systems": {"bench": {"lock_duration_ms": LOCK_MS}}})
    )
    (config / "routing.yaml").write_text(yaml.safe_dump({"rules": [{"topic": topic, "system": "bench"}]}))
    log = folder / "worker.log"
    child = launch("worker", "universal_worker", [], log, clean_env({"EXCHANGER_CONFIG_DIR": str(config)}))
    peak = [0.0]
    cpu: list[tuple[float, float]] = []  # (wall clock, CPU seconds so far)
    done = threading.Event()

    def sample() -> None:
        process = psutil.Process(child.pid)
        while not done.wait(0.2):
            peak[0] = max(peak[0], process.memory_info().rss / 2**20)
            times = process.cpu_times()
            cpu.append((time.time(), times.user + times.system))

    threading.Thread(target=sample, daemon=True).start()
    broker = BrokerSettings(prefix=prefix)
    try:
        with BrokerAdmin(broker) as admin:
            while (admin.queue_depth("bench.queue") or 0) < count:
                if child.exited() is not None:
                    raise click.ClickException(f"the worker exited; see {log}")
                time.sleep(0.2)
    finally:
        done.set()
        stop([child], timeout=40)
        with BrokerAdmin(broker) as admin:
            admin.delete_prefixed()
    stamps = sorted(routed_times(log).values())  # one per task routed
    first, last = stamps[0], stamps[-1]
    inside = [used for at, used in cpu if first <= at <= last]
    routed_inside = sum(1 for stamp in stamps if first <= stamp <= last)
    cpu_per_1k = (inside[-1] - inside[0]) / max(routed_inside, 1) * 1000 if len(inside) > 1 else float("nan")
    return len(stamps) / max(last - first, 1e-3), peak[0], cpu_per_1k


@click.command()
@click.option("--engine-url", default="http://127.0.0.1:8080/engine-rest", show_default=True)
@click.option("--tasks", default=3000, show_default=True)
def main(engine_url: str, tasks: int) -> None:
    """Measure the worker's routing rate against a raw fetch-and-lock loop, in one run."""
    engine = Engine(engine_url)
    run = uuid.uuid4().hex[:6]
    raw_topic, worker_topic = f"bench.raw{run}", f"bench.worker{run}"
    prepare(engine, f"wa-raw-{run}", raw_topic, tasks)
    prepare(engine, f"wa-worker-{run}", worker_topic, tasks)
    raw = raw_lock_rate(engine.url, raw_topic, tasks)
    with tempfile.TemporaryDirectory() as folder:
        routed, rss, cpu_per_1k = worker_rate(engine.url, worker_topic, tasks, Path(folder))
    click.echo(f"raw fetchAndLock loop: {raw:.0f} tasks/s locked")
    click.echo(f"universal_worker:      {routed:.0f} tasks/s routed (fetch, BPMN, ledger, confirmed publish)")
    click.echo(
        f"ratio worker / raw:    {routed / raw:.2f}; worker peak RSS {rss:.0f} MB ({tasks} tasks each)"
    )
    click.echo(f"worker CPU:            {cpu_per_1k:.2f} CPU-s per 1,000 tasks routed")


if __name__ == "__main__":
    main()
