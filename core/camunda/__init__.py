"""Camunda 7 / Operaton REST client: external tasks, deployments, instances, typed variables."""

from core.camunda.client import CamundaClient
from core.camunda.models import FetchTopic, LockedTask
from core.camunda.settings import CamundaSettings
from core.camunda.variables import FileRef, TypedValue, decode_variables, encode_variables

__all__ = [
    "CamundaClient",
    "CamundaSettings",
    "FetchTopic",
    "FileRef",
    "LockedTask",
    "TypedValue",
    "decode_variables",
    "encode_variables",
]
