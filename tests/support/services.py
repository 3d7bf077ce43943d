"""Makes sure the real RabbitMQ and engines run for integration tests; fails loudly if not."""

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


def rabbitmq_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


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
    up = rabbitmq_answers() if name == "rabbitmq" else engine_answers(name)
    if up:
        return
    if OVERRIDES.get(name):
        raise RuntimeError(f"{name} at {ENGINE_URLS[name]} (TEST_{name.upper()}_URL) does not answer")
    result = subprocess.run([str(SERVICES), "start", name], capture_output=True, text=True, timeout=900)
    up = rabbitmq_answers() if name == "rabbitmq" else engine_answers(name)
    if result.returncode != 0 or not up:
        raise RuntimeError(f"could not start {name} (exit {result.returncode}):\n{result.stderr[-3000:]}")
