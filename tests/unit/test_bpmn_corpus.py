"""core.bpmn.parse_bpmn against the shared corpus of real BPMN files written by others.

The corpus lives beside the checkout (``/work/shared/corpus/bpmn``) and is never copied into
the repository. Without it these tests skip, unless ``CI`` is set: then they fail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from core.bpmn import BpmnModel, parse_bpmn
from core.errors import BpmnModelError, ExchangerError, MalformedXmlError, UnsafeXmlError

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "bpmn"
CORPUS_PRESENT = CORPUS.is_dir()

EXPECTED: dict[str, list[list[str | None]]] = (
    json.loads((CORPUS / "expected.json").read_text(encoding="utf-8")) if CORPUS_PRESENT else {}
)
ALL_FILES = sorted(path.name for path in CORPUS.glob("*.bpmn")) if CORPUS_PRESENT else []
OTHER_FILES = [name for name in ALL_FILES if name not in EXPECTED]

# Files refused on purpose: the error type and, for malformed XML, the line it names.
REFUSED: dict[str, tuple[type[ExchangerError], int | None]] = {
    "cbp__testXxeParsingIsDisabled.bpmn": (UnsafeXmlError, None),  # DTD with an external entity
    "bpmn-moddle__invalid-attributes.bpmn": (MalformedXmlError, 3),
    "bpmn-moddle__xmlns-redeclaration.bpmn": (MalformedXmlError, 2),
    "bpmn-moddle__not-bpmn.bpmn": (BpmnModelError, None),  # root in http://not-bpmn
    "bpmnjs__missing-namespace.bpmn": (BpmnModelError, None),  # root in no namespace
    "bpmnjs__duplicate-ids.bpmn": (BpmnModelError, None),  # two processes with id "test"
}


def parse_corpus_file(name: str) -> BpmnModel:
    return parse_bpmn((CORPUS / name).read_bytes(), source=name)


@pytest.fixture
def corpus() -> None:
    """Skip when the corpus is absent, except on CI, where a missing corpus is a failure."""
    if CORPUS_PRESENT:
        return
    message = f"BPMN corpus not found at {CORPUS}"
    if "CI" in os.environ:
        pytest.fail(message)
    pytest.skip(message)


@pytest.mark.usefixtures("corpus")
def test_the_corpus_is_present() -> None:
    # The parametrised tests below have no cases without a corpus; this one reports it.
    assert EXPECTED, "expected.json is empty"
    assert len(ALL_FILES) > len(EXPECTED)


@pytest.mark.usefixtures("corpus")
def test_every_refusal_listed_here_names_a_corpus_file() -> None:
    assert set(REFUSED) <= set(ALL_FILES)
    assert not set(REFUSED) & set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_external_tasks_match_the_expected_triples(name: str) -> None:
    triples = [list(triple) for triple in parse_corpus_file(name).external_tasks()]
    assert triples == EXPECTED[name]


@pytest.mark.parametrize("name", OTHER_FILES)
def test_other_files_parse_without_external_tasks_or_are_refused_clearly(name: str) -> None:
    if name not in REFUSED:
        assert parse_corpus_file(name).external_tasks() == []
        return
    error_type, line = REFUSED[name]
    with pytest.raises(error_type) as caught:
        parse_corpus_file(name)
    assert name in str(caught.value)
    if line is not None:
        assert isinstance(caught.value, MalformedXmlError)
        assert caught.value.line == line


# --- spot checks of metadata in real files (values read off the XML by hand) -------------------


@pytest.mark.usefixtures("corpus")
def test_an_element_with_10010_attributes_is_parsed() -> None:
    # Camunda refuses this file (JAXP attribute limit); it is harmless to us, so we read it.
    model = parse_corpus_file("cbp__BpmnParseTest.testParseProcessDefinitionFSP.bpmn")
    assert list(model.processes["Process_1"].activities) == ["EndEvent_0edeh1n", "StartEvent_1"]


@pytest.mark.usefixtures("corpus")
def test_error_boundaries_resolve_error_codes() -> None:
    task = parse_corpus_file("etcpy__bpmn_error_example.bpmn").activity(
        "BPMN_ERROR_EXAMPLE", "VALIDATE_IMAGE"
    )
    assert task is not None
    assert task.caught_error_codes == ("INVALID_IMAGE", "POOR_QUALITY_IMAGE")
    assert not task.catches_all_errors


@pytest.mark.usefixtures("corpus")
def test_error_event_definition_and_output_mapping() -> None:
    name = "cbp__ExternalTaskServiceTest.externalTaskWithNestedErrorEventDefinitionTrueAndOutputMapping.bpmn"
    task = parse_corpus_file(name).activity(
        "oneExternalTaskWithNestedErrorEventDefinition", "Activity_0vvwq4z"
    )
    assert task is not None
    assert task.error_event_definitions == ("${true}",)
    assert task.caught_error_codes == ("errorCode",)
    assert dict(task.output_parameters) == {"outputParam": "${foo}"}


@pytest.mark.usefixtures("corpus")
def test_message_end_event_properties() -> None:
    event = parse_corpus_file("cbp__ExternalTaskSupportTest.messageEndEvent.bpmn").activity(
        "oneExternalTaskProcess", "end"
    )
    assert event is not None
    assert (event.type, event.topic) == ("endEvent", "externalTaskTopic")
    assert dict(event.extension_properties) == {"key1": "val1", "key2": "val2"}


@pytest.mark.usefixtures("corpus")
def test_fields_under_a_camunda_prefix_bound_to_the_activiti_uri() -> None:
    task = parse_corpus_file("miwg-ref__C.1.0.bpmn").activity("bpmn-miwg-test-case-c.1.0", "archiveInvoice")
    assert task is not None
    assert task.name == "Archive\nInvoice"
    assert task.field_injections["text0"] == "Hello World"
    assert task.field_injections["text3"].strip() == "Hello World"
    assert (task.lane, task.participant) == ("Accountant", "Process Engine - Invoice Receipt")


@pytest.mark.usefixtures("corpus")
def test_lane_and_pool_among_thirteen_pools() -> None:
    model = parse_corpus_file("zhaw-patref__patient_referral_process.bpmn")
    task = model.activity("PatientReferralProcess", "TerminrelevanteInformationenAusKISLesenTask")
    assert task is not None
    assert (task.lane, task.participant) == ("Automatisch", "Prozessportal")


@pytest.mark.usefixtures("corpus")
def test_cyrillic_names_and_json_properties() -> None:
    model = parse_corpus_file("exchanger__camunda_Процессы_УУ._Модель_для_автоматизации.bpmn")
    process = model.processes["Process_3f946f12_5071_4a9f_9960_0f57b4c05e45"]
    assert process.name == "Процессы УУ. Модель для автоматизации"
    task = process.activities["Activity_0xmi3rr"]
    assert task.name == "Отражение авансовых отчетов в УУ"
    assert json.loads(task.extension_properties["checklists"])[0]["name"] == "Внесение данных счет 7101"
