"""Smaller parts: diagram selection, sync state and lock, the diff, deploy outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from camunda_sync.config import ConverterSettings, SelectionSettings
from camunda_sync.convert import convert_bpmn
from camunda_sync.deploy import DeployedDefinition, DeployOutcome
from camunda_sync.diff import diff_models
from camunda_sync.errors import StateError
from camunda_sync.storm.models import DiagramSummary
from camunda_sync.sync import DiagramState, SyncState, is_selected, process_key, resource_name, sync_lock

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sync" / "storm_like.bpmn"


def summary(
    name: str = "Закупка", folder: str | None = "Автоматизация", ident: str = "a-b"
) -> DiagramSummary:
    return DiagramSummary(id=ident, name=name, folder=folder, version=3, updated_on="2026-01-02T03:04:05")


@pytest.mark.parametrize(
    ("selection", "selected"),
    [
        (SelectionSettings(), False),
        (SelectionSettings(ids=("a-b",)), True),
        (SelectionSettings(folders=("автоматизация",)), True),
        (SelectionSettings(folders=("Авто*",), names=("*закуп*",)), True),
        (SelectionSettings(folders=("Авто*",), names=("Отчёт*",)), False),
        (SelectionSettings(names=("Закупка",)), True),
    ],
)
def test_selection(selection, selected):
    assert is_selected(summary(), selection) is selected


def test_process_key_and_resource_name_are_stable_and_ascii():
    diagram = summary(ident="3f946f12-5071-4a9f")
    assert process_key("Process_{diagram_id}", diagram) == "Process_3f946f12_5071_4a9f"
    assert process_key("", diagram) is None
    assert resource_name(diagram) == "3f946f12-5071-4a9f.bpmn"
    assert diagram.revision == "v3@2026-01-02T03:04:05"


def test_state_round_trip_and_corrupt_file(tmp_path):
    state = SyncState.load(tmp_path)
    state.record(DiagramState("a-b", "Закупка", "v1@x", "sha", "dep-1", ["P:1"]))
    loaded = SyncState.load(tmp_path)
    assert loaded.diagrams["a-b"].definitions == ["P:1"] and loaded.diagrams["a-b"].synced_at
    (tmp_path / "sync-state.json").write_text("{not json")
    with pytest.raises(StateError, match="cannot read"):
        SyncState.load(tmp_path)


def test_only_one_sync_at_a_time(tmp_path):
    with sync_lock(tmp_path), pytest.raises(StateError, match="another sync is running"), sync_lock(tmp_path):
        pass
    with sync_lock(tmp_path):
        pass  # released again


def test_diff_names_changed_added_and_layout():
    before = convert_bpmn(FIXTURE.read_bytes(), ConverterSettings()).xml
    text = (
        FIXTURE.read_text(encoding="utf-8")
        .replace("Оплатить счёт", "Оплатить сразу")
        .replace('x="530" y="160"', 'x="540" y="160"')
    )
    after = convert_bpmn(text.encode(), ConverterSettings()).xml
    lines = diff_models(before, after)
    assert "~ Activity_Pay: name 'Оплатить счёт' → 'Оплатить сразу'" in lines
    assert "~ diagram layout changed" in lines
    assert diff_models(before, before) == []
    smaller = convert_bpmn(
        FIXTURE.read_bytes(),
        ConverterSettings(
            conditions=ConverterSettings().conditions.model_copy(update={"question_tasks": False})
        ),
    ).xml
    assert any(line.startswith("+ Question_Gateway_Again") for line in diff_models(smaller, before))


def test_deploy_outcome_lines():
    created = DeployOutcome("Закупка", "d1", [DeployedDefinition("P:2:x", "P", 2)])
    assert created.lines() == ["Закупка: P version 2 (P:2:x) in deployment d1"] and not created.unchanged
    assert "unchanged" in DeployOutcome("Закупка", "d1").lines()[0]
