"""Makes sure the real RabbitMQ, PostgreSQL and engines run for integration tests; fails loudly if not."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services.sh"
# TEST_CAMUNDA_URL / TEST_OPERATON_URL point the tests at engine copies you started yourself (e.g.
# CAMUNDA_PORT=18080 scripts/services.sh start camunda); never started here. Not EXCHANGER_*:
# the services refuse unknown variables with that prefix, and the tests' children inherit these.
OVERRIDES = {name: os.environ.get(f"TEST_{name.upper()}_URL", "") for name in ("camunda", "operaton")}
ENGINE_URLS = {
    "camunda": OVERRIDES["camunda"] or "http://127.0.0.1:8080/engine-rest",
    "operaton": OVERRIDES["operaton"] or "http://127.0.0.1:8081/engine-rest",
}

# scripts/services.sh's PostgreSQL: port and password are the script's local defaults unless set.
POSTGRES_PORT = int(os.environ.get("POSTGRES_PORT", "55432"))
POSTGRES_PASSWORD = os.environ.get("POSTGRES_PASSWORD", "exchanger-local")
POSTGRES_DSN = f"postgresql://exchanger:{POSTGRES_PASSWORD}@127.0.0.1:{POSTGRES_PORT}/exchanger"


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def rabbitmq_answers() -> bool:
    return _port_answers(5672)


def postgres_answers() -> bool:
    return _port_answers(POSTGRES_PORT)


def engine_answers(name: str) -> bool:
    try:
        return requests.get(ENGINE_URLS[name] + "/version", timeout=2).ok
    except requests.RequestException:
        return False


def ensure_service(name: str) -> None:
    """Start ``name`` through the project's script unless it already answers.

    Raises:
        RuntimeError: the script failed; its output is in the message.
    """
    if _answers(name):
        return
    if OVERRIDES.get(name):
        raise RuntimeError(f"{name} at {ENGINE_URLS[name]} (TEST_{name.upper()}_URL) does not answer")
    result = subprocess.run([str(SERVICES), "start", name], capture_output=True, text=True, timeout=900)
    if result.returncode != 0 or not _answers(name):
        raise RuntimeError(f"could not start {name} (exit {result.returncode}):\n{result.stderr[-3000:]}")


def _answers(name: str) -> bool:
    if name == "rabbitmq":
        return rabbitmq_answers()
    if name == "postgres":
        return postgres_answers()
    return engine_answers(name)
