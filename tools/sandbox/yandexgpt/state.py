"""What the YandexGPT sandbox remembers: generations, async operations, counters, scripted replies.

Every generation (a sync answer or an async operation started) is recorded with its prompt
and ``x-client-request-id``, so tests can assert exactly one generation per task.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MODEL_VERSION = "23.10.2024"
RESPONSE_TYPE = "type.googleapis.com/yandex.cloud.ai.foundation_models.v1.CompletionResponse"


@dataclass
class Reply:
    """A scripted answer for prompts containing ``contains`` (``""`` matches any)."""

    contains: str
    text: str
    status: str = "ALTERNATIVE_STATUS_FINAL"


@dataclass
class OperationRecord:
    id: str
    created: float
    request: dict[str, Any]
    done: bool = False
    result: dict[str, Any] | None = None  # the CompletionResponse, unwrapped
    error: dict[str, Any] | None = None
    polls: int = 0


@dataclass
class SandboxState:
    async_done_after_s: float | None = 0.5  # None: only the control API finishes operations
    generation_delay_s: float = 0.0
    max_concurrent_sync: int = 10
    lock: threading.RLock = field(default_factory=threading.RLock)
    generations: list[dict[str, Any]] = field(default_factory=list)
    operations: dict[str, OperationRecord] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    sync_in_flight: int = 0

    def reset(self) -> None:
        with self.lock:
            self.generations.clear()
            self.operations.clear()
            self.replies.clear()
            self.requests.clear()
            self.statuses.clear()

    def record_generation(self, kind: str, prompt: str, request_id: str | None, model_uri: str) -> None:
        with self.lock:
            self.generations.append(
                {"kind": kind, "prompt": prompt, "request_id": request_id, "model_uri": model_uri}
            )

    def answer(self, body: dict[str, Any], prompt: str, max_tokens: int) -> dict[str, Any]:
        """The CompletionResponse for a prompt: a scripted reply or an echo; counts as strings."""
        with self.lock:
            reply = next((r for r in self.replies if r.contains in prompt), None)
        text = reply.text if reply else f"Answer: {prompt[:200]}"
        status = reply.status if reply else "ALTERNATIVE_STATUS_FINAL"
        words = text.split(" ")
        if len(words) > max_tokens:
            text, status = " ".join(words[:max_tokens]), "ALTERNATIVE_STATUS_TRUNCATED_FINAL"
        used_in = sum(len(str(m.get("text", "")).split()) for m in body.get("messages", []))
        used_out = len(text.split())
        return {
            "alternatives": [{"message": {"role": "assistant", "text": text}, "status": status}],
            "usage": {
                "inputTextTokens": str(used_in),
                "completionTokens": str(used_out),
                "totalTokens": str(used_in + used_out),
            },
            "modelVersion": MODEL_VERSION,
        }

    def new_operation(self, request: dict[str, Any]) -> OperationRecord:
        with self.lock:
            operation = OperationRecord("d7q" + secrets.token_hex(9), time.time(), request)
            self.operations[operation.id] = operation
            return operation

    def due(self, operation: OperationRecord, now: float) -> bool:
        delay = self.async_done_after_s
        return not operation.done and delay is not None and now >= operation.created + delay

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "generations": list(self.generations),
                "per_prompt": dict(Counter(g["prompt"] for g in self.generations)),
                "per_request_id": dict(Counter(str(g["request_id"]) for g in self.generations)),
                "operations": {op.id: operation_json(op) for op in self.operations.values()},
                "counters": {"requests": dict(self.requests), "statuses": dict(self.statuses)},
            }


def operation_json(operation: OperationRecord) -> dict[str, Any]:
    """The Operation object as ``operations/{id}`` returns it."""
    stamp = datetime.fromtimestamp(operation.created, UTC).isoformat().replace("+00:00", "Z")
    body: dict[str, Any] = {
        "id": operation.id,
        "description": "Async GPT Completion",
        "createdAt": stamp,
        "createdBy": "ajesandboxaccount",
        "modifiedAt": stamp,
        "done": operation.done,
        "metadata": None,
    }
    if operation.done and operation.error is not None:
        body["error"] = operation.error
    elif operation.done and operation.result is not None:
        body["response"] = {"@type": RESPONSE_TYPE, **operation.result}
    return body
