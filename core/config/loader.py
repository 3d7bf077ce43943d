"""Reads ``.env``, ``config/*.yaml``, the environment and flags into :class:`AppSettings`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

from core.config.env import ENV_KEYS, RESERVED_PREFIX, SECRET_ENV_KEYS
from core.config.layered import LayeredConfig
from core.config.models import AppSettings
from core.errors import ConfigError

# file name → the settings key its content lands under (None: the file's top level is the root)
CONFIG_FILES: dict[str, str | None] = {
    "exchanger.yaml": None,
    "systems.yaml": "systems",
    "routing.yaml": "routing",
}
FILE_ROOT_KEYS = {"systems.yaml": "systems", "routing.yaml": "rules"}
# Secret variables that hold a URL: only the password in them is the secret.
URL_SECRET_ENV_KEYS = {"RABBITMQ_URL", "LEDGER_DSN"}
CONFIG_DIR_ENV = "EXCHANGER_CONFIG_DIR"


def load_settings(
    config_dir: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    env_file: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> AppSettings:
    """Build the validated settings. ``overrides`` are command-line flags as dotted paths."""
    environ = _environment(env, env_file)
    folder = Path(config_dir or environ.get(CONFIG_DIR_ENV) or "config")
    layers = LayeredConfig()
    for name in CONFIG_FILES:
        _add_file(layers, folder / name)
    layers.add_environment(environ, ENV_KEYS, secrets=SECRET_ENV_KEYS, url_secrets=URL_SECRET_ENV_KEYS)
    _refuse_unknown_variables(environ)
    layers.add_flags(overrides)
    return layers.validate(AppSettings)


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


def _add_file(layers: LayeredConfig, path: Path) -> None:
    """systems.yaml and routing.yaml hold one root key whose content lands under their target."""
    data = layers.read_yaml(path) if path.is_file() else None
    if data is None:
        return
    root_key = FILE_ROOT_KEYS.get(path.name)
    target = CONFIG_FILES[path.name]
    if root_key is None or target is None:
        layers.add_mapping(data, str(path))
        return
    unknown = sorted(set(data) - {root_key})
    if unknown:
        raise ConfigError(
            f"{path}: unknown key {unknown[0]!r} (expected {root_key!r})", key=unknown[0], source=str(path)
        )
    empty: list[Any] | dict[str, Any] = [] if root_key == "rules" else {}
    layers.put((target,), data.get(root_key) or empty, str(path))


def _refuse_unknown_variables(environ: Mapping[str, str]) -> None:
    """Any other EXCHANGER_* variable is a typo or a leftover."""
    for name in environ:
        if name.startswith(RESERVED_PREFIX) and name not in ENV_KEYS and name != CONFIG_DIR_ENV:
            raise ConfigError(f"unknown environment variable {name}", key=name, source="environment")
