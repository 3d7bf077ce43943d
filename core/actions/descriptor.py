"""What a system tells the services about itself; ``systems/registry.py`` lists one per system.

The creator builds the system's router from it, the tracker its poller; neither imports a
system by a name written in configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from core.actions.router import TaskRouter
from core.tracking import SystemTracker

Options = Mapping[str, Any]


@dataclass(frozen=True)
class SystemDescriptor:
    """One external system: its name, kind, actions, optional tracker and settings model.

    Topics come with their actions from ``create_router`` because some systems let the
    options rename them (Bitrix24's ``topics``), so they are known only with the options.
    """

    name: str
    kind: Literal["immediate", "tracked"]
    create_router: Callable[[Options], TaskRouter]
    create_tracker: Callable[[Options], SystemTracker] | None = None
    # The model of ``systems.<name>.options``; None when the options are open to handler modules.
    settings: type[BaseModel] | None = None
    # The Boolean variable a person's yes/no answer lands in (true = yes), for people-work
    # systems; camunda_sync writes yes/no gateway conditions on it.
    answer_variable: str | None = None
