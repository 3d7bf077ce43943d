"""WB's error bodies (reference §5): the gateway's shape, the advert API's, the statistics API's."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any


def gateway_error(
    status: int, title: str, detail: str, origin: str = "s2s-api-auth-catalog"
) -> dict[str, Any]:
    """401 / 429 / 5xx: ``{title, detail, code, requestId, origin, status, statusText, timestamp}``."""
    return {
        "title": title,
        "detail": detail,
        "code": f"sandbox-{uuid.uuid4().hex[:12]}",
        "requestId": uuid.uuid4().hex,
        "origin": origin,
        "status": status,
        "statusText": HTTPStatus(status).phrase,
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def invalid_payload(detail: str) -> dict[str, Any]:
    """The advert API's 400 (``FullStatsError`` and friends)."""
    return {
        "detail": detail,
        "origin": "camp-api-public-cache",
        "request_id": uuid.uuid4().hex,
        "status": 400,
        "title": "invalid payload",
    }


def too_many_requests() -> dict[str, Any]:
    return gateway_error(429, "too many requests", f"limited by {uuid.uuid4()}", "s2s-api-auth-ratelimit")
