"""Where an engine's Cockpit shows a process instance: the shipped ``instance_url`` moved to an engine.

config/systems.yaml ships the local Camunda's Cockpit; a test on another engine needs that
engine's host and port and its own application path (Operaton serves /operaton/app where
Camunda serves /camunda/app).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import yaml

from tests.support.services import ENGINE_URLS, ROOT


def shipped_patterns() -> dict[str, str]:
    """The instance_url of every system in config/systems.yaml that has one."""
    systems = yaml.safe_load((ROOT / "config" / "systems.yaml").read_text(encoding="utf-8"))["systems"]
    return {
        "bitrix24": systems["bitrix24"]["options"]["tasks"]["instance_url"],
        "openproject": systems["openproject"]["options"]["instance_url"],
    }


def cockpit_pattern(engine_name: str) -> str:
    """The shipped pattern (``{process_instance_id}`` in it) for the engine ``engine_name``."""
    shipped = urlsplit(shipped_patterns()["bitrix24"])
    engine = urlsplit(ENGINE_URLS[engine_name])
    path = shipped.path.replace("/camunda/", f"/{engine_name}/", 1)
    return urlunsplit((engine.scheme, engine.netloc, path, shipped.query, shipped.fragment))
