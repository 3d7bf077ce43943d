"""The CLI without services: help, convert, validate (no engine), and clear errors without tracebacks."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from loguru import logger

from camunda_sync.cli import cli

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sync" / "storm_like.bpmn"
CONFIG = Path(__file__).resolve().parents[2] / "config" / "camunda_sync.yaml"
CLEAN_ENV = {"CAMUNDA_SYNC_CONFIG": str(CONFIG), "STORMBPMN_API_KEY": "", "CAMUNDA_URL": ""}


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    yield
    logger.remove()  # the CLI logged into CliRunner's (now closed) stream
    logger.add(sys.stderr, level="WARNING")


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--log-level", "WARNING", *args], env={**CLEAN_ENV, **(env or {})})


def test_help_lists_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("convert", "validate", "deploy", "sync", "list", "fetch", "diff"):
        assert command in result.output


def test_python_dash_m_works():
    import subprocess

    completed = subprocess.run(
        [sys.executable, "-m", "camunda_sync", "--help"], capture_output=True, text=True
    )
    assert completed.returncode == 0 and "sync" in completed.stdout


def test_convert_writes_the_file_and_prints_the_report(tmp_path):
    out, report = tmp_path / "out.bpmn", tmp_path / "report.json"
    result = invoke(
        "convert", str(FIXTURE), "-o", str(out), "--process-id", "Process_x", "--report-json", str(report)
    )
    assert result.exit_code == 0, result.output
    assert b'camunda:type="external"' in out.read_bytes()
    assert "storm_like.bpmn: convert, executable process(es): Process_x" in result.output
    assert "warning timer" in result.output
    assert json.loads(report.read_text())["mode"] == "convert"


def test_convert_to_stdout_and_with_assignees(tmp_path):
    assignees = tmp_path / "a.json"
    assignees.write_text(
        json.dumps([{"elementId": "Activity_Pay", "assigneeName": "Петров", "assigneeId": "9"}])
    )
    result = invoke("convert", str(FIXTURE), "--assignees", str(assignees))
    assert result.exit_code == 0
    assert "assigneeName" in result.stdout and "Петров" in result.stdout


def test_refused_input_is_one_clear_message(tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<definitions>\n<oops></definitions>")
    result = invoke("convert", str(bad), "-o", str(tmp_path / "x.bpmn"))
    assert result.exit_code == 1
    assert "refused" in result.output and "line 2" in result.output
    assert "Traceback" not in result.output


def test_validate_without_engine(tmp_path):
    good = tmp_path / "good.bpmn"
    assert invoke("convert", str(FIXTURE), "-o", str(good)).exit_code == 0
    ok = invoke("validate", "--no-engine", "--no-lint", str(good))
    assert ok.exit_code == 0 and "valid (structure, routing)" in ok.output  # ./config/routing.yaml
    bad = invoke("validate", "--no-engine", "--no-lint", str(FIXTURE))
    assert bad.exit_code == 1
    assert "isExecutable" in bad.output and "1 of 1 file(s) invalid" in bad.output


def test_validate_json(tmp_path):
    result = invoke("validate", "--no-engine", "--no-lint", "--json", str(FIXTURE))
    assert result.exit_code == 1
    reports = json.loads(result.stdout)
    assert reports[0]["ok"] is False and reports[0]["checkers"] == ["structure", "routing"]


def test_unreachable_engine_is_a_clear_error(tmp_path):
    result = invoke("--engine-url", "http://127.0.0.1:9/engine-rest", "deploy", str(FIXTURE))
    assert result.exit_code == 1 and "unreachable" in result.output and "Traceback" not in result.output


def test_config_errors_name_key_and_file(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("converter:\n  topic: x\n")
    result = invoke("--config", str(config), "convert", str(FIXTURE))
    assert result.exit_code == 1 and "converter.topic" in result.output and str(config) in result.output


def test_sync_list_fetch_need_the_api_key(tmp_path):
    env = {"CAMUNDA_SYNC_STATE_DIR": str(tmp_path)}
    for args in (["sync"], ["list"], ["fetch", "some-id"]):
        result = invoke(*args, env=env)
        assert result.exit_code == 1 and "STORMBPMN_API_KEY is not set" in result.output, args
