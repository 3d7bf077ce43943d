"""``bpmn:extensionElements`` / ``camunda:properties`` on an element, in schema order."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from core.bpmn.namespaces import bpmn, bpmn_children, camunda_tag, is_bpmn


def extension_elements(element: etree._Element) -> etree._Element:
    """The element's ``extensionElements``, created right after its documentation if missing."""
    found = bpmn_children(element, "extensionElements")
    if found:
        return found[0]
    created = etree.Element(bpmn("extensionElements"))
    docs = [index for index, child in enumerate(element) if is_bpmn(child, "documentation")]
    element.insert(docs[-1] + 1 if docs else 0, created)
    # Keep pretty-printed files readable: the next sibling keeps the indentation it had.
    before = element[docs[-1]].tail if docs else element.text
    if before and not before.strip():
        created.tail = before
    return created


def add_properties(element: etree._Element, properties: Mapping[str, str]) -> list[str]:
    """Add ``camunda:property`` entries; a property the modeller already set is kept as is."""
    if not properties:
        return []
    extensions = extension_elements(element)
    container = next((child for child in extensions if child.tag == camunda_tag("properties")), None)
    if container is None:
        container = etree.SubElement(extensions, camunda_tag("properties"))
    existing = {child.get("name") for child in container if child.tag == camunda_tag("property")}
    added = []
    for name, value in properties.items():
        if name not in existing:
            etree.SubElement(container, camunda_tag("property"), name=name, value=value)
            added.append(name)
    return added


def properties_of(element: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for extensions in bpmn_children(element, "extensionElements"):
        for prop in extensions.iter(camunda_tag("property")):
            name = prop.get("name")
            if name is not None:
                found[name] = prop.get("value") or ""
    return found
