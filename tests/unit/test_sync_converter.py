"""The converter's rules, on a small StormBPMN-style fixture and inline snippets."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from camunda_sync.config import ConditionSettings, ConverterSettings, TopicRule
from camunda_sync.convert import ConversionOptions, convert_bpmn
from camunda_sync.convert.durations import duration_from_label
from camunda_sync.errors import BpmnRefused
from camunda_sync.storm.models import Assignee
from camunda_sync.validate import check_structure
from core.config.models import RoutingRule

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "sync" / "storm_like.bpmn"
B = "http://www.omg.org/spec/BPMN/20100524/MODEL"
C = "http://camunda.org/schema/1.0/bpmn"
NS = {"bpmn": B, "camunda": C, "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}


def convert(data: bytes | None = None, settings: ConverterSettings | None = None, **options):
    return convert_bpmn(
        data or FIXTURE.read_bytes(), settings or ConverterSettings(), ConversionOptions(**options)
    )


def tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def by_id(root: etree._Element, ident: str) -> etree._Element:
    found = root.xpath("//*[@id=$i]", i=ident)
    assert found, ident
    return found[0]


def props(element: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in element.iterfind(".//camunda:property", NS)}


def minimal(body: str, *, executable: str = "false", extra_ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="{B}" {extra_ns} id="D" targetNamespace="t">'
        f'<process id="P" isExecutable="{executable}">{body}</process></definitions>'
    ).encode()


def test_tasks_become_external_service_tasks_with_topics_and_lane_property():
    root = tree(convert(settings=ConverterSettings(default_properties={"responsible": "{lane}"})).xml)
    for ident in ("Activity_Check", "Activity_Pay", "Activity_Contract", "Activity_Clean"):
        task = by_id(root, ident)
        assert task.tag == f"{{{B}}}serviceTask"
        assert task.get(f"{{{C}}}type") == "external"
    assert by_id(root, "Activity_Check").get(f"{{{C}}}topic") == "bitrix24.task"
    assert props(by_id(root, "Activity_Check"))["responsible"] == "Бухгалтерия"
    assert props(by_id(root, "Activity_Clean"))["responsible"] == "Юрист Иванова"


def test_marker_in_storm_description_picks_the_rule_topic():
    settings = ConverterSettings(rules=(TopicRule(marker="[DaData]", topic="dadata.clean"),))
    root = tree(convert(settings=settings).xml)
    assert by_id(root, "Activity_Contract").get(f"{{{C}}}topic") == "dadata.clean"


def test_lane_participant_and_type_rules_first_match_wins():
    settings = ConverterSettings(
        default_properties={"responsible": "{lane}"},
        rules=(
            TopicRule(
                lane="юрист*", topic="openproject.work_package", properties={"who": "{lane} / {participant}"}
            ),
            TopicRule(types=("manualTask",), topic="never.reached"),
            TopicRule(participant="Закупки*", topic="bitrix24.task.purchases"),
        ),
    )
    root = tree(convert(settings=settings).xml)
    clean = by_id(root, "Activity_Clean")
    assert clean.get(f"{{{C}}}topic") == "openproject.work_package"
    assert props(clean) == {"responsible": "Юрист Иванова", "who": "Юрист Иванова / Закупки и договоры"}
    assert by_id(root, "Activity_Pay").get(f"{{{C}}}topic") == "bitrix24.task.purchases"


def test_assignee_rule_and_properties():
    settings = ConverterSettings(
        rules=(
            TopicRule(assignee="Петров*", topic="bitrix24.task", properties={"assigneeId": "{assignee_id}"}),
        )
    )
    assignees = {"Activity_Pay": [Assignee("Петров П.", "42"), Assignee("Сидоров", "7")]}
    result = convert(settings=settings, assignees=assignees)
    assert props(by_id(tree(result.xml), "Activity_Pay"))["assigneeId"] == "42"
    assert any(w.code == "assignee" and "Петров" in w.message for w in result.report.warnings)


def test_process_becomes_executable_with_ttl_name_and_new_key():
    root = tree(convert(process_id="Process_abc", process_name="Закупки").xml)
    process = root.find("bpmn:process", NS)
    assert process.get("isExecutable") == "true"
    assert process.get("id") == "Process_abc"
    assert process.get("name") == "Закупки"
    assert process.get(f"{{{C}}}historyTimeToLive") == "180"
    assert root.find(".//bpmn:participant[@id='Participant_1']", NS).get("processRef") == "Process_abc"


def test_names_documentation_and_layout_are_kept():
    original = tree(FIXTURE.read_bytes())
    converted = tree(convert().xml)
    assert by_id(converted, "Activity_Check").get("name") == "Проверить\nзаявку"
    assert (
        by_id(converted, "Activity_Check").findtext("bpmn:documentation", namespaces=NS)
        == "Сверить сумму с бюджетом"
    )
    ids = {e.get("id") for e in converted.iter() if e.get("id")}
    assert {e.get("id") for e in original.iter() if e.get("id")} <= ids
    for shape in converted.iterfind(".//bpmndi:BPMNShape", NS):
        assert shape.get("bpmnElement") in ids
    old_bounds = {s.get("id"): dict(s[0].attrib) for s in original.iterfind(".//bpmndi:BPMNShape", NS)}
    new_bounds = {s.get("id"): dict(s[0].attrib) for s in converted.iterfind(".//bpmndi:BPMNShape", NS)}
    assert all(new_bounds[key] == value for key, value in old_bounds.items())


def test_timers_and_messages_are_kept_and_completed():
    root = tree(convert().xml)
    timer = by_id(root, "TimerEventDefinition_1")
    assert timer.findtext("bpmn:timeDuration", namespaces=NS) == "P5D"
    definition = by_id(root, "MessageEventDefinition_1")
    message = by_id(root, definition.get("messageRef"))
    assert message.tag == f"{{{B}}}message" and message.get("name") == "Договор подписан"


def test_yes_no_conditions_use_the_preceding_task_result():
    result = convert()
    root = tree(result.xml)
    yes = by_id(root, "Flow_Yes").findtext("bpmn:conditionExpression", namespaces=NS)
    no = by_id(root, "Flow_No").findtext("bpmn:conditionExpression", namespaces=NS)
    assert yes == "${execution.getVariable('Activity_Check') == 'ok'}"
    assert no == "${execution.getVariable('Activity_Check') != 'ok'}"
    assert props(by_id(root, "Activity_Check"))["UF_RESULT_QUESTION"] == "Заявка в бюджете?"


def test_yes_no_conditions_test_the_answer_variable_of_the_routed_people_system():
    # Activity_Check gets the default topic bitrix24.task; routed to Bitrix24, its answer is bitrix_answer.
    routing = [
        RoutingRule(topic="python.*", system="python"),
        RoutingRule(topic="bitrix24.*", system="bitrix24"),
    ]
    root = tree(convert(routing=routing).xml)
    yes = by_id(root, "Flow_Yes").findtext("bpmn:conditionExpression", namespaces=NS)
    no = by_id(root, "Flow_No").findtext("bpmn:conditionExpression", namespaces=NS)
    assert yes == "${execution.getVariable('bitrix_answer') == true}"
    assert no == "${execution.getVariable('bitrix_answer') != true}"
    assert props(by_id(root, "Activity_Check"))["UF_RESULT_EXPECTED"] == "true"


def test_a_system_without_an_answer_variable_keeps_the_generic_condition():
    routing = [RoutingRule(topic="bitrix24.*", system="python")]
    yes = by_id(tree(convert(routing=routing).xml), "Flow_Yes").findtext(
        "bpmn:conditionExpression", namespaces=NS
    )
    assert yes == "${execution.getVariable('Activity_Check') == 'ok'}"


def test_gateway_after_a_join_gets_a_question_task_with_layout():
    root = tree(convert().xml)
    question = by_id(root, "Question_Gateway_Again")
    assert question.get("name") == "Выяснить: Нужна ещё закупка?"
    assert by_id(root, "Flow_7").get("targetRef") == "Question_Gateway_Again"
    assert root.find(".//bpmndi:BPMNShape[@bpmnElement='Question_Gateway_Again']", NS) is not None
    assert "Question_Gateway_Again" in [
        r.text for r in by_id(root, "Lane_Law").iterfind("bpmn:flowNodeRef", NS)
    ]


def test_configurable_words_and_disabled_question_tasks():
    conditions = ConditionSettings(
        yes_words=("ja",), no_words=("nein",), question_tasks=False, label_conditions=False
    )
    result = convert(settings=ConverterSettings(conditions=conditions))
    root = tree(result.xml)
    assert by_id(root, "Flow_Yes").find("bpmn:conditionExpression", NS) is None
    assert not root.xpath("//*[@id='Question_Gateway_Again']")
    assert any(w.code == "gateway" for w in result.report.warnings)


def test_gateway_right_after_start_reads_a_process_variable():
    body = (
        '<startEvent id="S"><outgoing>f1</outgoing></startEvent>'
        '<exclusiveGateway id="G" name="Срочно?"><incoming>f1</incoming></exclusiveGateway>'
        '<task id="T1"/><task id="T2"/>'
        '<sequenceFlow id="f1" sourceRef="S" targetRef="G"/>'
        '<sequenceFlow id="y" name="Да" sourceRef="G" targetRef="T1"/>'
        '<sequenceFlow id="n" name="нет" sourceRef="G" targetRef="T2"/>'
    )
    result = convert(minimal(body))
    assert "execution.getVariable('G') == 'ok'" in by_id(tree(result.xml), "y").findtext(
        f"{{{B}}}conditionExpression"
    )
    assert any("process variable 'G'" in w.message for w in result.report.warnings)


def test_other_labels_become_label_conditions_and_a_lone_unlabelled_flow_the_default():
    body = (
        '<startEvent id="S"/><task id="A"/><exclusiveGateway id="G"/><task id="T1"/><task id="T2"/><task id="T3"/>'
        '<sequenceFlow id="f0" sourceRef="S" targetRef="A"/><sequenceFlow id="f1" sourceRef="A" targetRef="G"/>'
        '<sequenceFlow id="a" name="Срочно \'очень\'" sourceRef="G" targetRef="T1"/>'
        '<sequenceFlow id="b" name="Потом" sourceRef="G" targetRef="T2"/>'
        '<sequenceFlow id="c" sourceRef="G" targetRef="T3"/>'
    )
    root = tree(convert(minimal(body)).xml)
    condition = by_id(root, "a").findtext(f"{{{B}}}conditionExpression")
    assert condition == "${execution.getVariable('A') == 'Срочно \\'очень\\''}"
    assert by_id(root, "G").get("default") == "c"


def test_existing_conditions_and_default_flows_are_left_alone():
    body = (
        '<startEvent id="S"/><task id="A"/><exclusiveGateway id="G" default="n"/><task id="T1"/><task id="T2"/>'
        '<sequenceFlow id="f0" sourceRef="S" targetRef="A"/><sequenceFlow id="f1" sourceRef="A" targetRef="G"/>'
        '<sequenceFlow id="y" name="да" sourceRef="G" targetRef="T1"><conditionExpression>${x}</conditionExpression>'
        '</sequenceFlow><sequenceFlow id="n" name="нет" sourceRef="G" targetRef="T2"/>'
    )
    root = tree(convert(minimal(body)).xml)
    assert [c.text for c in by_id(root, "y").iter(f"{{{B}}}conditionExpression")] == ["${x}"]
    assert by_id(root, "n").find(f"{{{B}}}conditionExpression") is None


def test_already_executable_camunda_files_pass_through_byte_for_byte():
    first = convert()
    again = convert_bpmn(first.xml, ConverterSettings())
    assert again.report.mode == "passthrough"
    assert again.xml == first.xml
    assert not again.changed


def test_executable_camunda_file_without_ttl_only_gets_the_ttl():
    data = minimal('<startEvent id="S"/>', executable="true", extra_ns=f'xmlns:camunda="{C}"')
    result = convert(data)
    assert result.report.mode == "passthrough"
    assert [e.code for e in result.report.changes] == ["process"]
    assert tree(result.xml).find(f"{{{B}}}process").get(f"{{{C}}}historyTimeToLive") == "180"


def test_operaton_and_activiti_attributes_move_to_the_camunda_namespace():
    ns = 'xmlns:op="http://operaton.org/schema/1.0/bpmn"'
    body = '<startEvent id="S"/><serviceTask id="T" op:type="external" op:topic="orders"/>'
    root = tree(convert(minimal(body, executable="true", extra_ns=ns)).xml)
    task = by_id(root, "T")
    assert (task.get(f"{{{C}}}type"), task.get(f"{{{C}}}topic")) == ("external", "orders")


def test_user_task_attributes_the_service_task_cannot_carry_become_properties():
    ns = f'xmlns:camunda="{C}"'
    body = '<startEvent id="S"/><userTask id="U" camunda:assignee="anna"><rendering id="R"/></userTask>'
    root = tree(convert(minimal(body, extra_ns=ns)).xml)
    task = by_id(root, "U")
    assert task.get(f"{{{C}}}assignee") is None and props(task)["assignee"] == "anna"
    assert task.find(f"{{{B}}}rendering") is None


def test_implemented_activities_are_left_alone():
    ns = f'xmlns:camunda="{C}"'
    body = (
        '<startEvent id="S"/><serviceTask id="Svc" camunda:class="a.B"/><callActivity id="Call" calledElement="x"/>'
        '<scriptTask id="Script" scriptFormat="js"><script>1</script></scriptTask>'
        '<subProcess id="Sub"><startEvent id="S2"/></subProcess><subProcess id="Empty"/>'
    )
    root = tree(convert(minimal(body, extra_ns=ns)).xml)
    assert by_id(root, "Svc").get(f"{{{C}}}type") is None
    assert by_id(root, "Call").tag == f"{{{B}}}callActivity"
    assert by_id(root, "Script").tag == f"{{{B}}}scriptTask"
    assert by_id(root, "Sub").tag == f"{{{B}}}subProcess"
    assert by_id(root, "Empty").tag == f"{{{B}}}serviceTask"


def test_choose_process_in_a_collaboration_others_stay_as_they_are():
    data = (
        f'<definitions xmlns="{B}" id="D" targetNamespace="t"><collaboration id="C">'
        '<participant id="PA" name="Small" processRef="A"/><participant id="PB" name="Main" processRef="B"/>'
        '</collaboration><process id="A"><startEvent id="s1"/></process>'
        '<process id="B"><startEvent id="s2"/><task id="t"/><endEvent id="e"/></process></definitions>'
    ).encode()
    root = tree(convert(data).xml)
    assert by_id(root, "B").get("isExecutable") == "true"
    assert by_id(root, "A").get("isExecutable") is None
    chosen = tree(convert(data, process="Small").xml)
    assert by_id(chosen, "A").get("isExecutable") == "true"
    with pytest.raises(BpmnRefused, match="no process 'X'"):
        convert(data, process="X")


def test_converting_twice_gives_the_same_result():
    first = convert()
    assert convert_bpmn(first.xml, ConverterSettings()).xml == first.xml


def test_the_converted_fixture_passes_the_structural_checks():
    assert [str(i) for i in check_structure(convert().xml) if i.is_error] == []


def test_missing_layout_is_reported():
    result = convert(minimal('<startEvent id="S"/><task id="T"/>'))
    assert any(w.code == "layout" and "no diagram layout" in w.message for w in result.report.warnings)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<definitions><oops></definitions>", "not well-formed XML at line 1"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "DTD"),
        (b'<definitions xmlns="http://not-bpmn"/>', "not BPMN 2.0"),
        (f'<definitions xmlns="{B}" id="D"/>'.encode(), "no <process>"),
        (minimal('<task id="a"/><task id="a"/>'), "duplicate id 'a'"),
        (
            minimal('<startEvent id="s" ' + " ".join(f'a{i}="1"' for i in range(10_001)) + "/>"),
            "10002 attributes",
        ),
    ],
    ids=["malformed", "xxe", "foreign-namespace", "no-process", "duplicate-ids", "too-many-attributes"],
)
def test_refusals_say_why(data, reason):
    with pytest.raises(BpmnRefused, match=reason.replace("(", r"\(").replace(")", r"\)")):
        convert(data)


def test_expression_and_missing_topics_are_reported():
    ns = f'xmlns:camunda="{C}"'
    body = '<startEvent id="S"/><serviceTask id="E" camunda:type="external" camunda:topic="${t}"/>'
    body += '<serviceTask id="M" camunda:type="external"/>'
    result = convert(minimal(body, executable="true", extra_ns=ns))
    messages = {w.element_id: w.message for w in result.report.warnings if w.code == "topic"}
    assert "expression" in messages["E"] and "without a topic" in messages["M"]


@pytest.mark.parametrize(
    ("label", "iso"),
    [("до 14 р. дн.", "P20D"), ("до 6 мес.", "P6M"), ("2 часа", "PT2H"), ("1 неделя", "P7D"), ("P3D", "P3D")],
)
def test_durations_from_labels(label, iso):
    parsed = duration_from_label(label)
    assert parsed is not None and parsed.iso == iso


def test_label_without_duration_gives_none():
    assert duration_from_label("ПД готова") is None
