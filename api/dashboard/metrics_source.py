"""Reads every metrics target once per tick and gives the per-system numbers of the window.

Targets are read one after the other with a short timeout: they are the services on this
host (or a few more), and a tick must not wait long on one that hangs. A target that fails
is reported with its reason and left out of the numbers until it answers again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

from api.dashboard.models import MetricsTarget
from api.dashboard.readings import RateWindow, SystemNumbers, parse_reading
from api.dashboard.targets import Target, discover
from core.config.models import MetricsConfig

TIMEOUT_S = (1.0, 2.0)  # connect, read


@dataclass(frozen=True)
class MetricsRead:
    systems: dict[str, SystemNumbers]
    targets: list[MetricsTarget]


class MetricsSource:
    def __init__(
        self,
        config: MetricsConfig,
        state_dir: Path,
        session: requests.Session | None = None,
        window: RateWindow | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._state_dir = state_dir
        self._session = session or requests.Session()
        self._window = window or RateWindow()
        self._clock = clock

    def read(self) -> MetricsRead:
        states = [self._read_one(target) for target in discover(self._config, self._state_dir)]
        self._window.keep_only(state.url for state in states if state.ok)
        return MetricsRead(self._window.numbers(), states)

    def _read_one(self, target: Target) -> MetricsTarget:
        try:
            response = self._session.get(target.url, timeout=TIMEOUT_S)
            response.raise_for_status()
            reading = parse_reading(response.text, self._clock())
        except requests.RequestException as err:
            return MetricsTarget(name=target.name, url=target.url, ok=False, error=_reason(err))
        except ValueError as err:
            return MetricsTarget(name=target.name, url=target.url, ok=False, error=f"not metrics text: {err}")
        self._window.add(target.url, reading)
        return MetricsTarget(name=target.name, url=target.url, ok=True)

    def close(self) -> None:
        self._session.close()


def _reason(err: requests.RequestException) -> str:
    if isinstance(err, requests.HTTPError) and err.response is not None:
        return f"HTTP {err.response.status_code}"
    if isinstance(err, requests.Timeout):
        return "no answer in time"
    if isinstance(err, requests.ConnectionError):
        return "connection refused or lost"
    return type(err).__name__
