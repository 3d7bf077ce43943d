"""A parsed BPMN document with the look-ups the converter and the validator need.

Loading is where hostile or broken input is refused: the kernel's safe parser (no DTD, no
entities, no network, a size cap), then BPMN-level checks that give a reason and a line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

from camunda_sync.convert.xmltext import line_of
from camunda_sync.errors import BpmnRefused
from core.bpmn.namespaces import BPMN_MODEL, BPMNDI, bpmn, is_bpmn, local_name, namespace_of
from core.errors import MalformedXmlError, UnsafeXmlError
from core.xmlsafe import parse_xml

MAX_BYTES = 10 * 1024 * 1024
# Ids that BPMN references resolve against; extension elements (forms, vendor data) scope their own.
ID_NAMESPACES = frozenset({BPMN_MODEL, BPMNDI})
# The JDK parser inside the engine refuses more attributes on one element (JAXP00010002).
MAX_ATTRIBUTES = 10_000
ACTIVITY_KINDS = frozenset({"task", "subProcess", "adHocSubProcess", "transaction", "callActivity"})


def load_document(data: bytes, *, source: str = "<bpmn>", max_bytes: int = MAX_BYTES) -> BpmnDocument:
    """Parse ``data`` safely and check it is BPMN the converter can work on."""
    try:
        root = parse_xml(data, max_bytes=max_bytes, source=source)
    except MalformedXmlError as err:
        raise BpmnRefused(str(err), line=err.line) from None
    except UnsafeXmlError as err:
        raise BpmnRefused(f"refused: {err}") from None
    if not (namespace_of(root) == BPMN_MODEL and local_name(root) == "definitions"):
        found = root.tag if isinstance(root.tag, str) else "?"
        raise BpmnRefused(
            f"{source}: the root element is <{found}>, not BPMN 2.0 <definitions> "
            f"in namespace {BPMN_MODEL}: not a BPMN file (or a foreign dialect)"
        )
    _check_attribute_counts(root, source)
    doc = BpmnDocument(root=root, source=source, original=data)
    doc.check_unique_ids()
    return doc


def _check_attribute_counts(root: etree._Element, source: str) -> None:
    for element in root.iter():
        if len(element.attrib) > MAX_ATTRIBUTES:
            raise BpmnRefused(
                f"{source}: <{local_name(element)} id={element.get('id')!r}> at line {line_of(element)} "
                f"has {len(element.attrib)} attributes; the engine's XML parser allows at most "
                f"{MAX_ATTRIBUTES} per element (JAXP00010002)",
                line=line_of(element),
            )


def is_activity(element: etree._Element) -> bool:
    name = local_name(element)
    return is_bpmn(element) and (name.endswith("Task") or name in ACTIVITY_KINDS)


def is_flow_node(element: etree._Element) -> bool:
    name = local_name(element)
    return is_activity(element) or (is_bpmn(element) and name.endswith(("Event", "Gateway")))


@dataclass
class BpmnDocument:
    root: etree._Element
    source: str
    original: bytes
    _ids: dict[str, etree._Element] = field(default_factory=dict, repr=False)
    _taken: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        self.reindex()

    def reindex(self) -> None:
        """Index BPMN and DI elements by id; extension elements (forms, vendor data) scope their own."""
        self._ids = {}
        self._taken = set()
        for element in self.root.iter():
            ident = element.get("id") if isinstance(element.tag, str) else None
            if ident is None:
                continue
            self._taken.add(ident)
            if namespace_of(element) in ID_NAMESPACES:
                self._ids.setdefault(ident, element)

    def check_unique_ids(self) -> None:
        seen: dict[str, int | None] = {}
        for element in self.root.iter():
            ident = element.get("id") if isinstance(element.tag, str) else None
            if ident is None or namespace_of(element) not in ID_NAMESPACES:
                continue
            if ident in seen:
                raise BpmnRefused(
                    f"{self.source}: duplicate id {ident!r} (lines {seen[ident]} and {line_of(element)}); "
                    "references to it would be ambiguous",
                    line=line_of(element),
                )
            seen[ident] = line_of(element)

    def by_id(self, ident: str | None) -> etree._Element | None:
        return self._ids.get(ident) if ident else None

    def register(self, element: etree._Element) -> None:
        ident = element.get("id")
        if ident:
            self._ids[ident] = element
            self._taken.add(ident)

    def new_id(self, base: str) -> str:
        """``base`` if unused, else ``base_2``, ``base_3``, ... (deterministic, so reruns agree)."""
        candidate, n = base, 1
        while candidate in self._taken:
            n += 1
            candidate = f"{base}_{n}"
        return candidate

    @property
    def processes(self) -> list[etree._Element]:
        return [child for child in self.root if is_bpmn(child, "process")]

    @property
    def participants(self) -> list[etree._Element]:
        return list(self.root.iter(bpmn("participant")))

    def participant_of(self, process: etree._Element) -> etree._Element | None:
        ident = process.get("id")
        return next((p for p in self.participants if p.get("processRef") == ident), None)

    def process_of(self, element: etree._Element) -> etree._Element | None:
        return next((a for a in element.iterancestors() if is_bpmn(a, "process")), None)

    def flow_nodes(self, process: etree._Element) -> Iterator[etree._Element]:
        return (el for el in process.iter() if isinstance(el.tag, str) and is_flow_node(el))

    def lane_of(self, node: etree._Element) -> etree._Element | None:
        """The innermost lane whose ``flowNodeRef`` lists ``node``."""
        ident = node.get("id")
        process = self.process_of(node)
        if process is None or ident is None:
            return None
        found: etree._Element | None = None
        for lane in process.iter(bpmn("lane")):
            refs = (ref.text.strip() for ref in lane if is_bpmn(ref, "flowNodeRef") and ref.text)
            if ident in refs:
                found = lane  # iter() is depth-first, so a nested lane comes after its parent
        return found

    def sequence_flows(self, process: etree._Element) -> list[etree._Element]:
        return list(process.iter(bpmn("sequenceFlow")))

    def di_elements(self) -> dict[str, list[etree._Element]]:
        """DI shapes and edges by the id of the BPMN element they draw."""
        found: dict[str, list[etree._Element]] = {}
        for element in self.root.iter(f"{{{BPMNDI}}}BPMNShape", f"{{{BPMNDI}}}BPMNEdge"):
            ref = element.get("bpmnElement")
            if ref:
                found.setdefault(ref, []).append(element)
        return found

    def has_diagram(self) -> bool:
        return any(True for _ in self.root.iter(f"{{{BPMNDI}}}BPMNDiagram"))
