"""The python system as the registry sees it: immediate, handlers in-process, open options."""

from __future__ import annotations

from core.actions.descriptor import SystemDescriptor
from systems.python import SYSTEM, create_router

# No settings model: handler modules read their own keys from the same options.
DESCRIPTOR = SystemDescriptor(name=SYSTEM, kind="immediate", create_router=create_router)
