"""``sync`` against the StormBPMN sandbox and a real engine: deploy, nothing, a new version."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from camunda_sync.config import (
    CamundaSyncConfig,
    DeploySettings,
    RateLimitSettings,
    SelectionSettings,
    StormSettings,
    SyncSettings,
)
from camunda_sync.storm import build_storm_client, persistent_limiter
from camunda_sync.sync import SyncRunner, SyncState
from camunda_sync.sync.state import LIMITER_FILE
from core.camunda import CamundaClient
from tools.sandbox.stormbpmn import StormSandboxServer, make_server

pytestmark = pytest.mark.integration

KEY = "sandbox-key-sync"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sync" / "storm_like.bpmn"
WINDOW_S = 2.0


@pytest.fixture
def diagrams(tmp_path: Path) -> Path:
    folder = tmp_path / "diagrams" / "Автоматизация"
    folder.mkdir(parents=True)
    (folder / "Закупка.bpmn").write_bytes(FIXTURE.read_bytes())
    text = FIXTURE.read_text(encoding="utf-8").replace("Оплатить счёт", "Оплатить аванс")
    (folder / "Аванс.bpmn").write_text(text, encoding="utf-8")
    (tmp_path / "diagrams" / "Черновик.bpmn").write_bytes(FIXTURE.read_bytes())  # not selected
    return tmp_path / "diagrams"


@pytest.fixture
def sandbox(diagrams: Path) -> Iterator[StormSandboxServer]:
    server = make_server("127.0.0.1", 0, diagrams, KEY, limit=5, window_s=WINDOW_S)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def sync_config(
    sandbox: StormSandboxServer, engine: CamundaClient, tmp_path: Path, unique: str
) -> CamundaSyncConfig:
    return CamundaSyncConfig(
        stormbpmn=StormSettings(
            base_url=sandbox.url,
            api_key=SecretStr(KEY),
            rate_limit=RateLimitSettings(requests=5, window_s=WINDOW_S),
        ),
        selection=SelectionSettings(folders=("Автоматизация",)),
        deploy=DeploySettings(
            name_prefix=f"test-sync-{unique}-", process_key_template=f"P{unique}_{{diagram_id}}"
        ),
        sync=SyncSettings(state_dir=tmp_path / "state", lint=False),
    ).model_copy(
        update={"engine": CamundaSyncConfig().engine.model_copy(update={"url": engine.settings.base_url})}
    )


def run_sync(config: CamundaSyncConfig, engine: CamundaClient, **options: bool) -> dict[str, str]:
    limit = config.stormbpmn.rate_limit
    limiter = persistent_limiter(config.sync.state_dir / LIMITER_FILE, limit.requests, limit.window_s)
    source = build_storm_client(config.stormbpmn, limiter=limiter)
    runner = SyncRunner(config, source, engine, SyncState.load(config.sync.state_dir))
    return {outcome.name: outcome.action for outcome in runner.run(**options)}


@pytest.fixture
def cleanup(engine: CamundaClient, unique: str) -> Iterator[None]:
    yield
    for deployment in engine.list_deployments(nameLike=f"test-sync-{unique}-%"):
        engine.delete_deployment(deployment["id"], cascade=True)


def versions(engine: CamundaClient, unique: str) -> list[int]:
    return sorted(d["version"] for d in engine.list_process_definitions(keyLike=f"P{unique}_%"))


def test_first_run_deploys_second_nothing_changed_diagram_a_new_version(
    sandbox, diagrams, engine, tmp_path, unique, cleanup
):
    config = sync_config(sandbox, engine, tmp_path, unique)
    assert run_sync(config, engine) == {"Закупка": "deployed", "Аванс": "deployed"}
    assert versions(engine, unique) == [1, 1]
    requests_before = sandbox.stats.requests

    assert run_sync(config, engine) == {"Закупка": "unchanged", "Аванс": "unchanged"}
    assert sandbox.stats.requests == requests_before + 1  # the list only: nothing fetched
    assert versions(engine, unique) == [1, 1]

    path = diagrams / "Автоматизация" / "Аванс.bpmn"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Архивировать", "Сдать в архив"), encoding="utf-8"
    )
    assert run_sync(config, engine) == {"Закупка": "unchanged", "Аванс": "deployed"}
    assert versions(engine, unique) == [1, 1, 2]
    assert not sandbox.stats.limit_ever_exceeded


def test_dry_run_deploys_nothing_and_force_refetches(sandbox, engine, tmp_path, unique, cleanup):
    config = sync_config(sandbox, engine, tmp_path, unique)
    assert run_sync(config, engine, dry_run=True) == {"Закупка": "would deploy", "Аванс": "would deploy"}
    assert versions(engine, unique) == []
    assert not SyncState.load(config.sync.state_dir).diagrams
    run_sync(config, engine)
    assert run_sync(config, engine, force=True) == {"Закупка": "unchanged", "Аванс": "unchanged"}
    assert versions(engine, unique) == [1, 1]
    assert not sandbox.stats.limit_ever_exceeded


def test_a_diagram_that_cannot_run_fails_alone(sandbox, diagrams, engine, tmp_path, unique, cleanup):
    broken = diagrams / "Автоматизация" / "Сломанная.bpmn"
    text = FIXTURE.read_text(encoding="utf-8").replace(
        'name="да" sourceRef="Gateway_Ok"', 'sourceRef="Gateway_Ok"'
    )
    broken.write_text(
        text.replace('name="Нет" sourceRef="Gateway_Ok"', 'sourceRef="Gateway_Ok"'), encoding="utf-8"
    )
    config = sync_config(sandbox, engine, tmp_path, unique)
    outcomes = run_sync(config, engine)
    assert outcomes == {"Закупка": "deployed", "Аванс": "deployed", "Сломанная": "failed"}
    assert not sandbox.stats.limit_ever_exceeded
