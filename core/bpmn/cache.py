"""A thread-safe LRU cache of parsed BPMN models, keyed by process definition id.

The XML behind a definition id never changes, so a parsed model never goes stale; only the
number of entries is bounded. Concurrent requests for the same id wait for one load instead
of each fetching the XML; different ids load in parallel. A failed load or parse is not
cached, so the next request tries again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from core.bpmn.model import BpmnModel
from core.bpmn.parser import parse_bpmn


@dataclass(frozen=True)
class CacheStats:
    """A consistent snapshot of the cache counters."""

    hits: int
    misses: int  # requests that had to load (and parse) the XML
    entries: int


class BpmnCache:
    """LRU cache of :class:`BpmnModel` by process definition id."""

    def __init__(self, loader: Callable[[str], str], max_entries: int = 256) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self._loader = loader
        self._max_entries = max_entries
        self._models: OrderedDict[str, BpmnModel] = OrderedDict()
        self._loading: dict[str, threading.Lock] = {}  # one lock per id being loaded
        self._lock = threading.Lock()  # guards _models, _loading and the counters
        self.hits = 0
        self.misses = 0

    def get(self, definition_id: str) -> BpmnModel:
        """The model of ``definition_id``, loading and parsing its XML on first use.

        Raises whatever the loader raises, and the parse errors of :func:`parse_bpmn`.
        """
        with self._lock:
            model = self._cached(definition_id)
            if model is not None:
                return model
            id_lock = self._loading.setdefault(definition_id, threading.Lock())
        with id_lock:
            # Another thread may have loaded it while this one waited for id_lock.
            with self._lock:
                model = self._cached(definition_id)
                if model is not None:
                    return model
                self.misses += 1
            loaded: BpmnModel | None = None
            try:
                loaded = self._load(definition_id)
            finally:
                # Store and release together, so no newcomer sees neither and loads again.
                with self._lock:
                    if loaded is not None:
                        self._store(definition_id, loaded)
                    if self._loading.get(definition_id) is id_lock:
                        del self._loading[definition_id]
        return loaded

    def stats(self) -> CacheStats:
        """Hits, misses and the number of cached models, read together."""
        with self._lock:
            return CacheStats(self.hits, self.misses, len(self._models))

    def __len__(self) -> int:
        with self._lock:
            return len(self._models)

    def _load(self, definition_id: str) -> BpmnModel:
        xml = self._loader(definition_id)
        return parse_bpmn(xml, source=f"process definition {definition_id}")

    def _cached(self, definition_id: str) -> BpmnModel | None:
        # Caller holds self._lock.
        model = self._models.get(definition_id)
        if model is not None:
            self._models.move_to_end(definition_id)
            self.hits += 1
        return model

    def _store(self, definition_id: str, model: BpmnModel) -> None:
        # Caller holds self._lock.
        self._models[definition_id] = model
        self._models.move_to_end(definition_id)
        while len(self._models) > self._max_entries:
            self._models.popitem(last=False)
