"""Configuration of one set of services (worker, creators, tracker) for a chaos run.

Short locks, polls and retries so faults are noticed and recovered from within the run; every
set has its own state folder and worker id, and all sets share the broker prefix, the
PostgreSQL ledger and the engine, as on several hosts (docs/ledger.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools.chaos.bpmn import PEOPLE_TOPIC, PYTHON_TOPIC

LOCK_MS = 20_000
POLL_S = 1.0
#: The sandbox's rate; each set's limiter gets a share of it, as each host would (docs/ledger.md).
BITRIX24_RATE = 20.0


def write_set_config(
    folder: Path,
    *,
    name: str,
    engine_url: str,
    prefix: str,
    process_keys: list[str],
    effects_db: Path,
    sets: int,
    quorum: bool,
) -> Path:
    """The three YAML files of set ``name`` in ``folder/config``; returns that folder."""
    config = folder / "config"
    config.mkdir(parents=True, exist_ok=True)
    general = {
        "state_dir": str(folder / "state"),
        "environment": "chaos",
        "camunda": {"url": engine_url},
        "rabbitmq": {"prefix": prefix, "queue_type": "quorum" if quorum else "classic"},
        "logging": {"format": "json", "level": "INFO"},
        "worker": {
            "worker_id": f"chaos-{name}",
            "process_definition_keys": process_keys,
            "async_response_timeout_ms": 5_000,
            "topic_discovery_interval_s": 2,
            "max_tasks": 50,
        },
        "tracker": {"lock_check_interval_s": 1.0},
        "metrics": {"port": 0},
    }
    systems = {"python": _python(effects_db), "bitrix24": _bitrix24(sets)}
    routing = [{"topic": PYTHON_TOPIC, "system": "python"}, {"topic": PEOPLE_TOPIC, "system": "bitrix24"}]
    for file_name, body in (
        ("exchanger.yaml", general),
        ("systems.yaml", {"systems": systems}),
        ("routing.yaml", {"rules": routing}),
    ):
        (config / file_name).write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return config


def _python(effects_db: Path) -> dict[str, Any]:
    return {
        "kind": "immediate",
        "lock_duration_ms": LOCK_MS,
        "concurrency": 8,
        "retry": {"attempts": 8, "min_delay_ms": 500, "max_delay_ms": 5_000, "multiplier": 2, "jitter": 0.2},
        "options": {"handler_modules": ["tools.chaos.handlers"], "chaos_effects_db": str(effects_db)},
    }


def _bitrix24(sets: int) -> dict[str, Any]:
    # Retries outlast a storm of a few seconds: 1, 2, 4, 8, 8 s between six attempts.
    return {
        "kind": "tracked",
        "lock_duration_ms": LOCK_MS,
        "concurrency": 4,
        "poll_interval_s": POLL_S,
        "batch_size": 50,
        "retry": {
            "attempts": 6,
            "min_delay_ms": 1_000,
            "max_delay_ms": 8_000,
            "multiplier": 2,
            "jitter": 0.1,
        },
        "options": {
            "rate_limit": {"rate": BITRIX24_RATE / sets, "burst": 50, "tracker_share": 0.3},
            "client_retry": {"attempts": 5, "base_delay_s": 0.3, "max_delay_s": 2.0, "max_wait_s": 5.0},
        },
    }
