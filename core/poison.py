"""The error envelope: how a message nobody can process reaches ``errors.camunda_tasks.queue``.

The original body is kept byte-for-byte (base64) next to a readable excerpt and the reason,
so an operator (or the replay tool) can inspect it, fix the cause and send it back.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from loguru import logger

from core.metrics.catalog import TASKS_POISON
from core.redact import redact
from core.transport.base import Delivery, MessagePublisher, OutgoingMessage
from core.transport.topology import ERRORS_QUEUE

ERROR_SCHEMA = "exchanger.error/1"


def error_envelope(
    *,
    reason: str,
    component: str,
    queue: str,
    body: bytes,
    headers: Mapping[str, object] | None = None,
    message_id: str | None = None,
) -> OutgoingMessage:
    """An error-queue message (default exchange, routed by queue name) for one poison message."""
    envelope = {
        "schema": ERROR_SCHEMA,
        "reason": redact(reason),
        "component": component,
        "source_queue": queue,
        "original_message_id": message_id,
        "original_headers": {k: str(v) for k, v in (headers or {}).items()},
        "original_excerpt": redact(body[:2000].decode("utf-8", errors="replace")),
        "original_base64": base64.b64encode(body).decode("ascii"),
        "at": datetime.now(UTC).isoformat(),
    }
    payload = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    headers_out = {"exchanger-error-reason": redact(reason)[:200], "exchanger-source-queue": queue}
    return OutgoingMessage("", ERRORS_QUEUE, payload, message_id or str(uuid.uuid4()), headers_out)


def send_to_errors(publisher: MessagePublisher, delivery: Delivery, reason: str, component: str) -> None:
    """Move a delivery nobody can process to the error queue, then ack it (never before: loses nothing).

    Raises the publish error when the broker did not confirm; the caller requeues the delivery.
    """
    logger.error("poison message {} on {}: {}", delivery.message_id, delivery.queue, redact(reason))
    envelope = error_envelope(
        reason=reason,
        component=component,
        queue=delivery.queue,
        body=delivery.body,
        headers=delivery.headers,
        message_id=delivery.message_id,
    )
    error = publisher.publish_many([envelope])[0]
    if error is not None:
        raise error
    TASKS_POISON.labels(component, delivery.queue).inc()
    delivery.ack()
