"""``python -m api`` as a process: TLS with its own certificate, --check, exit codes, bad config."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from core.transport import BrokerSettings
from tests.integration.broker_fixtures import delete_everything_with_prefix
from tests.support.api import OPERATE_TOKEN, READ, api_env, write_config
from tests.support.tls import self_signed
from tools import launcher

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_api(config_dir: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api", *args],
        cwd=launcher.ROOT,
        env=launcher.child_env(config_dir, env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def config_dir(tmp_path: Path, rabbitmq: str, camunda_engine: str, unique: str) -> Iterator[Path]:
    yield tmp_path / "config"
    delete_everything_with_prefix(BrokerSettings(prefix=f"svc{unique}."))


def configure(tmp_path: Path, unique: str, **api: object) -> Path:
    config_dir = tmp_path / "config"
    write_config(config_dir, state_dir=tmp_path / "state", prefix=f"svc{unique}.", systems={}, api=api)
    return config_dir


def test_served_over_tls_with_its_own_certificate_and_stopped_cleanly(
    tmp_path: Path, config_dir: Path, unique: str
) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    configure(tmp_path, unique, port=port, certfile=str(cert), keyfile=str(key))
    env = launcher.child_env(config_dir, api_env())
    child = launcher.launch("api", "api", [], tmp_path / "api.log", env)
    try:
        launcher.wait_healthy(child, "api", [], env, timeout=30)
        base = f"https://127.0.0.1:{port}"
        assert requests.get(f"{base}/healthz", verify=str(cert), timeout=5).json() == {"status": "ok"}
        assert (
            requests.get(f"{base}/v1/tasks", headers=READ, verify=str(cert), timeout=5).json()["total"] == 0
        )
        with pytest.raises(requests.exceptions.SSLError):  # verification stays on: an unknown CA fails
            requests.get(f"{base}/healthz", timeout=5)
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        code = launcher.terminate(child, 60)
    assert code == 0, launcher.tail(child.log)
    log = child.log.read_text(errors="replace")
    assert OPERATE_TOKEN not in log
    assert run_api(config_dir, api_env(), "--check").returncode == 1  # stopped: no fresh heartbeat


def test_readyz_names_what_is_unreachable_and_metrics_need_no_token(
    tmp_path: Path, config_dir: Path, unique: str
) -> None:
    for engine, expected in (("up", True), ("down", False)):
        port = free_port()
        configure(tmp_path, unique, port=port)
        if engine == "down":  # an engine address where nothing listens
            general_path = config_dir / "exchanger.yaml"
            general = yaml.safe_load(general_path.read_text(encoding="utf-8"))
            general["camunda"]["url"] = f"http://127.0.0.1:{free_port()}/engine-rest"
            general_path.write_text(yaml.safe_dump(general), encoding="utf-8")
        env = launcher.child_env(config_dir, api_env())
        child = launcher.launch("api", "api", [], tmp_path / f"api-{engine}.log", env)
        try:
            launcher.wait_healthy(child, "api", [], env, timeout=30)
            base = f"http://127.0.0.1:{port}"
            ready = requests.get(f"{base}/readyz", timeout=15)
            metrics = requests.get(f"{base}/metrics", timeout=5)
        finally:
            assert launcher.terminate(child, 60) == 0, launcher.tail(child.log)
        checks = ready.json()["checks"]
        assert set(checks) == {"engine", "broker", "heartbeat"}
        assert (ready.status_code, ready.json()["ok"], checks["engine"]["ok"]) == (
            (200, True, True) if expected else (503, False, False)
        )
        assert checks["broker"]["ok"] and checks["heartbeat"]["ok"], checks
        if not expected:
            assert "engine unreachable" in checks["engine"]["detail"]
        assert metrics.status_code == 200
        assert 'exchanger_api_requests_total{method="GET",route="/readyz",status="' in metrics.text
        assert "process_resident_memory_bytes" in metrics.text  # the default registry's process metrics


def test_a_malformed_token_list_exits_2_naming_the_entry_not_the_token(
    tmp_path: Path, config_dir: Path, unique: str
) -> None:
    configure(tmp_path, unique, port=free_port())
    run = run_api(config_dir, {"EXCHANGER_API_TOKENS": "ops:admin:a-secret-token-value-123"})
    assert run.returncode == 2
    output = run.stdout + run.stderr
    assert "EXCHANGER_API_TOKENS entry 1 is not name:role:token" in output
    assert "a-secret-token-value-123" not in output


def test_a_port_already_taken_stops_the_service_with_an_error_that_says_so(
    tmp_path: Path, config_dir: Path, unique: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        configure(tmp_path, unique, port=taken.getsockname()[1])
        run = run_api(config_dir, api_env())
    assert run.returncode == 1
    assert "port taken?" in run.stdout + run.stderr


def test_help_names_the_options() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "api", "--help"], cwd=launcher.ROOT, capture_output=True, text=True, timeout=30
    )
    assert run.returncode == 0
    assert all(option in run.stdout for option in ("--config-dir", "--check", "--port", "--host"))
