"""Typed settings: ``.env`` + ``config/*.yaml`` + environment + command-line flags.

Precedence: flag > environment > YAML > default. Everything is validated once at start-up;
a missing or unknown key stops the program with a :class:`core.errors.ConfigError` that
names the key and the file (or variable) it came from.
"""

from core.config.loader import load_settings
from core.config.models import (
    AppSettings,
    BrokerConfig,
    CamundaConfig,
    LedgerConfig,
    LoggingConfig,
    RetryConfig,
    RoutingRule,
    SystemConfig,
    WorkerConfig,
)

__all__ = [
    "AppSettings",
    "BrokerConfig",
    "CamundaConfig",
    "LedgerConfig",
    "LoggingConfig",
    "RetryConfig",
    "RoutingRule",
    "SystemConfig",
    "WorkerConfig",
    "load_settings",
]
