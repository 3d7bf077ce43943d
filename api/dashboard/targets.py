"""Where the services' metrics are: ``metrics.targets``, or else what their heartbeats say.

Each service that serves ``/metrics`` writes the endpoint's URL into its heartbeat file
(``metrics_url`` in ``<state_dir>/<name>.heartbeat``). A heartbeat older than
:data:`FRESH_S` belongs to a service that is gone (killed before it could clear it), so its
URL is not read.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from core.config.models import MetricsConfig

FRESH_S = 60.0
HEARTBEAT_SUFFIX = ".heartbeat"


@dataclass(frozen=True)
class Target:
    name: str  # the service's heartbeat name, or host:port of a configured URL
    url: str  # the full /metrics URL


def metrics_url(url: str) -> str:
    """``url`` with ``/metrics`` as its path when it names only a server (heartbeats do)."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        parts = parts._replace(path="/metrics")
    return urlunsplit(parts)


def discover(config: MetricsConfig, state_dir: Path, now: float | None = None) -> list[Target]:
    """The configured targets, or the fresh heartbeats' ones; each URL once."""
    if config.targets:
        found = [Target(urlsplit(url).netloc or url, metrics_url(url)) for url in config.targets]
    else:
        found = _from_heartbeats(state_dir, time.time() if now is None else now)
    unique: dict[str, Target] = {}
    for target in found:
        unique.setdefault(target.url, target)
    return list(unique.values())


def _from_heartbeats(state_dir: Path, now: float) -> list[Target]:
    found = []
    for path in sorted(state_dir.glob(f"*{HEARTBEAT_SUFFIX}")):
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being replaced right now, or not ours: the next tick reads it
        url = body.get("metrics_url") if isinstance(body, dict) else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            continue
        if now - float(body.get("ts") or 0) > FRESH_S:
            continue
        found.append(Target(path.name.removesuffix(HEARTBEAT_SUFFIX), metrics_url(url)))
    return found
