"""The demo's configuration: the repository's config plus the demo's own additions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools.launcher import ROOT


def _read(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "config" / name).read_text(encoding="utf-8")))


# The systems the demo runs against its sandboxes; the others' entries and rules are left out
# (their trackers would need credentials the demo does not have).
DEMO_SYSTEMS = (
    "python",
    "bitrix24",
    "dadata",
    "yandexgpt",
    "smsaero",
    "openproject",
    "wildberries",
    "storage",
)


def write_demo_config(
    folder: Path, *, state_dir: Path, camunda_url: str, urls: dict[str, Any], bitrix24_rate: float
) -> Path:
    """Write exchanger/systems/routing YAML for the demo into ``folder`` and return it.

    ``urls``: the sandboxes' addresses (``dadata``, ``yandexgpt``: base URLs; ``sms``: gate URLs).
    """
    folder.mkdir(parents=True, exist_ok=True)
    general = _read("exchanger.yaml")
    general.update({"state_dir": str(state_dir), "environment": "demo"})
    general["camunda"]["url"] = camunda_url
    general["rabbitmq"]["prefix"] = "demo."
    general["worker"].update({"topic_discovery_interval_s": 2})
    systems = {k: v for k, v in _read("systems.yaml")["systems"].items() if k in DEMO_SYSTEMS}
    local_systems(systems, urls, bitrix24_rate)
    routing = _read("routing.yaml")
    routing["rules"] = [rule for rule in routing["rules"] if rule["system"] in DEMO_SYSTEMS]
    routing["rules"][:0] = [
        {"topic": "demo.*", "system": "python"},
        {"topic": "yandexgpt.*", "system": "yandexgpt"},
    ]
    for name, body in (
        ("exchanger.yaml", general),
        ("systems.yaml", {"systems": systems}),
        ("routing.yaml", routing),
    ):
        (folder / name).write_text(
            yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder


def local_systems(systems: dict[str, Any], urls: dict[str, Any], bitrix24_rate: float) -> None:
    """Point every system at its sandbox and let the demo move at a demo's pace."""
    python = systems["python"]["options"]
    python["handler_modules"] = [*python.get("handler_modules", []), "tools.demo.handlers"]
    bitrix = systems["bitrix24"]
    bitrix["poll_interval_s"] = 1
    bitrix["options"]["rate_limit"]["rate"] = bitrix24_rate  # the sandbox is told the same rate
    dadata = systems["dadata"]
    dadata["limits"] = {"rate": 50, "burst": 50, "max_concurrent": 4}
    dadata["options"].update(
        cleaner_url=f"{urls['dadata']}/api/v1/clean",
        suggestions_url=f"{urls['dadata']}/suggestions/api/4_1/rs",
    )
    gpt = systems["yandexgpt"]
    gpt.update(poll_interval_s=1, limits={"rate": 50, "burst": 50, "max_concurrent": 8})
    gpt["options"].update(llm_url=urls["yandexgpt"], operations_url=urls["yandexgpt"])
    sms = systems["smsaero"]
    sms.update(poll_interval_s=1, limits={"rate": 50, "burst": 50, "max_concurrent": 8})
    sms["options"]["gates"] = urls["sms"]
    openproject = systems["openproject"]
    openproject.update(poll_interval_s=1, limits={"rate": 50, "burst": 50, "max_concurrent": 4})
    openproject["options"]["default_project"] = "demo"
    if "wildberries" in urls:  # the lead-intake test reuses this without the marketplace sandbox
        wildberries = systems["wildberries"]["options"]
        wildberries.update(advert_url=urls["wildberries"], statistics_url=urls["wildberries"])
        wildberries.setdefault("pacing", {})["time_scale"] = urls["wb_time_scale"]
