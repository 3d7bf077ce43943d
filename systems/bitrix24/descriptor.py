"""Bitrix24 as the registry sees it: tracked people tasks (and immediate lead topics)."""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.bitrix24 import SYSTEM, create_router
from systems.bitrix24.settings import Bitrix24Settings, ResultVariables
from systems.bitrix24.tracker import create_tracker

DESCRIPTOR = SystemDescriptor(
    name=SYSTEM,
    kind="tracked",
    create_router=create_router,
    create_tracker=create_tracker,
    settings=Bitrix24Settings,
    answer_variable=ResultVariables().answer,  # the yes/no field, read when the task closes
)
