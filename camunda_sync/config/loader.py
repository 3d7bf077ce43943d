"""Loads ``config/camunda_sync.yaml`` and the environment into :class:`CamundaSyncConfig`.

Precedence: command-line flag > environment > YAML > default. Secrets (API key, tokens,
passwords) come from the environment only; a secret written into the YAML is refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from camunda_sync.config.models import CamundaSyncConfig
from camunda_sync.errors import SyncConfigError
from core.config.layered import LayeredConfig, dotted_path

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


def load_config(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> CamundaSyncConfig:
    """Read, merge and validate the settings; ``overrides`` are flags as dotted paths."""
    environ = dict(os.environ if env is None else env)
    file = _config_path(path, environ)
    layers = LayeredConfig(SyncConfigError)
    if file:
        layers.add_mapping(layers.read_yaml(file) or {}, str(file))
        _refuse_secrets_in_file(layers.values, file)
    # An empty variable counts as unset.
    set_variables = {name: value for name, value in environ.items() if value}
    layers.add_environment(set_variables, ENV_KEYS, secrets=SECRET_ENV_KEYS)
    layers.add_flags(overrides)
    return layers.validate(CamundaSyncConfig, fallback_source=str(file) if file else "the defaults")


def _config_path(path: str | Path | None, environ: Mapping[str, str]) -> Path | None:
    explicit = path or environ.get(CONFIG_ENV)
    if explicit:
        file = Path(explicit)
        if not file.is_file():
            raise SyncConfigError(f"config file {file} does not exist", source=str(file))
        return file
    return DEFAULT_PATH if DEFAULT_PATH.is_file() else None


def _refuse_secrets_in_file(values: Mapping[str, Any], file: Path) -> None:
    for name in sorted(SECRET_ENV_KEYS):
        node: Any = values
        for part in dotted_path(ENV_KEYS[name]):
            node = node.get(part) if isinstance(node, dict) else None
        if node:
            key = ENV_KEYS[name]
            raise SyncConfigError(
                f"{file}: {key!r} is a secret; set it in the environment ({name}), not in a file",
                key=key,
                source=str(file),
            )
