"""One publisher shared by many short-lived callers, on one thread of its own.

A web server runs handlers on a pool of dozens of threads; a publisher per thread would hold
as many broker connections. This one owns a single :class:`MessagePublisher` on a dedicated
thread and hands every call over to it, so pika is only ever touched by that thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from core.errors import PublishError
from core.transport.base import MessagePublisher, OutgoingMessage


class SerialPublisher:
    def __init__(self, open_publisher: Callable[[], MessagePublisher], name: str = "publisher") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._open = open_publisher
        self._publisher: MessagePublisher | None = None

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
        def call() -> None:
            self._own().publish(
                exchange,
                routing_key,
                body,
                message_id=message_id,
                headers=headers,
                mandatory=mandatory,
                content_type=content_type,
            )

        self._executor.submit(call).result()

    def publish_many(self, items: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        return self._executor.submit(lambda: self._own().publish_many(items)).result()

    def close(self) -> None:
        """Close the connection on its own thread, then stop the thread."""
        if self._publisher is not None:
            publisher = self._publisher
            self._executor.submit(publisher.close).result()
        self._executor.shutdown(wait=True)

    def _own(self) -> MessagePublisher:
        if self._publisher is None:
            self._publisher = self._open()
        return self._publisher
