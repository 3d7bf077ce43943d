"""SMS Aero as the registry sees it: SMS sent by the creator, delivery followed by the tracker."""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.smsaero import SYSTEM, create_router
from systems.smsaero.settings import SmsAeroSettings
from systems.smsaero.tracker import create_tracker

DESCRIPTOR = SystemDescriptor(
    name=SYSTEM,
    kind="tracked",
    create_router=create_router,
    create_tracker=create_tracker,
    settings=SmsAeroSettings,
)
