"""BPMN metadata for Exchanger: which activities are external tasks, and what they carry.

``parse_bpmn`` reads a BPMN 2.0 document (safely, through :mod:`core.xmlsafe`) into frozen
:class:`BpmnModel` values; ``BpmnCache`` keeps parsed models per process definition id.
"""

from core.bpmn.cache import BpmnCache, CacheStats
from core.bpmn.model import ActivityMeta, BpmnModel, MultiInstance, ProcessMeta
from core.bpmn.parser import parse_bpmn

__all__ = [
    "ActivityMeta",
    "BpmnCache",
    "BpmnModel",
    "CacheStats",
    "MultiInstance",
    "ProcessMeta",
    "parse_bpmn",
]
