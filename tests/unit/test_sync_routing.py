"""``camunda_sync validate`` warns about service-task topics that no routing rule serves."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from loguru import logger

from camunda_sync.cli import cli
from camunda_sync.config.loader import load_config
from camunda_sync.validate import validate_bpmn
from core.config.loader import load_settings
from core.config.models import RoutingRule
from tests.support.bpmn import Step, chain_process

CONFIG = Path(__file__).resolve().parents[2] / "config" / "camunda_sync.yaml"
STEPS = [
    Step("Clean", "dadata.clean", name="Clean the phone"),
    Step("Lead", "bitrix24.lead.create"),
    Step("Score", "acme.score", properties={"exchanger.system": "python"}),
    Step("Ask", "yandexgpt.completion"),
    Step("Dynamic", "${topicVariable}"),
]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    yield
    logger.remove()
    logger.add(sys.stderr, level="WARNING")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """An Exchanger config folder of this test's own: python and bitrix24, and three rules."""
    folder = tmp_path / "exchanger"
    folder.mkdir()
    systems = {"python": {"kind": "immediate"}, "bitrix24": {"kind": "tracked"}}
    rules = [
        {"topic": "bitrix24.*", "system": "bitrix24"},
        {"property": {"exchanger.system": "python"}, "system": "python"},
        {"topic": "yandexgpt.*", "process": "Other_*", "system": "python"},
    ]
    (folder / "systems.yaml").write_text(yaml.safe_dump({"systems": systems}))
    (folder / "routing.yaml").write_text(yaml.safe_dump({"rules": rules}))
    return folder


def rules_of(folder: Path) -> list[RoutingRule]:
    return load_settings(folder, env={}).routing


def routing_issues(data: bytes, rules: list[RoutingRule], tenant_id: str | None = None) -> list[str]:
    report = validate_bpmn(data, lint=False, routing=rules, tenant_id=tenant_id)
    return [issue.message for issue in report.issues if issue.checker == "routing"]


def test_unserved_topics_are_warnings_naming_topic_and_activity(config_dir: Path) -> None:
    data = chain_process("Process_1", STEPS).encode()
    report = validate_bpmn(data, source="p.bpmn", lint=False, routing=rules_of(config_dir))
    assert report.ok and report.checkers == ["structure", "routing"]
    routing = [issue for issue in report.issues if issue.checker == "routing"]
    assert [(i.severity, i.element_id) for i in routing] == [("warning", "Clean"), ("warning", "Ask")]
    assert "topic 'dadata.clean' of activity 'Clean the phone' (Clean)" in routing[0].message
    assert "'yandexgpt.completion' of activity Ask " in routing[1].message


def test_process_and_tenant_conditions_count(config_dir: Path) -> None:
    data = chain_process("Other_1", [Step("Ask", "yandexgpt.completion")]).encode()
    assert routing_issues(data, rules_of(config_dir)) == []
    tenant_rule = [RoutingRule(topic="dadata.*", tenant="acme", system="python")]
    clean = chain_process("P", [Step("Clean", "dadata.clean")]).encode()
    assert routing_issues(clean, tenant_rule, tenant_id="acme") == []
    assert len(routing_issues(clean, tenant_rule)) == 1


def test_without_routing_the_check_does_not_run() -> None:
    data = chain_process("P", [Step("Clean", "dadata.clean")]).encode()
    report = validate_bpmn(data, lint=False)
    assert report.checkers == ["structure"]
    assert [issue for issue in report.issues if issue.checker == "routing"] == []


def invoke(*args: str) -> Result:
    env = {"CAMUNDA_SYNC_CONFIG": str(CONFIG), "STORMBPMN_API_KEY": "", "CAMUNDA_URL": ""}
    return CliRunner().invoke(cli, ["--log-level", "WARNING", *args], env=env)


def test_the_cli_prints_the_warning_and_still_passes(tmp_path: Path, config_dir: Path) -> None:
    path = tmp_path / "p.bpmn"
    path.write_text(chain_process("Process_1", STEPS))
    result = invoke("validate", "--no-engine", "--no-lint", "--routing", str(config_dir), str(path))
    assert result.exit_code == 0, result.output
    assert "valid (structure, routing): 0 error(s), 4 warning(s)" in result.output
    assert "warning: routing [Clean]: topic 'dadata.clean'" in result.output
    skipped = invoke("validate", "--no-engine", "--no-lint", "--no-routing", str(path))
    assert "valid (structure): 0 error(s), 2 warning(s)" in skipped.output  # layout, expression topic


def test_a_named_folder_without_routing_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "p.bpmn"
    path.write_text(chain_process("P", [Step("Clean", "dadata.clean")]))
    result = invoke("validate", "--no-engine", "--no-lint", "--routing", str(tmp_path / "none"), str(path))
    assert result.exit_code == 1 and "routing.yaml does not exist" in result.output


def test_every_topic_the_shipped_converter_emits_is_served_by_the_shipped_routing() -> None:
    # config/camunda_sync.yaml and config/routing.yaml agree: a converted diagram's tasks are fetched.
    root = Path(__file__).resolve().parents[2] / "config"
    topics = {rule.topic for rule in load_config(root / "camunda_sync.yaml", env={}).converter.rules}
    rules = load_settings(root).routing
    unserved = {t for t in topics if not any(r.matches(t, None, None, {}) for r in rules)}
    assert unserved == set()
    assert "openproject.work_package" in topics
