"""OpenProject as the registry sees it: work packages created by the creator, followed by the tracker."""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.openproject import SYSTEM, create_router
from systems.openproject.settings import OpenProjectSettings, ResultVariables
from systems.openproject.tracker import create_tracker

DESCRIPTOR = SystemDescriptor(
    name=SYSTEM,
    kind="tracked",
    create_router=create_router,
    create_tracker=create_tracker,
    settings=OpenProjectSettings,
    answer_variable=ResultVariables().approved,  # true: closed, false: rejected (when it answers a gateway)
)
