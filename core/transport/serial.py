"""One publisher shared by all of a service's threads, publishing their messages in groups.

pika is not thread-safe, so a publisher belongs to one thread. Giving each pool thread its own
(one connection each) costs a full confirm round per message: with pika, one message per
``publish_many`` takes about five times the CPU of one message in a batch of eight, because
every call starts and stops the connection's I/O loop. Here a single thread owns the
publisher; callers queue their messages and wait. While one group waits for its confirms the
next callers' messages gather, and the thread sends them together: group commit, with no
timer, so a lone message goes out at once and latency grows only with the load.

Every caller gets exactly the outcome of its own messages: a group is one ``publish_many``,
whose per-item results are split back, and ``BrokerUnavailable`` (no item answered) reaches
every caller of the group. A message the publisher refuses before sending (bad headers)
fails only its own caller: the group is then sent again caller by caller.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from loguru import logger

from core.errors import BrokerUnavailable, PublishError
from core.transport.base import MessagePublisher, OutgoingMessage

#: Most messages sent as one group; bounds how long the first caller of a group waits.
MAX_GROUP = 64

Results = list[PublishError | None]


@dataclass
class _Request:
    items: Sequence[OutgoingMessage]
    done: Future[Results] = field(default_factory=Future)


class SerialPublisher:
    def __init__(self, open_publisher: Callable[[], MessagePublisher], name: str = "publisher") -> None:
        self._open = open_publisher
        self._name = name
        self._requests: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        #: Groups sent and messages in them, for the curious (tests, benchmarks).
        self.groups = 0
        self.messages = 0

    def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        message_id: str,
        headers: Mapping[str, object] | None = None,
        mandatory: bool = True,
        content_type: str = "application/json",
    ) -> None:
        message = OutgoingMessage(exchange, routing_key, body, message_id, headers, mandatory, content_type)
        error = self.publish_many([message])[0]
        if error is not None:
            raise error

    def publish_many(self, items: Sequence[OutgoingMessage]) -> Results:
        """Queue ``items`` for the publisher thread and wait for their own outcomes."""
        if not items:
            return []
        request = _Request(items)
        with self._lock:  # queued before close's end mark, or refused: never left waiting
            if self._closed:
                raise BrokerUnavailable(f"{self._name} is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._requests.put(request)
        return request.done.result()

    def close(self) -> None:
        """Send what is queued, close the connection on its own thread, then stop the thread."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._requests.put(None)
        if thread is not None:
            thread.join()

    # -- the publisher thread ----------------------------------------------------------------

    def _run(self) -> None:
        publisher: MessagePublisher | None = None
        try:
            while True:
                group, stop = self._next_group()
                try:
                    if group:
                        publisher = publisher or self._open()
                        self._send(publisher, group)
                except Exception as err:  # never leave a caller waiting on a dead thread
                    for request in group:
                        if not request.done.done():
                            request.done.set_exception(err)
                if stop:
                    return
        finally:
            if publisher is not None:
                publisher.close()
            if self.groups:
                logger.info(
                    "{} sent {} messages in {} groups ({:.1f} per group)",
                    self._name,
                    self.messages,
                    self.groups,
                    self.messages / self.groups,
                )

    def _next_group(self) -> tuple[list[_Request], bool]:
        """Wait for one request, then take whatever else is already queued (up to MAX_GROUP)."""
        first = self._requests.get()
        if first is None:
            return [], True
        group, size = [first], len(first.items)
        while size < MAX_GROUP:
            try:
                request = self._requests.get_nowait()
            except queue.Empty:
                break
            if request is None:
                return group, True
            group.append(request)
            size += len(request.items)
        return group, False

    def _send(self, publisher: MessagePublisher, group: list[_Request]) -> None:
        if not self._send_together(publisher, group):
            for request in group:  # something was refused before sending: only its caller fails
                self._send_together(publisher, [request])

    def _send_together(self, publisher: MessagePublisher, group: list[_Request]) -> bool:
        """One publish_many for the group; False when it refused before sending anything."""
        items = [item for request in group for item in request.items]
        try:
            results = publisher.publish_many(items)
        except BrokerUnavailable as err:
            for request in group:
                request.done.set_exception(err)
            return True
        except Exception as err:
            if len(group) > 1:
                return False
            group[0].done.set_exception(err)
            return True
        self.groups += 1
        self.messages += len(items)
        start = 0
        for request in group:
            request.done.set_result(results[start : start + len(request.items)])
            start += len(request.items)
        return True
