"""Plays the people of the Bitrix24 sandbox: each new task is answered after a short while."""

from __future__ import annotations

import random
import threading
import time

import requests


class SandboxPeople:
    """Closes every open sandbox task ``delay_s`` after it appeared, answering yes or no."""

    def __init__(self, base_url: str, *, delay_s: float = 1.0, yes_share: float = 0.7, seed: int = 7) -> None:
        self._base = base_url.rstrip("/") + "/_sandbox"
        self._delay_s = delay_s
        self._yes_share = yes_share
        self._rng = random.Random(seed)
        self._seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sandbox-people", daemon=True)
        self._session = requests.Session()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._session.close()

    def _run(self) -> None:
        while not self._stop.wait(0.3):
            try:
                self._answer_due()
            except requests.RequestException:
                continue  # the sandbox is going away with the demo

    def _answer_due(self) -> None:
        state = self._session.get(f"{self._base}/state", timeout=5).json()
        now = time.monotonic()
        for task in state["tasks"]:
            task_id = str(task["id"])
            if str(task["fields"].get("status")) == "5":
                continue
            first_seen = self._seen.setdefault(task_id, now)
            if now - first_seen >= self._delay_s:
                answer = "Y" if self._rng.random() < self._yes_share else "N"
                body = {"result": "Done, see the attachment", "field": "UF_RESULT_ANSWER", "value": answer}
                self._session.post(f"{self._base}/tasks/{task_id}/close", json=body, timeout=5)
