"""A system's ``options`` validated against its settings model, with errors that name the key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import ConfigError

SOURCE = "config/systems.yaml"
Model = TypeVar("Model", bound=BaseModel)


def parse_options(model: type[Model], options: Mapping[str, Any], system: str) -> Model:
    """Validate ``systems.<system>.options``; a ConfigError names the first bad key and the file."""
    try:
        return model.model_validate(dict(options))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        key = f"systems.{system}.options.{where}"
        raise ConfigError(f"{SOURCE}: {key}: {first['msg']}", key=key, source=SOURCE) from None
