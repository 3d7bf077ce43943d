"""Reads and merges the configuration sources, then validates them once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from dotenv import dotenv_values
from pydantic import ValidationError

from core.config.env import ENV_KEYS, RESERVED_PREFIX, SECRET_ENV_KEYS
from core.config.models import AppSettings
from core.errors import ConfigError
from core.redact import register_secret

# file name → the settings key its content lands under (None: the file's top level is the root)
CONFIG_FILES: dict[str, str | None] = {
    "exchanger.yaml": None,
    "systems.yaml": "systems",
    "routing.yaml": "routing",
}
FILE_ROOT_KEYS = {"systems.yaml": "systems", "routing.yaml": "rules"}
# Secret variables that hold a URL: only the password in them is the secret.
URL_SECRET_ENV_KEYS = {"RABBITMQ_URL", "LEDGER_DSN"}


def load_settings(
    config_dir: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    env_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> AppSettings:
    """Build the validated settings. ``overrides`` are command-line flags as dotted paths."""
    environ = _environment(env, env_file)
    folder = Path(config_dir or environ.get("EXCHANGER_CONFIG_DIR") or "config")
    merged: dict[str, Any] = {}
    sources: dict[tuple[str, ...], str] = {}
    for name in CONFIG_FILES:
        _merge_file(folder / name, merged, sources)
    _merge_env(environ, merged, sources)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _put(merged, sources, tuple(dotted.split(".")), value, "the command line")
    try:
        return AppSettings.model_validate(merged)
    except ValidationError as err:
        raise _config_error(err, sources) from None


def _environment(env: Mapping[str, str] | None, env_file: str | Path | None) -> dict[str, str]:
    """``env`` stands in for the real environment; an explicit ``env_file`` is read under either."""
    values: dict[str, str] = {}
    if env_file or env is None:
        path = Path(env_file) if env_file else Path(".env")
        if path.is_file():
            values.update({k: v for k, v in dotenv_values(path).items() if v is not None})
        elif env_file:
            raise ConfigError(f"env file {path} does not exist", source=str(path))
    if env is None:
        # System packages read their own secrets from the environment (e.g. a webhook URL):
        # a value kept only in .env must reach them too; the real environment still wins.
        for name, value in values.items():
            os.environ.setdefault(name, value)
    values.update(os.environ if env is None else env)  # the real environment wins over the .env file
    return values


def _merge_file(path: Path, merged: dict[str, Any], sources: dict[tuple[str, ...], str]) -> None:
    if not path.is_file():
        return
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}", source=str(path)) from None
    if data is None:
        return
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping", source=str(path))
    root_key = FILE_ROOT_KEYS.get(path.name)
    if root_key is not None:
        unknown = sorted(set(data) - {root_key})
        if unknown:
            raise ConfigError(
                f"{path}: unknown key {unknown[0]!r} (expected {root_key!r})",
                key=unknown[0],
                source=str(path),
            )
        target = CONFIG_FILES[path.name]
        assert target is not None
        _put(merged, sources, (target,), data.get(root_key) or ([] if root_key == "rules" else {}), str(path))
        return
    for key, value in data.items():
        _put(merged, sources, (str(key),), value, str(path))


def _merge_env(
    environ: Mapping[str, str], merged: dict[str, Any], sources: dict[tuple[str, ...], str]
) -> None:
    for name, value in environ.items():
        if name in ENV_KEYS:
            if name in SECRET_ENV_KEYS:
                for part in _secret_parts(name, value):
                    register_secret(part)
            _put(merged, sources, tuple(ENV_KEYS[name].split(".")), value, f"environment variable {name}")
        elif name.startswith(RESERVED_PREFIX) and name != "EXCHANGER_CONFIG_DIR":
            raise ConfigError(f"unknown environment variable {name}", key=name, source="environment")


def _secret_parts(name: str, value: str) -> list[str]:
    """What to mask of a secret variable: a URL's password (so its host stays readable), else all."""
    if name not in URL_SECRET_ENV_KEYS or "://" not in value:
        return [value]
    try:
        password = urlsplit(value).password
    except ValueError:
        return [value]
    return [password, unquote(password)] if password else []


def _put(
    merged: dict[str, Any],
    sources: dict[tuple[str, ...], str],
    path: tuple[str, ...],
    value: Any,
    source: str,
) -> None:
    node = merged
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    if isinstance(value, dict) and isinstance(node.get(path[-1]), dict):
        for key, item in value.items():
            _put(merged, sources, (*path, str(key)), item, source)
        return
    node[path[-1]] = value
    sources[path] = source
    _record_leaves(sources, path, value, source)


def _record_leaves(
    sources: dict[tuple[str, ...], str], path: tuple[str, ...], value: Any, source: str
) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            sources[(*path, str(key))] = source
            _record_leaves(sources, (*path, str(key)), item, source)


def _config_error(err: ValidationError, sources: Mapping[tuple[str, ...], str]) -> ConfigError:
    first = err.errors()[0]
    loc = tuple(str(part) for part in first["loc"])
    key = ".".join(loc) or "(root)"
    source = _source_of(loc, sources)
    if first["type"] == "extra_forbidden":
        message = f"unknown key {key!r} in {source}"
    elif first["type"] == "missing":
        message = f"missing key {key!r} (expected in {source})"
    else:
        message = f"invalid value for {key!r} in {source}: {first['msg']}"
    more = len(err.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ConfigError(message, key=key, source=source)


def _source_of(loc: tuple[str, ...], sources: Mapping[tuple[str, ...], str]) -> str:
    for end in range(len(loc), 0, -1):
        if loc[:end] in sources:
            return sources[loc[:end]]
    return "the defaults"
