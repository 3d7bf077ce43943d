"""Namespace repairs: declare the camunda namespace once, map legacy/fork dialects onto it."""

from __future__ import annotations

from typing import cast

from lxml import etree

from camunda_sync.convert.document import BpmnDocument
from camunda_sync.convert.report import ConversionReport
from camunda_sync.convert.xmltext import attribute_names
from core.bpmn.namespaces import ACTIVITI, CAMUNDA, OPERATON, XSI

FOREIGN_ENGINE_NAMESPACES = (ACTIVITI, OPERATON)


def ensure_namespaces(doc: BpmnDocument, report: ConversionReport) -> None:
    """Declare the camunda (and xsi) URIs on the root, so new attributes get readable prefixes.

    lxml cannot add a declaration to an existing element, so the root is rebuilt with the
    same tag, attributes and children; comments around it stay where they were.
    """
    root = doc.root
    declared = set((root.nsmap or {}).values())
    missing = [uri for uri in (CAMUNDA, XSI) if uri not in declared]
    if not missing:
        return
    nsmap: dict[str | None, str] = dict(root.nsmap)
    for uri in missing:
        prefix = _free_prefix(nsmap, "camunda" if uri == CAMUNDA else "xsi")
        nsmap[prefix] = uri
        if uri == CAMUNDA:
            report.change("namespace", None, f"declared xmlns:{prefix}={CAMUNDA}")
    # lxml takes None as the key of a default namespace; its stubs only know str keys.
    new_root = etree.Element(root.tag, nsmap=cast("dict[str, str]", nsmap))
    for key in attribute_names(root):
        new_root.set(key, root.get(key) or "")
    new_root.text = root.text
    for child in list(root):
        new_root.append(child)
    for sibling in reversed(list(root.itersiblings(preceding=True))):
        new_root.addprevious(sibling)
    for sibling in list(root.itersiblings()):
        new_root.addnext(sibling)
    doc.root = new_root


def _free_prefix(nsmap: dict[str | None, str], wanted: str) -> str:
    candidate, n = wanted, 1
    while candidate in nsmap:
        n += 1
        candidate = f"{wanted}{n}"
    return candidate


def uses_foreign_engine_namespaces(doc: BpmnDocument) -> bool:
    """Whether any element or attribute is in the activiti or operaton namespace."""
    prefixes = tuple(f"{{{uri}}}" for uri in FOREIGN_ENGINE_NAMESPACES)
    for element in doc.root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.startswith(prefixes) or any(
            key.startswith(prefixes) for key in attribute_names(element)
        ):
            return True
    return False


def map_engine_namespaces(doc: BpmnDocument, report: ConversionReport) -> None:
    """Rewrite ``activiti:`` and ``operaton:`` attributes and elements into the camunda namespace.

    Camunda 7 reads camunda and (as a legacy alias) activiti; Operaton reads camunda and
    operaton. Only the camunda form runs on both. Where both forms are present, the camunda
    value wins, as it does in the engine.
    """
    moved = 0
    prefixes = tuple(f"{{{uri}}}" for uri in FOREIGN_ENGINE_NAMESPACES)
    for element in doc.root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.startswith(prefixes):
            element.tag = f"{{{CAMUNDA}}}{element.tag.rpartition('}')[2]}"
            moved += 1
        for key in [k for k in attribute_names(element) if k.startswith(prefixes)]:
            value = element.attrib.pop(key)
            target = f"{{{CAMUNDA}}}{key.rpartition('}')[2]}"
            if element.get(target) is None:
                element.set(target, value)
            moved += 1
    if moved:
        report.change(
            "namespace", None, f"mapped {moved} activiti/operaton extension(s) onto the camunda namespace"
        )
