"""Settings gathered in layers (YAML, environment, flags), validated once by a pydantic model.

Callers add the layers from weakest to strongest (YAML, then environment, then flags), so a
later value wins. Every key remembers the source that set it: a validation error then names
the key and that file, variable or "the command line".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import BaseModel, ValidationError

from core.errors import ConfigError
from core.redact import register_secret

Model = TypeVar("Model", bound=BaseModel)
KeyPath = tuple[str, ...]


class LayeredConfig:
    """A settings tree under construction; raises ``error`` (a ConfigError) for every problem."""

    def __init__(self, error: type[ConfigError] = ConfigError) -> None:
        self.values: dict[str, Any] = {}
        self._sources: dict[KeyPath, str] = {}
        self._error = error

    def read_yaml(self, path: Path) -> dict[str, Any] | None:
        """The mapping at the top of ``path``; None when the file is empty."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise self._error(f"{path}: not valid YAML: {err}", source=str(path)) from None
        except OSError as err:
            raise self._error(f"{path}: cannot read it: {err.strerror}", source=str(path)) from None
        if data is not None and not isinstance(data, dict):
            raise self._error(f"{path}: the top level must be a mapping", source=str(path))
        return data

    def add_mapping(self, data: Mapping[str, Any], source: str) -> None:
        for key, value in data.items():
            self.put((str(key),), value, source)

    def add_environment(
        self,
        environ: Mapping[str, str],
        paths: Mapping[str, str],
        *,
        secrets: Collection[str] = (),
        url_secrets: Collection[str] = (),
    ) -> None:
        """Variables named in ``paths`` (variable → dotted key); secrets are registered for redaction."""
        for name, value in environ.items():
            if name not in paths:
                continue
            if name in secrets:
                for part in _secret_parts(value, is_url=name in url_secrets):
                    register_secret(part)
            self.put(dotted_path(paths[name]), value, f"environment variable {name}")

    def add_flags(self, overrides: Mapping[str, Any] | None) -> None:
        """Command-line flags as dotted keys; None means the flag was not given."""
        for dotted, value in (overrides or {}).items():
            if value is not None:
                self.put(dotted_path(dotted), value, "the command line")

    def put(self, path: KeyPath, value: Any, source: str) -> None:
        """Set ``path``; a mapping merges into a mapping already there, key by key."""
        node = self.values
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if isinstance(value, dict) and isinstance(node.get(path[-1]), dict):
            for key, item in value.items():
                self.put((*path, str(key)), item, source)
            return
        node[path[-1]] = value
        self._record_sources(path, value, source)

    def validate(self, model: type[Model], *, fallback_source: str = "the defaults") -> Model:
        """The validated settings; ``fallback_source`` is named for keys no layer set."""
        try:
            return model.model_validate(self.values)
        except ValidationError as err:
            raise self._validation_error(err, fallback_source) from None

    def _record_sources(self, path: KeyPath, value: Any, source: str) -> None:
        self._sources[path] = source
        if isinstance(value, dict):
            for key, item in value.items():
                self._record_sources((*path, str(key)), item, source)

    def _validation_error(self, err: ValidationError, fallback_source: str) -> ConfigError:
        first = err.errors()[0]
        loc = tuple(str(part) for part in first["loc"])
        key = ".".join(loc) or "(root)"
        source = self._source_of(loc) or fallback_source
        if first["type"] == "extra_forbidden":
            message = f"unknown key {key!r} in {source}"
        elif first["type"] == "missing":
            message = f"missing key {key!r} (expected in {source})"
        else:
            message = f"invalid value for {key!r} in {source}: {first['msg']}"
        more = len(err.errors()) - 1
        if more:
            message += f" (and {more} more problem{'s' if more > 1 else ''})"
        return self._error(message, key=key, source=source)

    def _source_of(self, loc: KeyPath) -> str | None:
        """The source of the deepest key on ``loc`` that some layer set."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self._sources:
                return self._sources[loc[:end]]
        return None


def dotted_path(dotted: str) -> KeyPath:
    return tuple(dotted.split("."))


def _secret_parts(value: str, *, is_url: bool) -> list[str]:
    """What to mask of a secret: a URL's password (so its host stays readable), else all of it."""
    if not is_url or "://" not in value:
        return [value]
    try:
        password = urlsplit(value).password
    except ValueError:
        return [value]
    return [password, unquote(password)] if password else []
