"""What every command shares: the lazily loaded config, clients, and error translation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from camunda_sync.config import CamundaSyncConfig, load_config
from camunda_sync.errors import BpmnRefused, ValidationFailed
from camunda_sync.storm import DiagramSource, build_storm_client, persistent_limiter
from camunda_sync.sync.state import LIMITER_FILE
from core.camunda.admin import EngineAdmin
from core.errors import ExchangerError


class CliFailure(click.ClickException):
    """An expected failure: printed as one clear message, no traceback, exit code 1."""


class CliInvalid(CliFailure):
    """A file failed validation or the engine refused it (the issues are in the message)."""


def to_cli_error(err: ExchangerError) -> CliFailure:
    if isinstance(err, ValidationFailed):
        return CliInvalid(str(err))
    if isinstance(err, BpmnRefused):
        return CliFailure(f"refused: {err}")
    return CliFailure(str(err))


@dataclass
class CliContext:
    config_path: Path | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    _config: CamundaSyncConfig | None = None

    def config(self) -> CamundaSyncConfig:
        if self._config is None:
            self._config = load_config(self.config_path, overrides=self.overrides)
        return self._config

    def engine(self) -> EngineAdmin:
        return EngineAdmin(self.config().engine.client_settings())

    def storm(self) -> DiagramSource:
        """A StormBPMN client whose rate-limit budget is shared with every other run."""
        config = self.config()
        limit = config.stormbpmn.rate_limit
        limiter = persistent_limiter(config.sync.state_dir / LIMITER_FILE, limit.requests, limit.window_s)
        return build_storm_client(config.stormbpmn, limiter=limiter)


pass_cli = click.make_pass_decorator(CliContext)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise CliFailure(f"cannot read {path}: {err.strerror}") from None


def write_file(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as err:
        raise CliFailure(f"cannot write {path}: {err.strerror}") from None
