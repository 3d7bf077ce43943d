"""Acks and nacks from pool threads, handed to a connection's own thread a batch at a time.

pika lets only the thread that owns a ``BlockingConnection`` touch it; other threads post work
with ``add_callback_threadsafe``, which writes to a pipe and wakes that thread's I/O loop. One
post per ack cost the consumer thread a full loop turn per message. Here the first request of
a batch posts one callback, and every request that arrives before it runs rides along with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pika.exceptions
from loguru import logger

from core.transport.connection import CONNECTION_ERRORS

#: Applies one settlement on the connection's thread: (delivery tag, ack, requeue).
Apply = Callable[[int, bool, bool], None]


class SettleBatcher:
    """Settlement requests for one connection; a dead connection's batcher dies with it."""

    def __init__(self, connection: Any, apply: Apply, name: str) -> None:
        self._connection = connection
        self._apply = apply
        self._name = name
        self._lock = threading.Lock()
        self._waiting: list[tuple[int, bool, bool]] = []

    def request(self, tag: int, ack: bool, requeue: bool) -> None:
        """Any thread: settle ``tag`` on the connection's thread, with the batch it joins."""
        with self._lock:
            self._waiting.append((tag, ack, requeue))
            if len(self._waiting) > 1:
                return  # the batch's callback is posted already and takes this one too
        try:
            self._connection.add_callback_threadsafe(self._apply_waiting)
        except (pika.exceptions.AMQPError, *CONNECTION_ERRORS):
            with self._lock:
                self._waiting.clear()
            logger.debug(
                "{}: delivery {} belongs to a closed connection; the broker redelivers it", self._name, tag
            )

    def _apply_waiting(self) -> None:
        """On the connection's thread: everything requested since the callback was posted."""
        with self._lock:
            batch, self._waiting = self._waiting, []
        for tag, ack, requeue in batch:
            self._apply(tag, ack, requeue)
