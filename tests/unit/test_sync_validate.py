"""Validation: structural checks, the engine's parse errors as issues, and bpmnlint."""

from __future__ import annotations

from pathlib import Path

import pytest

from camunda_sync.config import ConverterSettings
from camunda_sync.convert import convert_bpmn
from camunda_sync.validate import check_structure, validate_bpmn
from camunda_sync.validate.engine_errors import issues_from_engine_error
from camunda_sync.validate.lint import lint_unavailable, run_bpmnlint
from core.errors import CamundaRequestError
from tests.support.required import need_npm_packages

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sync" / "storm_like.bpmn"
B = "http://www.omg.org/spec/BPMN/20100524/MODEL"
C = "http://camunda.org/schema/1.0/bpmn"


def process(body: str, ttl: bool = True) -> bytes:
    attr = ' camunda:historyTimeToLive="1"' if ttl else ""
    return (
        f'<definitions xmlns="{B}" xmlns:camunda="{C}" id="D" targetNamespace="t">'
        f'<process id="P" isExecutable="true"{attr}><startEvent id="S"/>{body}</process></definitions>'
    ).encode()


def errors(data: bytes) -> list[str]:
    return [issue.message for issue in check_structure(data) if issue.is_error]


def test_a_converted_diagram_is_structurally_valid():
    converted = convert_bpmn(FIXTURE.read_bytes(), ConverterSettings()).xml
    assert errors(converted) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('<serviceTask id="T" camunda:type="external"/>', "without camunda:topic"),
        ('<serviceTask id="T"/>', "without class, expression"),
        ('<callActivity id="C"/>', "without calledElement"),
        ('<intermediateCatchEvent id="E"><timerEventDefinition/></intermediateCatchEvent>', "timer without"),
        ('<intermediateCatchEvent id="E"><messageEventDefinition/></intermediateCatchEvent>', "messageRef"),
        ('<task id="M"><multiInstanceLoopCharacteristics/></task>', "multi-instance"),
        (
            '<exclusiveGateway id="G"/><task id="A"/><task id="B2"/>'
            '<sequenceFlow id="f1" sourceRef="G" targetRef="A"/><sequenceFlow id="f2" sourceRef="G" targetRef="B2"/>',
            "gateway without conditions",
        ),
        ('<sequenceFlow id="f" sourceRef="S" targetRef="nowhere"/>', "points at no element"),
    ],
    ids=[
        "no-topic",
        "no-implementation",
        "call",
        "timer",
        "message",
        "multi-instance",
        "gateway",
        "dangling-flow",
    ],
)
def test_what_the_engine_would_refuse_is_found(body, message):
    assert any(message in text for text in errors(process(body)))


def test_missing_ttl_and_no_executable_process():
    assert any("historyTimeToLive" in text for text in errors(process("", ttl=False)))
    data = f'<definitions xmlns="{B}" id="D"><process id="P"/></definitions>'.encode()
    assert any("isExecutable" in text for text in errors(data))


def test_expression_topics_are_only_a_warning():
    issues = check_structure(process('<serviceTask id="T" camunda:type="external" camunda:topic="${t}"/>'))
    assert [i.severity for i in issues if "expression topic" in i.message] == ["warning"]
    assert not [i for i in issues if i.is_error]


def test_unreadable_file_is_one_error_with_its_line():
    report = validate_bpmn(b"<definitions>\n<broken></definitions>", lint=True)
    assert not report.ok and report.checkers == ["structure"]
    assert report.issues[0].line == 2


def test_engine_parse_errors_become_issues_with_line_column_and_element():
    error = CamundaRequestError(400, "ParseException", "ENGINE-09005 Could not parse BPMN process.")
    error.details = {
        "x.bpmn": {
            "errors": [
                {
                    "message": "Timer needs configuration",
                    "line": 483,
                    "column": 69,
                    "mainElementId": "Event_1",
                    "\u0435lementIds": ["Timer_1", "Event_1"],
                },
                {"message": "no main id", "line": 0, "column": 0, "bpmnElementIds": ["G_1", "F_1"]},
            ],
            "warnings": [{"message": "just saying", "line": 1, "column": 2}],
        }
    }
    issues = issues_from_engine_error(error)
    assert str(issues[0]) == "error: engine [line 483:69, Event_1]: Timer needs configuration"
    assert issues[1].element_id == "G_1" and issues[1].line is None
    assert issues[2].severity == "warning"


def test_engine_error_without_details_keeps_the_message():
    issues = issues_from_engine_error(CamundaRequestError(400, "InvalidRequestException", "bad"))
    assert [str(i) for i in issues] == ["error: engine: HTTP 400 InvalidRequestException: bad"]


def _need_node() -> None:
    need_npm_packages("bpmnlint")
    reason = lint_unavailable()
    assert reason is None, reason  # the code under test must agree that bpmnlint can run


def test_bpmnlint_is_a_second_opinion():
    _need_node()
    converted = convert_bpmn(FIXTURE.read_bytes(), ConverterSettings()).xml
    assert [(i.rule, i.element_id) for i in run_bpmnlint(converted)] == [("fake-join", "Event_End")]
    unlabelled = process('<task id="T"/><endEvent id="E"/><sequenceFlow id="f" sourceRef="T" targetRef="E"/>')
    relaxed = run_bpmnlint(unlabelled)
    assert relaxed and all(i.checker == "bpmnlint" and i.severity == "warning" for i in relaxed)
    strict = run_bpmnlint(unlabelled, strict=True)
    assert any(i.is_error and i.rule == "label-required" for i in strict)
