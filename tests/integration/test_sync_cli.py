"""The CLI against a real engine and the StormBPMN sandbox: validate, deploy, sync, list, fetch, diff."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from loguru import logger

from camunda_sync.cli import cli
from core.camunda import CamundaClient
from tools.sandbox.stormbpmn import StormSandboxServer, make_server

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sync" / "storm_like.bpmn"
KEY = "sandbox-cli-key"


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    yield
    logger.remove()
    logger.add(sys.stderr, level="WARNING")


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[StormSandboxServer]:
    folder = tmp_path / "diagrams" / "Автоматизация"
    folder.mkdir(parents=True)
    (folder / "Закупка.bpmn").write_bytes(FIXTURE.read_bytes())
    server = make_server("127.0.0.1", 0, tmp_path / "diagrams", KEY, limit=5, window_s=2.0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def setup(tmp_path: Path, engine: CamundaClient, unique: str) -> Iterator[dict[str, str]]:
    config = tmp_path / "camunda_sync.yaml"
    config.write_text(
        "stormbpmn:\n  rate_limit: {requests: 5, window_s: 2.0}\n"
        "selection:\n  folders: ['Автоматизация']\n"
        f"deploy:\n  name_prefix: 'test-cli-{unique}-'\n  process_key_template: 'P{unique}_{{diagram_id}}'\n"
        "sync:\n  lint: false\n",
        encoding="utf-8",
    )
    yield {
        "CAMUNDA_SYNC_CONFIG": str(config),
        "CAMUNDA_URL": engine.settings.base_url,
        "CAMUNDA_SYNC_STATE_DIR": str(tmp_path / "state"),
        "STORMBPMN_API_KEY": KEY,
    }
    for prefix in (f"test-cli-{unique}-%", f"cli{unique}%"):
        for deployment in engine.list_deployments(nameLike=prefix):
            engine.delete_deployment(deployment["id"], cascade=True)


def invoke(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["--log-level", "WARNING", *args], env=env)


def converted(tmp_path: Path, env: dict[str, str], unique: str) -> Path:
    out = tmp_path / f"cli{unique}.bpmn"
    result = invoke(env, "convert", str(FIXTURE), "-o", str(out), "--process-id", f"cli{unique}")
    assert result.exit_code == 0, result.output
    return out


def test_validate_shows_the_engines_parse_errors(tmp_path, setup, unique):
    good = converted(tmp_path, setup, unique)
    ok = invoke(setup, "validate", "--no-lint", str(good))
    assert ok.exit_code == 0 and "valid (structure, engine, routing)" in ok.output
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(good.read_bytes().replace(b"bpmn:timeDuration", b"bpmn:documentation"))
    result = invoke(setup, "validate", "--no-lint", str(bad))
    assert result.exit_code == 1
    assert "error: engine [line" in result.output and "Event_Wait" in result.output


def test_deploy_prints_versions_then_unchanged(tmp_path, setup, unique):
    path = converted(tmp_path, setup, unique)
    first = invoke(setup, "deploy", str(path))
    assert first.exit_code == 0, first.output
    assert f"cli{unique} version 1" in first.output
    again = invoke(setup, "deploy", str(path))
    assert again.exit_code == 0 and "unchanged" in again.output


def test_deploy_refused_shows_the_reasons(tmp_path, setup, unique):
    good = converted(tmp_path, setup, unique)
    bad = tmp_path / f"cli{unique}-bad.bpmn"
    bad.write_bytes(
        good.read_bytes().replace(b"calledElement", b"x").replace(b"bpmn:timeDuration", b"bpmn:documentation")
    )
    result = invoke(setup, "deploy", str(bad))
    assert result.exit_code == 1
    assert "the engine refused deployment" in result.output and "Timer needs configuration" in result.output
    assert "Traceback" not in result.output


def test_sync_list_fetch_diff_against_the_sandbox(tmp_path, sandbox, setup, engine, unique):
    env = {**setup, "STORMBPMN_URL": sandbox.url}
    listing = invoke(env, "list")
    assert listing.exit_code == 0 and "[x]" in listing.output and "Закупка" in listing.output
    diagram_id = listing.output.split()[1]

    first = invoke(env, "sync")
    assert first.exit_code == 0, first.output
    assert "deployed" in first.output and "1 deployed" in first.output
    second = invoke(env, "sync")
    assert second.exit_code == 0 and "1 unchanged" in second.output

    raw = tmp_path / "raw.bpmn"
    fetched = invoke(env, "fetch", diagram_id, "-o", str(raw))
    assert fetched.exit_code == 0 and raw.read_bytes() == FIXTURE.read_bytes()
    as_deployed = invoke(env, "fetch", diagram_id, "--convert")
    assert as_deployed.exit_code == 0 and 'camunda:type="external"' in as_deployed.stdout

    same = invoke(env, "diff", diagram_id)
    assert same.exit_code == 0 and "no differences" in same.output
    changed = tmp_path / "changed.bpmn"
    changed.write_text(
        raw.read_text(encoding="utf-8").replace("Оплатить счёт", "Оплатить сразу"), encoding="utf-8"
    )
    key = f"P{unique}_{diagram_id.replace('-', '_')}"
    diff = invoke(env, "diff", str(changed), "--key", key, "--unified")
    assert diff.exit_code == 0, diff.output
    assert "~ Activity_Pay: name 'Оплатить счёт' → 'Оплатить сразу'" in diff.output
    assert "+++ diagram/" in diff.output
    missing = invoke(env, "diff", str(changed), "--key", f"nothing{unique}")
    assert "not deployed yet" in missing.output
    assert not sandbox.stats.limit_ever_exceeded


def test_sync_with_a_wrong_key_fails_clearly(sandbox, setup):
    env = {**setup, "STORMBPMN_URL": sandbox.url, "STORMBPMN_API_KEY": "wrong-key-999"}
    result = invoke(env, "sync")
    assert result.exit_code == 1 and "refused the credentials" in result.output
    assert "wrong-key-999" not in result.output
