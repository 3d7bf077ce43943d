"""Exchanger's routing rules, as camunda_sync reads them: which system serves a topic."""

from __future__ import annotations

import os
from pathlib import Path

from core.config.loader import CONFIG_DIR_ENV, load_settings
from core.config.models import RoutingRule
from core.errors import ConfigError


def exchanger_routing(folder: Path | None = None) -> list[RoutingRule] | None:
    """The rules of ``folder`` (default ``$EXCHANGER_CONFIG_DIR`` or ./config).

    None when the default folder has no routing.yaml: camunda_sync then runs without
    Exchanger. A folder named on purpose must have one.
    """
    chosen = folder or Path(os.environ.get(CONFIG_DIR_ENV) or "config")
    if not (chosen / "routing.yaml").is_file():
        if folder is not None:
            raise ConfigError(f"{chosen / 'routing.yaml'} does not exist", key="routing")
        return None
    return load_settings(chosen).routing
