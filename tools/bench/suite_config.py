"""The suite's configuration for a benchmark scenario: its own config folder, state and broker prefix.

Only the knobs below differ from the shipped defaults; they are written into the scenario's
``exchanger.yaml``/``systems.yaml`` so a run documents exactly what was measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml

from tools.bench.engine import VARIABLE_NAMES

SYSTEM = "python"
#: Registers the built-in ``echo`` handler under the benchmark's topic.
HANDLER_MODULE = "tools.bench.echo_topic"


@dataclass(frozen=True)
class SuiteKnobs:
    max_tasks: int = 100
    async_response_timeout_ms: int = 30_000
    use_priority: bool | str = "auto"  # true, false or auto, as the worker's setting
    fetch_gather_ms: int = 20
    creator_concurrency: int = 8
    creator_prefetch: int | None = None
    tracker_concurrency: int = 8
    camunda_pool_size: int = 10
    creators: int = 1
    log_level: str = "INFO"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def with_overrides(knobs: SuiteKnobs, pairs: Iterable[str]) -> SuiteKnobs:
    """``knobs`` with ``NAME=VALUE`` pairs applied; raises ValueError naming a bad pair."""
    types = {f.name: f.type for f in fields(SuiteKnobs)}
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or name not in types:
            raise ValueError(f"{pair!r}: expected NAME=VALUE with NAME one of {', '.join(types)}")
        changes[name] = _parse(str(types[name]), text, pair)
    return replace(knobs, **changes)


def _parse(kind: str, text: str, pair: str) -> Any:
    if kind == "bool | str":
        return _parse("bool", text, pair) if text.lower() in ("true", "false", "1", "0") else text
    if kind == "bool":
        if text.lower() not in ("true", "false", "1", "0"):
            raise ValueError(f"{pair!r}: expected true or false")
        return text.lower() in ("true", "1")
    if kind == "str":
        return text
    if "None" in kind and text.lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{pair!r}: expected a whole number") from None


def write_config(
    folder: Path, *, engine_url: str, prefix: str, key: str, topic: str, knobs: SuiteKnobs
) -> Path:
    """Write the three YAML files into ``folder/config``; returns that folder."""
    config = folder / "config"
    config.mkdir(parents=True, exist_ok=True)
    general = {
        "state_dir": str(folder / "state"),
        "camunda": {"url": engine_url, "pool_size": knobs.camunda_pool_size},
        "rabbitmq": {"prefix": prefix},
        "logging": {"format": "json", "level": knobs.log_level},
        "worker": {
            "worker_id": f"bench-{prefix.rstrip('.')}",
            "process_definition_keys": [key],
            "max_tasks": knobs.max_tasks,
            "async_response_timeout_ms": knobs.async_response_timeout_ms,
            "use_priority": knobs.use_priority,
            "fetch_gather_ms": knobs.fetch_gather_ms,
        },
        "tracker": {"concurrency": knobs.tracker_concurrency},
        # Served as shipped, but on any free port: the default ports may belong to another
        # checkout's services on this shared machine (the worker exits if its port is taken).
        "metrics": {"port": 0},
    }
    system: dict[str, Any] = {
        "kind": "immediate",
        "concurrency": knobs.creator_concurrency,
        "variables": list(VARIABLE_NAMES),
        "options": {"handler_modules": [HANDLER_MODULE]},
    }
    if knobs.creator_prefetch is not None:
        system["prefetch"] = knobs.creator_prefetch
    _dump(config / "exchanger.yaml", general)
    _dump(config / "systems.yaml", {"systems": {SYSTEM: system}})
    _dump(config / "routing.yaml", {"rules": [{"topic": topic, "system": SYSTEM}]})
    return config


def _dump(path: Path, data: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
