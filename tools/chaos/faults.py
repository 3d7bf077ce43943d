"""Carrying out the plan's faults, one at a time, and recording when each really began and ended.

A fault's end is the moment its cause was undone: a killed service launched again, a stopped
node or engine or PostgreSQL answering again (``services.sh start`` returned), a storm cleared.
Recovery is measured from there (:mod:`tools.chaos.judge`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import requests
from loguru import logger

from tools.chaos import plan as p
from tools.chaos.copies import Copies, CopyError
from tools.chaos.fleet import Fleet

CONTROL_TIMEOUT_S = 10.0
#: Methods the 429 storm blocks (the portal's per-method operation-time limit).
LIMITED_METHODS = ("tasks.task.add", "tasks.task.list", "tasks.task.get", "batch")


@dataclass
class Injected:
    """A fault as it happened (unix times)."""

    kind: str
    target: str
    began: float
    ended: float | None = None
    error: str | None = None

    @property
    def down_s(self) -> float | None:
        return None if self.ended is None else self.ended - self.began

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "down_s": self.down_s}


@dataclass
class Injector:
    copies: Copies
    fleet: Fleet
    bitrix24_url: str  # the sandbox's base URL (its control API is under /_sandbox/)
    wait: Callable[[float], None]  # sleeps while the fleet is watched

    def inject(self, fault: p.Fault) -> Injected:
        record = Injected(fault.kind, fault.target, time.time())
        logger.info("chaos: {} {} for {:.1f} s", fault.kind, fault.target, fault.down_s)
        try:
            self._do(fault)
            record.ended = time.time()
        except (CopyError, requests.RequestException, KeyError) as err:
            record.error = str(err)
            logger.error("chaos: {} {} failed: {}", fault.kind, fault.target, err)
        return record

    def _do(self, fault: p.Fault) -> None:
        if fault.kind == p.KILL:
            self.fleet.kill(fault.target)
            self.wait(fault.down_s)
            self.fleet.restart(fault.target)
        elif fault.kind in (p.BROKER, p.CLUSTER):
            self._broker(fault)
        elif fault.kind == p.ENGINE:
            self._down_and_up(self.copies.stop_engine, lambda: self.copies.start_engine(fresh=False), fault)
        elif fault.kind == p.POSTGRES:
            self._down_and_up(self.copies.stop_postgres, self.copies.start_postgres, fault)
        elif fault.kind in (p.STORM_5XX, p.STORM_429):
            self._storm(fault)
        else:
            raise KeyError(f"unknown fault kind {fault.kind!r}")

    def _broker(self, fault: p.Fault) -> None:
        if fault.kind == p.CLUSTER:
            self._down_and_up(self.copies.stop_broker, self.copies.start_broker, fault)
        else:
            node = int(fault.target.split()[-1]) if self.copies.cluster else 1
            self._down_and_up(
                lambda: self.copies.stop_node(node), lambda: self.copies.start_node(node), fault
            )

    def _down_and_up(self, stop: Callable[[], object], start: Callable[[], object], fault: p.Fault) -> None:
        stop()
        self.wait(fault.down_s)
        start()

    def _storm(self, fault: p.Fault) -> None:
        if fault.kind == p.STORM_5XX:
            body: dict[str, Any] = {"kind": "server_error", "status": 500, "count": 1_000_000}
        else:
            body = {
                "faults": [
                    {"kind": "operation_limit", "method": method, "reset_after_s": fault.down_s}
                    for method in LIMITED_METHODS
                ]
            }
        self._control("POST", body)
        try:
            self.wait(fault.down_s)
        finally:
            self._control("DELETE", None)

    def _control(self, verb: str, body: dict[str, Any] | None) -> None:
        url = f"{self.bitrix24_url}/_sandbox/faults"
        requests.request(verb, url, json=body, timeout=CONTROL_TIMEOUT_S).raise_for_status()
