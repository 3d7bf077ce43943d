"""The demo's configuration: the repository's config plus the demo's own additions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools.launcher import ROOT


def _read(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "config" / name).read_text(encoding="utf-8")))


def write_demo_config(folder: Path, *, state_dir: Path, camunda_url: str, sandbox_rate: float) -> Path:
    """Write exchanger/systems/routing YAML for the demo into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    general = _read("exchanger.yaml")
    general.update({"state_dir": str(state_dir), "environment": "demo"})
    general["camunda"]["url"] = camunda_url
    general["rabbitmq"]["prefix"] = "demo."
    general["worker"].update({"topic_discovery_interval_s": 2})
    systems = _read("systems.yaml")
    python = systems["systems"]["python"]
    python["options"]["handler_modules"] = [
        *python["options"].get("handler_modules", []),
        "tools.demo.handlers",
    ]
    bitrix = systems["systems"]["bitrix24"]
    bitrix["poll_interval_s"] = 1
    bitrix["options"]["rate_limit"]["rate"] = sandbox_rate  # the sandbox is told the same rate
    routing = _read("routing.yaml")
    routing["rules"].insert(0, {"topic": "demo.*", "system": "python"})
    for name, body in (("exchanger.yaml", general), ("systems.yaml", systems), ("routing.yaml", routing)):
        (folder / name).write_text(
            yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder
