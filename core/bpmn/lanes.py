"""Lane and pool (participant) names of flow nodes.

Lanes name their nodes through ``flowNodeRef``; a lane may split into a ``childLaneSet``, and
then the innermost lane is the one that counts. A node inside a subprocess that no lane
names sits in the lane of its subprocess.
"""

from __future__ import annotations

from lxml import etree

from core.bpmn.namespaces import bpmn

_LANE_SET = bpmn("laneSet")
_CHILD_LANE_SET = bpmn("childLaneSet")
_LANE = bpmn("lane")
_FLOW_NODE_REF = bpmn("flowNodeRef")
_COLLABORATION = bpmn("collaboration")
_PARTICIPANT = bpmn("participant")


def lane_names(process: etree._Element) -> dict[str, str | None]:
    """Lane name by flow node id, from every lane set of the process and its subprocesses."""
    names: dict[str, str | None] = {}
    # iter() meets outer lane sets before the lane sets of subprocesses inside them.
    for lane_set in process.iter(_LANE_SET):
        _index_lane_set(lane_set, names)
    return names


def _index_lane_set(lane_set: etree._Element, names: dict[str, str | None]) -> None:
    for lane in lane_set.iterchildren(_LANE):
        lane_name = lane.get("name")
        for ref in lane.iterchildren(_FLOW_NODE_REF):
            if ref.text and ref.text.strip():
                names[ref.text.strip()] = lane_name
        # Child lanes are indexed after their parent, so the innermost lane wins.
        for child_set in lane.iterchildren(_CHILD_LANE_SET):
            _index_lane_set(child_set, names)


def lane_for(node_id: str, scopes: tuple[str, ...], names: dict[str, str | None]) -> str | None:
    """The lane of a node: its own, else the lane of its nearest enclosing subprocess."""
    for candidate in (node_id, *reversed(scopes)):
        if candidate in names:
            return names[candidate]
    return None


def participant_names(definitions: etree._Element) -> dict[str, str | None]:
    """Pool name by process id (``participant/@processRef``); the first pool wins."""
    names: dict[str, str | None] = {}
    for collaboration in definitions.iterchildren(_COLLABORATION):
        for participant in collaboration.iterchildren(_PARTICIPANT):
            process_ref = participant.get("processRef")
            if process_ref:
                names.setdefault(process_ref, participant.get("name"))
    return names
