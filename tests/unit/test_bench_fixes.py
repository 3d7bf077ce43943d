"""Regression tests for what the benchmark found in the services (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import certifi
import pytest

from core.camunda.connection import ca_bundle_path, engine_proxy
from core.camunda.curl import HandleOptions
from core.camunda.settings import CamundaSettings
from core.redact import MASK, redact

BEATER = """
import sys
from pathlib import Path
from core.health import Heartbeat
heartbeat = Heartbeat(Path(sys.argv[1]), "task_creator.python", min_interval_s=0)
for _ in range(500):
    heartbeat.beat()
"""


def test_two_processes_beating_under_one_name_do_not_break_each_other(tmp_path: Path) -> None:
    # Two creators of one system share a state folder and both write task_creator.python.heartbeat;
    # with one shared temporary file name, one writer's rename found its file gone and crashed.
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-c", BEATER, str(tmp_path)]
    writers = [subprocess.Popen(command, cwd=root, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [writer.communicate(timeout=60)[1] for writer in writers]

    assert [writer.returncode for writer in writers] == [0, 0], errors
    assert "ts" in json.loads((tmp_path / "task_creator.python.heartbeat").read_text())


def test_the_engine_pool_reads_the_proxy_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("NO_PROXY", "")
    options = HandleOptions.read(CamundaSettings(base_url="http://engine.test/engine-rest"))
    monkeypatch.delenv("HTTP_PROXY")

    # requests re-read the proxy variables and ~/.netrc on every request; the pool keeps what it found
    assert options.proxy == "http://proxy.test:3128"


def test_no_proxy_still_exempts_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.test:3128")
    monkeypatch.setenv("NO_PROXY", "engine.test")

    assert engine_proxy("http://engine.test/engine-rest") is None


def test_the_engine_is_verified_with_the_environment_bundle_unless_one_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/env-bundle.pem")

    assert ca_bundle_path(CamundaSettings()) == "/etc/ssl/env-bundle.pem"
    assert ca_bundle_path(CamundaSettings(ca_bundle="/etc/exchanger/ca.pem")) == "/etc/exchanger/ca.pem"
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert ca_bundle_path(CamundaSettings()) == certifi.where()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DB_PASSWORD=hunter22 done", f"DB_PASSWORD={MASK} done"),
        ("Authorization: Bearer abcdef123456", f"Authorization: Bearer {MASK}"),
        ("amqp://guest:s3cret@host/vhost", f"amqp://guest:{MASK}@host/vhost"),
        # case folding finds the clue the case-insensitive pattern would match
        ("ſecret: abcdef", f"ſecret: {MASK}"),
    ],
)
def test_redaction_still_masks_after_the_cheap_clue_check(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_an_ordinary_log_line_passes_unchanged() -> None:
    line = "routed topic=bench.x system=python tasks=1 3ms: task=8f1c2a3e-e63a instance=8f0b1c2a-e63a"

    assert redact(line) == line
