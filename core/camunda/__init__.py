"""Camunda 7 / Operaton REST client: external tasks, deployments, instances, typed variables.

Services depend on the narrow ``EnginePort`` (and ``TaskHistory``); tools on ``EngineAdmin``;
``CamundaClient`` is both, built on one HTTP layer.
"""

from core.camunda.admin import EngineAdmin
from core.camunda.client import CamundaClient
from core.camunda.models import FetchTopic, LockedTask
from core.camunda.port import EnginePort, TaskHistory
from core.camunda.settings import CamundaSettings
from core.camunda.variables import FileRef, TypedValue, decode_variables, encode_variables

__all__ = [
    "CamundaClient",
    "CamundaSettings",
    "EngineAdmin",
    "EnginePort",
    "FetchTopic",
    "FileRef",
    "LockedTask",
    "TaskHistory",
    "TypedValue",
    "decode_variables",
    "encode_variables",
]
