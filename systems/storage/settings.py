"""Options of the storage system (``config/systems.yaml`` → ``systems.storage.options``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.actions.options import parse_options


class StorageSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # A query answer travels in process variables: more rows than this is a modelling error.
    max_query_rows: int = Field(default=1000, ge=1, le=100_000)


def load_settings(options: Mapping[str, Any]) -> StorageSettings:
    """Validate the options; a ConfigError names the first bad key and the file."""
    return parse_options(StorageSettings, options, "storage")
