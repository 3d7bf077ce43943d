"""What every operations command shares: settings loaded once, clients opened on demand."""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from pathlib import Path

import click

from core import wiring
from core.camunda import EngineAdmin
from core.cli import load_or_exit
from core.config import AppSettings
from core.ledger import Ledger


@dataclass
class OpsContext:
    config_dir: Path | None
    env_file: Path | None
    _settings: AppSettings | None = field(default=None, init=False)

    @property
    def settings(self) -> AppSettings:
        if self._settings is None:
            self._settings = load_or_exit(self.config_dir, self.env_file)
        return self._settings

    def camunda(self) -> EngineAdmin:
        return wiring.engine_admin(self.settings)

    def ledger(self) -> Ledger:
        return wiring.ledger(self.settings)


pass_ops = click.make_pass_decorator(OpsContext)


def cli_actor() -> str:
    """Who runs a command, for the operations' audit line: ``cli:<unix user>``."""
    return f"cli:{getpass.getuser()}"
