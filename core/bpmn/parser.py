"""BPMN 2.0 XML → :class:`~core.bpmn.model.BpmnModel`.

The document is read once through :func:`core.xmlsafe.parse_xml` (no DTDs, no entities, size
limit). Each process is then walked once: its flow nodes (subprocesses included) are
collected in document order together with lane, pool and error-catching indexes, and every
node becomes an :class:`~core.bpmn.model.ActivityMeta`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from core.bpmn.catching import ErrorCatchers, collect_error_catchers, error_codes_by_id
from core.bpmn.elements import documentation_of, external_topic, multi_instance_of, xml_bool
from core.bpmn.extensions import read_extensions
from core.bpmn.flow import FlowNode, walk_flow_nodes
from core.bpmn.frozen import FrozenDict
from core.bpmn.lanes import lane_for, lane_names, participant_names
from core.bpmn.model import ActivityMeta, BpmnModel, ProcessMeta
from core.bpmn.namespaces import bpmn, camunda_attribute, local_name
from core.errors import BpmnModelError
from core.xmlsafe import DEFAULT_MAX_BYTES, parse_xml

_DEFINITIONS = bpmn("definitions")
_PROCESS = bpmn("process")

# The encoding pseudo-attribute of a leading XML declaration.
_DECLARED_ENCODING = re.compile(r"""^(\ufeff?\s*<\?xml\b[^>]*?)\s+encoding\s*=\s*(["'])[^"']*\2""")


@dataclass(frozen=True)
class _Document:
    """Per-document lookups every process needs."""

    source: str
    error_codes: dict[str, str | None]
    participants: dict[str, str | None]


@dataclass(frozen=True)
class _ProcessIndex:
    """Per-process lookups every activity needs."""

    lanes: dict[str, str | None]
    participant: str | None
    catchers: ErrorCatchers


def parse_bpmn(data: bytes | str, *, source: str = "<bpmn>", max_bytes: int = DEFAULT_MAX_BYTES) -> BpmnModel:
    """Read the process and activity metadata of a BPMN 2.0 document.

    Raises:
        UnsafeXmlError: DTD, entities or over ``max_bytes``.
        MalformedXmlError: not well-formed XML.
        BpmnModelError: well-formed, but not BPMN 2.0 definitions Exchanger can use.
    """
    root = parse_xml(_without_declared_encoding(data), max_bytes=max_bytes, source=source)
    if root.tag != _DEFINITIONS:
        raise BpmnModelError(f"{source}: root element is {_describe_tag(root.tag)}, not BPMN 2.0 definitions")
    document = _Document(source, error_codes_by_id(root), participant_names(root))
    processes: dict[str, ProcessMeta] = {}
    for element in root.iterchildren(_PROCESS):
        process = _parse_process(element, document)
        if process.id in processes:
            raise BpmnModelError(
                f"{source}: line {element.sourceline}: process id {process.id!r} is used twice"
            )
        processes[process.id] = process
    return BpmnModel(FrozenDict(processes))


def _without_declared_encoding(data: bytes | str) -> bytes | str:
    # Text is already decoded and is parsed as UTF-8; a declaration such as
    # encoding="windows-1252" left in place would garble every non-ASCII character.
    if isinstance(data, bytes):
        return data
    return _DECLARED_ENCODING.sub(r"\1", data, count=1)


def _describe_tag(tag: str) -> str:
    return repr(tag) if tag.startswith("{") else f"{tag!r} (no namespace)"


def _parse_process(element: etree._Element, document: _Document) -> ProcessMeta:
    process_id = element.get("id")
    if not process_id:
        raise BpmnModelError(f"{document.source}: line {element.sourceline}: process without an id")
    nodes = list(walk_flow_nodes(element, process_id, document.source))
    index = _ProcessIndex(
        lanes=lane_names(element),
        participant=document.participants.get(process_id),
        catchers=collect_error_catchers(nodes, document.error_codes),
    )
    activities: dict[str, ActivityMeta] = {}
    for node in nodes:
        if node.id in activities:
            raise BpmnModelError(
                f"{document.source}: line {node.element.sourceline}: "
                f"id {node.id!r} is used twice in process {process_id!r}"
            )
        activities[node.id] = _activity(node, index, document.source)
    return ProcessMeta(
        id=process_id,
        name=element.get("name"),
        version_tag=camunda_attribute(element, "versionTag"),
        documentation=documentation_of(element),
        is_executable=xml_bool(element.get("isExecutable")),
        activities=FrozenDict(activities),
    )


def _activity(node: FlowNode, index: _ProcessIndex, source: str) -> ActivityMeta:
    element = node.element
    is_external, topic = external_topic(element)
    extensions = read_extensions(element, source)
    caught_codes, catches_all = index.catchers.for_node(node)
    return ActivityMeta(
        id=node.id,
        name=element.get("name"),
        type=local_name(element),
        documentation=documentation_of(element),
        lane=lane_for(node.id, node.scopes, index.lanes),
        participant=index.participant,
        topic=topic,
        is_external=is_external,
        extension_properties=extensions.properties,
        input_parameters=extensions.input_parameters,
        output_parameters=extensions.output_parameters,
        field_injections=extensions.field_injections,
        multi_instance=multi_instance_of(element),
        caught_error_codes=caught_codes,
        catches_all_errors=catches_all,
        # The engine reads camunda:errorEventDefinition on external tasks only.
        error_event_definitions=extensions.error_expressions if is_external else (),
    )
