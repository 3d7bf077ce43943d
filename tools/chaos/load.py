"""Starts the run's instances on a fixed schedule on a background thread, through engine restarts.

Each instance has a business key (``chaos-<index>``). A start the engine may have taken before it
went away is looked up by that key before it is tried again, so no instance is started twice.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from core.camunda import CamundaSettings, EngineAdmin
from core.errors import CamundaError

RETRY_S = 0.5
GIVE_UP_S = 180.0


def business_key(index: int) -> str:
    return f"chaos-{index:05d}"


@dataclass
class Starter:
    """Starts all but the last ``tail`` instances over ``window_s``, the tail once :meth:`release` is
    called (after the last fault), so every fault is followed by work whose recovery can be seen.

    Restarts take as long as they take: the window is a generous guess, and whatever has not
    started by the release starts then, at ``fast_rate``.
    """

    engine_url: str
    keys: list[str]  # per instance: its process key
    window_s: float
    tail: int = 0
    fast_rate: float = 5.0
    started: dict[int, str] = field(default_factory=dict)  # index → process instance id
    error: str | None = None

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, name="chaos-starter", daemon=True)
        self._released = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def release(self) -> None:
        self._released.set()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        engine = EngineAdmin(CamundaSettings(base_url=self.engine_url))
        paced = len(self.keys) - self.tail
        interval = self.window_s / max(paced, 1)
        began = time.monotonic()
        try:
            for index, key in enumerate(self.keys):
                if index == paced:
                    self._released.wait()
                if self._released.is_set():
                    time.sleep(1.0 / self.fast_rate)
                elif (delay := began + index * interval - time.monotonic()) > 0:
                    self._released.wait(delay)  # a release ends the wait
                self.started[index] = self._start(engine, key, business_key(index))
        except CamundaError as err:  # the report names it; the judge counts what did start
            self.error = f"starting instances stopped: {err}"
        finally:
            engine.close()

    def _start(self, engine: EngineAdmin, key: str, bkey: str) -> str:
        deadline = time.monotonic() + GIVE_UP_S
        while True:
            try:
                return str(engine.start_process_instance(key, business_key=bkey)["id"])
            except CamundaError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(RETRY_S)
            found = self._find(engine, key, bkey)
            if found:
                return found

    def _find(self, engine: EngineAdmin, key: str, bkey: str) -> str | None:
        """The instance an unanswered start may have created after all."""
        try:
            rows = engine.history_process_instances(processDefinitionKey=key, processInstanceBusinessKey=bkey)
        except CamundaError:
            return None
        return str(rows[0]["id"]) if rows else None
