"""Settings of camunda_sync: ``config/camunda_sync.yaml`` plus the environment."""

from camunda_sync.config.loader import load_config
from camunda_sync.config.models import (
    CamundaSyncConfig,
    ConditionSettings,
    ConverterSettings,
    DeploySettings,
    RateLimitSettings,
    SelectionSettings,
    StormSettings,
    SyncSettings,
    TimerSettings,
    TopicRule,
)

__all__ = [
    "CamundaSyncConfig",
    "ConditionSettings",
    "ConverterSettings",
    "DeploySettings",
    "RateLimitSettings",
    "SelectionSettings",
    "StormSettings",
    "SyncSettings",
    "TimerSettings",
    "TopicRule",
    "load_config",
]
