"""The hub: one build per tick for every open stream, nothing built while nobody watches,
and streams that end at once when the service stops."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from api.dashboard.hub import Frame, SnapshotHub
from tests.support.waiting import wait_for

TICK_S = 0.05


class Builds:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self) -> str:
        with self.lock:
            self.count += 1
            return f'{{"n": {self.count}}}'


@pytest.fixture
def builds() -> Builds:
    return Builds()


@pytest.fixture
def hub(builds: Builds) -> Iterator[SnapshotHub]:
    started = SnapshotHub(builds, TICK_S)
    started.start()
    yield started
    started.close()


async def take(hub: SnapshotHub, frames: int) -> list[Frame]:
    got: list[Frame] = []
    async for item in hub.stream():
        if item is not None:
            got.append(item)
        if len(got) == frames:
            break
    return got


def test_nothing_is_built_while_nobody_watches(hub: SnapshotHub, builds: Builds) -> None:
    time.sleep(TICK_S * 6)  # several ticks pass: the test is that nothing happens in them
    assert builds.count == 0


def test_every_stream_gets_the_same_snapshots_built_once_per_tick(hub: SnapshotHub, builds: Builds) -> None:
    async def three_pages() -> list[list[Frame]]:
        return list(await asyncio.gather(*(take(hub, 4) for _ in range(3))))

    pages = asyncio.run(three_pages())

    texts = [[frame.text for frame in page] for page in pages]
    assert all(page == sorted(page, key=lambda t: int(t[6:-1])) for page in texts)  # in order
    last = [page[-1] for page in pages]
    assert len(set(last)) == 1  # the same text for every page, not one build per page
    assert builds.count <= 6  # 4 ticks (+ the first build and a tick racing the end)


def test_a_snapshot_request_waits_for_a_build_and_then_reuses_it(hub: SnapshotHub, builds: Builds) -> None:
    first = hub.current()
    again = hub.current()
    assert first is not None and first.text == '{"n": 1}'
    assert again == first and builds.count == 1  # fresh for a tick


def test_closing_ends_open_streams_at_once(hub: SnapshotHub) -> None:
    ended = threading.Event()

    async def watch() -> None:
        async for _ in hub.stream():
            pass
        ended.set()

    thread = threading.Thread(target=lambda: asyncio.run(watch()))
    thread.start()
    wait_for(lambda: hub.current() is not None, timeout=5, what="a first snapshot")
    started = time.monotonic()
    hub.close()
    assert ended.wait(timeout=2), "the stream did not end when the hub closed"
    assert time.monotonic() - started < 1.0
    thread.join(timeout=2)


def test_a_closed_hub_streams_nothing_and_closes_its_sources_once() -> None:
    closed: list[str] = []
    hub = SnapshotHub(lambda: "{}", TICK_S, close_source=lambda: closed.append("sources"))
    hub.start()
    hub.close()
    hub.close()

    async def nothing() -> list[Frame | None]:
        return [item async for item in hub.stream()]

    assert asyncio.run(nothing()) == []
    assert closed == ["sources"]


def test_a_failing_build_is_skipped_and_the_next_tick_tries_again() -> None:
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the first build fails")
        return '{"ok": true}'

    hub = SnapshotHub(flaky, TICK_S)
    hub.start()
    try:
        frames = asyncio.run(take(hub, 1))
    finally:
        hub.close()
    assert frames[0].text == '{"ok": true}' and len(calls) >= 2
