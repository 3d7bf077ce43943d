"""Every corpus file converts, or is refused with a reason; the modeller's parser still loads the result.

Runs without an engine; tests/integration/test_sync_corpus.py deploys the results.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from camunda_sync.config import ConverterSettings
from camunda_sync.convert import ConversionResult, convert_bpmn
from camunda_sync.errors import BpmnRefused
from tests.support.required import need_npm_packages

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpus/bpmn"
ROOT = Path(__file__).resolve().parents[2]
MODDLE_SCRIPT = ROOT / "tests" / "js" / "moddle_import.mjs"
C = "http://camunda.org/schema/1.0/bpmn"
B = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# Files the converter refuses outright, and why (the rest convert; see the integration test).
REFUSED_AT_CONVERSION = {
    "bpmn-moddle__bad-encoding.bpmn": "no <process>",
    "bpmn-moddle__invalid-attributes.bpmn": "not well-formed XML at line 3",
    "bpmn-moddle__xmlns-redeclaration.bpmn": "not well-formed XML at line 2",
    "bpmn-moddle__not-bpmn.bpmn": "not BPMN 2.0",
    "bpmnjs__missing-namespace.bpmn": "not BPMN 2.0",
    "bpmnjs__duplicate-ids.bpmn": "duplicate id 'test'",
    "cbp__testXxeParsingIsDisabled.bpmn": "DTDs and entity declarations are not allowed",
    "cbp__BpmnParseTest.testParseProcessDefinitionFSP.bpmn": "allows at most 10000",
}
STORM_PAIRS = {
    "exchanger__Разработка_и_получение_разрешительной_документации.bpmn": (
        "exchanger__camunda_Разработка_и_получение_разрешительной_документации.bpmn"
    ),
    "exchanger__Процессы_УУ._Модель_для_автоматизации_orig.bpmn": (
        "exchanger__camunda_Процессы_УУ._Модель_для_автоматизации.bpmn"
    ),
}


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            raise RuntimeError(f"the BPMN corpus is missing at {CORPUS}")
        return []
    return sorted(p.name for p in CORPUS.glob("*.bpmn"))


def need_corpus() -> None:
    if not CORPUS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the BPMN corpus is missing at {CORPUS}")
        pytest.skip(f"no corpus at {CORPUS}")


def convert_file(name: str) -> ConversionResult:
    return convert_bpmn((CORPUS / name).read_bytes(), ConverterSettings(), source=name)


def external_tasks(xml: bytes, *, executable_only: bool = False) -> int:
    root = etree.fromstring(xml)
    processes = root.findall(f"{{{B}}}process")
    if executable_only:
        processes = [p for p in processes if p.get("isExecutable") == "true"]
    return sum(1 for p in processes for e in p.iter() if e.get(f"{{{C}}}type") == "external")


@pytest.mark.parametrize("name", corpus_files() or ["<no corpus>"])
def test_converts_or_is_refused_with_a_reason(name):
    need_corpus()
    if name in REFUSED_AT_CONVERSION:
        with pytest.raises(
            BpmnRefused, match=REFUSED_AT_CONVERSION[name].replace("(", r"\(").replace(")", r"\)")
        ):
            convert_file(name)
        return
    result = convert_file(name)
    assert result.report.executable_processes
    again = convert_bpmn(result.xml, ConverterSettings(), source=name)
    assert again.xml == result.xml, "converting twice must give the same result"
    original = etree.fromstring((CORPUS / name).read_bytes())
    converted = etree.fromstring(result.xml)
    before = {e.get("id") for e in original.iter() if isinstance(e.tag, str) and e.get("id")}
    after = {e.get("id") for e in converted.iter() if isinstance(e.tag, str) and e.get("id")}
    assert before <= after, "no element may disappear"
    di = "{http://www.omg.org/spec/BPMN/20100524/DI}"
    old_refs = [s.get("bpmnElement") for s in original.iter(f"{di}BPMNShape", f"{di}BPMNEdge")]
    new_refs = [s.get("bpmnElement") for s in converted.iter(f"{di}BPMNShape", f"{di}BPMNEdge")]
    assert set(old_refs) <= set(new_refs)
    assert all(ref in after for ref in new_refs if ref in before or ref not in set(old_refs))


@pytest.mark.parametrize("name", list(STORM_PAIRS))
def test_storm_exports_get_as_many_external_tasks_as_their_hand_conversions(name):
    need_corpus()
    converted = convert_file(name).xml
    reference = (CORPUS / STORM_PAIRS[name]).read_bytes()
    assert external_tasks(converted) == external_tasks(reference)
    assert external_tasks(converted, executable_only=True) == external_tasks(reference, executable_only=True)


def test_passthrough_files_are_left_byte_for_byte():
    need_corpus()
    result = convert_file("c7to8__payment_process.bpmn")
    assert (
        result.report.mode == "passthrough"
        and result.xml == (CORPUS / "c7to8__payment_process.bpmn").read_bytes()
    )


def moddle_warnings(paths: list[Path]) -> dict[str, dict]:
    completed = subprocess.run(
        ["node", str(MODDLE_SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    return dict(json.loads(completed.stdout))


def test_converted_files_load_in_bpmn_moddle_without_new_warnings(tmp_path):
    need_corpus()
    need_npm_packages("bpmn-moddle", "camunda-bpmn-moddle")
    converted: dict[str, Path] = {}
    for name in corpus_files():
        if name in REFUSED_AT_CONVERSION:
            continue
        converted[name] = tmp_path / name
        converted[name].write_bytes(convert_file(name).xml)
    before = moddle_warnings([CORPUS / name for name in converted])
    after = moddle_warnings(list(converted.values()))
    problems = {}
    for name, path in converted.items():
        result = after[str(path)]
        assert result["ok"], f"{name}: {result.get('error')}"
        known = set(before[str(CORPUS / name)].get("warnings", []))
        new = [w for w in result["warnings"] if w not in known]
        if new:
            problems[name] = new
    assert problems == {}
    storm = [after[str(converted[name])]["warnings"] for name in STORM_PAIRS]
    assert storm == [[], []]
