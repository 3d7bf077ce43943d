"""Every convertible corpus file deploys on Camunda 7.24 and on Operaton, or is refused with a reason."""

from __future__ import annotations

import pytest

from camunda_sync.config import ConverterSettings
from camunda_sync.convert import convert_bpmn
from camunda_sync.deploy import deploy
from camunda_sync.errors import DeploymentRejected
from camunda_sync.validate import check_structure
from core.camunda import CamundaClient
from tests.unit.test_sync_corpus_convert import CORPUS, REFUSED_AT_CONVERSION, corpus_files, need_corpus

pytestmark = pytest.mark.integration

# Converted, but what the modeller drew cannot run; validation and the engine both say why.
REFUSED_AT_VALIDATION = {
    "cbp__ExternalTaskParseTest.testParseExternalTaskWithoutTopic.bpmn": ("without camunda:topic", "topic"),
    "miwg-yaoqiang__A.2.0-export.bpmn": ("gateway without conditions", "without condition"),
    "miwg-ibm-bwl__A.2.0-export.bpmn": ("gateway without conditions", "without condition"),
    "miwg-adonis__B.2.0-export.bpmn": ("gateway without conditions", "without condition"),
    "miwg-ref__B.2.0.bpmn": ("multi-instance without loopCardinality", "loopCardinality"),
    "bpmnjs__complex.bpmn": ("multi-instance without loopCardinality", "loopCardinality"),
    # Only the engine knows these rules: escalation/cancel boundary events on plain tasks.
    "bpmnjs-ex__kitchen-sink.bpmn": (None, "escalation boundary event"),
}
DEPLOYABLE = [name for name in corpus_files() if name not in REFUSED_AT_CONVERSION]


@pytest.mark.parametrize("name", DEPLOYABLE or ["<no corpus>"])
def test_converted_file_deploys_or_is_refused(name: str, engine: CamundaClient, unique: str) -> None:
    need_corpus()
    result = convert_bpmn((CORPUS / name).read_bytes(), ConverterSettings(), source=name)
    structural = [i.message for i in check_structure(result.xml) if i.is_error]
    if name in REFUSED_AT_VALIDATION:
        structure_reason, engine_reason = REFUSED_AT_VALIDATION[name]
        if structure_reason:
            assert any(structure_reason in message for message in structural), structural
        with pytest.raises(DeploymentRejected) as caught:
            deploy(engine, f"test-sync-corpus-{unique}", {"corpus.bpmn": result.xml}, changed_only=False)
        assert any(engine_reason in issue.message for issue in caught.value.issues), caught.value.issues
        return
    assert structural == []
    outcome = deploy(engine, f"test-sync-corpus-{unique}", {"corpus.bpmn": result.xml}, source="test")
    try:
        assert sorted(d.key for d in outcome.definitions) == sorted(result.report.executable_processes)
    finally:
        engine.delete_deployment(outcome.deployment_id, cascade=True)
