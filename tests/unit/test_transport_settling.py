"""Acks from pool threads reach the connection's thread a batch per wakeup."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pika.exceptions

from core.transport.settling import SettleBatcher


class PostingConnection:
    """Keeps what ``add_callback_threadsafe`` was given, to run it when the test says."""

    def __init__(self, *, closed: bool = False) -> None:
        self.posted: list[Callable[[], None]] = []
        self.closed = closed

    def add_callback_threadsafe(self, callback: Callable[[], None]) -> None:
        if self.closed:
            raise pika.exceptions.ConnectionWrongStateError("connection closed")
        self.posted.append(callback)

    def run_posted(self) -> None:
        posted, self.posted = self.posted, []
        for callback in posted:
            callback()


def test_requests_before_the_thread_wakes_ride_on_one_callback() -> None:
    connection, applied = PostingConnection(), []
    batcher = SettleBatcher(connection, lambda *args: applied.append(args), "test")

    batcher.request(1, True, False)
    batcher.request(2, False, True)
    batcher.request(3, True, False)

    assert len(connection.posted) == 1 and applied == []
    connection.run_posted()
    assert applied == [(1, True, False), (2, False, True), (3, True, False)]
    # the next request after the batch went posts a callback of its own
    batcher.request(4, True, False)
    assert len(connection.posted) == 1
    connection.run_posted()
    assert applied[-1] == (4, True, False)


def test_every_request_from_many_threads_is_applied_exactly_once() -> None:
    connection, applied = PostingConnection(), []
    batcher = SettleBatcher(connection, lambda tag, ack, requeue: applied.append(tag), "test")
    lock = threading.Lock()

    def settle(tags: range) -> None:
        for tag in tags:
            batcher.request(tag, True, False)
            with lock:  # the connection's thread, running whatever was posted so far
                connection.run_posted()

    threads = [threading.Thread(target=settle, args=(range(n * 500, (n + 1) * 500),)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    connection.run_posted()

    assert sorted(applied) == list(range(2000))


def test_a_closed_connection_drops_the_request_and_a_later_one_posts_again() -> None:
    connection, applied = PostingConnection(closed=True), []
    batcher = SettleBatcher(connection, lambda *args: applied.append(args), "test")

    batcher.request(1, True, False)  # no exception: the broker redelivers what was not acked

    connection.closed = False
    batcher.request(2, True, False)
    connection.run_posted()
    assert applied == [(2, True, False)]
