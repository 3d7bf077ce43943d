"""Loads ``config/camunda_sync.yaml`` and the environment into :class:`CamundaSyncConfig`.

Precedence: command-line flag > environment > YAML > default. Secrets (API key, tokens,
passwords) come from the environment only; a secret written into the YAML is refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from camunda_sync.config.models import CamundaSyncConfig
from camunda_sync.errors import SyncConfigError
from core.redact import register_secret

DEFAULT_PATH = Path("config/camunda_sync.yaml")
CONFIG_ENV = "CAMUNDA_SYNC_CONFIG"

# variable → dotted settings path
ENV_KEYS: dict[str, str] = {
    "STORMBPMN_URL": "stormbpmn.base_url",
    "STORMBPMN_API": "stormbpmn.api",
    "STORMBPMN_API_KEY": "stormbpmn.api_key",
    "STORMBPMN_TOKEN": "stormbpmn.token",
    "STORMBPMN_CA_BUNDLE": "stormbpmn.ca_bundle",
    "CAMUNDA_URL": "engine.url",
    "CAMUNDA_USERNAME": "engine.username",
    "CAMUNDA_PASSWORD": "engine.password",
    "CAMUNDA_TOKEN": "engine.token",
    "CAMUNDA_CA_BUNDLE": "engine.ca_bundle",
    "CAMUNDA_TENANT_ID": "deploy.tenant_id",
    "CAMUNDA_SYNC_STATE_DIR": "sync.state_dir",
}
SECRET_ENV_KEYS = {"STORMBPMN_API_KEY", "STORMBPMN_TOKEN", "CAMUNDA_PASSWORD", "CAMUNDA_TOKEN"}
SECRET_PATHS = {tuple(ENV_KEYS[name].split(".")) for name in SECRET_ENV_KEYS}


def load_config(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> CamundaSyncConfig:
    """Read, merge and validate the settings; ``overrides`` are flags as dotted paths."""
    environ = dict(os.environ if env is None else env)
    file = _config_path(path, environ)
    merged = _read_yaml(file) if file else {}
    sources = {key: str(file) for key in _leaf_paths(merged)}
    _refuse_secrets_in_file(merged, file)
    for name, dotted in ENV_KEYS.items():
        value = environ.get(name)
        if value:
            if name in SECRET_ENV_KEYS:
                register_secret(value)
            _put(merged, tuple(dotted.split(".")), value)
            sources[tuple(dotted.split("."))] = f"environment variable {name}"
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _put(merged, tuple(dotted.split(".")), value)
            sources[tuple(dotted.split("."))] = "the command line"
    try:
        return CamundaSyncConfig.model_validate(merged)
    except ValidationError as err:
        raise _config_error(err, sources, file) from None


def _config_path(path: str | Path | None, environ: Mapping[str, str]) -> Path | None:
    explicit = path or environ.get(CONFIG_ENV)
    if explicit:
        file = Path(explicit)
        if not file.is_file():
            raise SyncConfigError(f"config file {file} does not exist", source=str(file))
        return file
    return DEFAULT_PATH if DEFAULT_PATH.is_file() else None


def _read_yaml(file: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise SyncConfigError(f"{file}: cannot read it as YAML: {err}", source=str(file)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SyncConfigError(f"{file}: the top level must be a mapping", source=str(file))
    return data


def _refuse_secrets_in_file(merged: Mapping[str, Any], file: Path | None) -> None:
    for path in SECRET_PATHS:
        node: Any = merged
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if node:
            key = ".".join(path)
            env_name = next(name for name, dotted in ENV_KEYS.items() if dotted == key)
            raise SyncConfigError(
                f"{file}: {key!r} is a secret; set it in the environment ({env_name}), not in a file",
                key=key,
                source=str(file),
            )


def _put(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[path[-1]] = value


def _leaf_paths(tree: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for key, value in tree.items():
        path = (*prefix, str(key))
        paths.append(path)
        if isinstance(value, dict):
            paths += _leaf_paths(value, path)
    return paths


def _config_error(
    err: ValidationError, sources: Mapping[tuple[str, ...], str], file: Path | None
) -> SyncConfigError:
    first = err.errors()[0]
    loc = tuple(str(part) for part in first["loc"])
    key = ".".join(loc) or "(root)"
    source = next(
        (sources[loc[:end]] for end in range(len(loc), 0, -1) if loc[:end] in sources),
        str(file) if file else "the defaults",
    )
    if first["type"] == "extra_forbidden":
        message = f"unknown key {key!r} in {source}"
    else:
        message = f"invalid value for {key!r} in {source}: {first['msg']}"
    return SyncConfigError(message, key=key, source=source)
