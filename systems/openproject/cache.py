"""A small thread-safe cache with an age limit, for what rarely changes on the server.

Types, priorities and statuses, and the form schema of a project, are read once per process
and again after ``ttl_s`` (or when a name is not found: see ``catalog.py``), so an
administrator's change reaches a running creator within the hour without a restart. Two
threads may both load a missing entry at once; the loads are reads, so that costs one
request and nothing else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class Cache(Generic[Key, Value]):
    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[Key, tuple[float, Value]] = {}
        self._lock = threading.Lock()

    def get(self, key: Key, load: Callable[[], Value], *, fresh: bool = False) -> Value:
        """The cached value, or ``load()`` when missing, too old, or ``fresh`` is asked for."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and not fresh and now - entry[0] < self._ttl_s:
            return entry[1]
        value = load()
        with self._lock:
            self._entries[key] = (now, value)
        return value
