"""Unit tests of core.bpmn.BpmnCache: one load per definition id, LRU, failures, threads."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable

import pytest

from core.bpmn import BpmnCache, CacheStats
from core.bpmn import cache as cache_module
from core.errors import BpmnModelError
from tests.support.waiting import wait_for

WAIT_LIMIT = 10.0  # seconds; only reached when the code under test is broken


def bpmn_for(definition_id: str) -> str:
    """A tiny BPMN document whose process id is the definition id, so results can be told apart."""
    return (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        f'<process id="{definition_id}"><serviceTask id="t"/></process></definitions>'
    )


class CountingLoader:
    """A loader that records how often each definition id was loaded."""

    def __init__(self, load: Callable[[str], str] = bpmn_for) -> None:
        self.calls: Counter[str] = Counter()
        self._load = load
        self._lock = threading.Lock()

    def __call__(self, definition_id: str) -> str:
        with self._lock:
            self.calls[definition_id] += 1
        return self._load(definition_id)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    wait_for(condition, timeout=WAIT_LIMIT, interval=0.001, what=what)


def inside_cache_get(thread: threading.Thread) -> bool:
    """Whether ``thread`` is currently executing BpmnCache.get (waiting or loading)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == "get" and frame.f_code.co_filename == cache_module.__file__:
            return True
        frame = frame.f_back
    return False


def test_each_definition_is_loaded_once() -> None:
    loader = CountingLoader()
    cache = BpmnCache(loader)
    first = cache.get("def:1")
    assert cache.get("def:1") is first
    assert list(first.processes) == ["def:1"]
    assert list(cache.get("def:2").processes) == ["def:2"]
    assert loader.calls == {"def:1": 1, "def:2": 1}
    assert cache.stats() == CacheStats(hits=1, misses=2, entries=2)
    assert (cache.hits, cache.misses, len(cache)) == (1, 2, 2)


def test_the_least_recently_used_definition_is_evicted() -> None:
    loader = CountingLoader()
    cache = BpmnCache(loader, max_entries=2)
    cache.get("a")
    cache.get("b")
    cache.get("a")  # a is now more recent than b
    cache.get("c")  # evicts b
    assert len(cache) == 2
    cache.get("a")
    assert loader.calls == {"a": 1, "b": 1, "c": 1}
    cache.get("b")
    assert loader.calls["b"] == 2


def test_a_failed_load_is_not_cached() -> None:
    failures = iter([ConnectionError("engine down")])

    def flaky(definition_id: str) -> str:
        error = next(failures, None)
        if error is not None:
            raise error
        return bpmn_for(definition_id)

    loader = CountingLoader(flaky)
    cache = BpmnCache(loader)
    with pytest.raises(ConnectionError, match="engine down"):
        cache.get("def:1")
    assert len(cache) == 0
    assert list(cache.get("def:1").processes) == ["def:1"]
    assert loader.calls == {"def:1": 2}


def test_a_parse_error_propagates_and_is_not_cached() -> None:
    loader = CountingLoader(lambda definition_id: "<not-bpmn/>")
    cache = BpmnCache(loader)
    for _ in range(2):
        with pytest.raises(BpmnModelError, match="process definition def:1"):
            cache.get("def:1")
    assert loader.calls == {"def:1": 2}
    assert len(cache) == 0


def test_max_entries_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        BpmnCache(bpmn_for, max_entries=0)


def test_concurrent_requests_for_one_definition_share_one_load() -> None:
    loading, release = threading.Event(), threading.Event()

    def slow(definition_id: str) -> str:
        loading.set()
        release.wait(WAIT_LIMIT)
        return bpmn_for(definition_id)

    loader = CountingLoader(slow)
    cache = BpmnCache(loader)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("def:1"))) for _ in range(16)]
    for thread in threads:
        thread.start()
    try:
        wait_until(loading.is_set, "a load started")
        # Hold the load until every thread is inside get(): all of them overlap with it.
        wait_until(lambda: all(inside_cache_get(t) for t in threads), "all threads are inside get()")
    finally:
        release.set()
    for thread in threads:
        thread.join(WAIT_LIMIT)
    assert loader.calls == {"def:1": 1}
    assert len(results) == 16
    assert all(result is results[0] for result in results)
    assert cache.stats() == CacheStats(hits=15, misses=1, entries=1)


def test_a_slow_load_does_not_hold_up_other_definitions() -> None:
    loading, release = threading.Event(), threading.Event()

    def slow_for_a(definition_id: str) -> str:
        if definition_id == "a":
            loading.set()
            release.wait(WAIT_LIMIT)
        return bpmn_for(definition_id)

    cache = BpmnCache(slow_for_a)
    slow_thread = threading.Thread(target=cache.get, args=("a",))
    slow_thread.start()
    try:
        wait_until(loading.is_set, "the load of a started")
        other = threading.Thread(target=cache.get, args=("b",))
        other.start()
        other.join(WAIT_LIMIT)
        assert not other.is_alive(), "get('b') waited for the load of 'a'"
    finally:
        release.set()
        slow_thread.join(WAIT_LIMIT)
    assert len(cache) == 2
