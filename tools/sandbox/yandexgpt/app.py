"""The YandexGPT API as the sandbox answers it (reference §4): completion, completionAsync, operations.

- ``POST /foundationModels/v1/completion``: the CompletionResponse wrapped in ``result``;
- ``POST /foundationModels/v1/completionAsync``: an Operation (``done: false``);
- ``GET /operations/{id}``: the Operation, once done with ``response`` (no ``result`` wrapper)
  or ``error``; ``POST /operations/{id}:cancel``.
Token counts are strings. Auth is ``Api-Key <key>`` or ``Bearer <IAM token>``; the folder of
``modelUri`` must be the sandbox's. More than ``max_concurrent_sync`` sync generations at once
answer 429 RESOURCE_EXHAUSTED, as the quota does. Like the real API, nothing deduplicates:
a repeated request is a second generation (counted per prompt and per ``x-client-request-id``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any

from tools.sandbox.yandexgpt.faults import ERRORS, Fault, FaultBook, error_body
from tools.sandbox.yandexgpt.state import SandboxState, operation_json

Reply = tuple[int, Any]
MODEL_URI = re.compile(r"^(?:gpt|ds)://(?P<folder>[^/]+)/(?P<model>.+)$")
COMPLETION = "/foundationModels/v1/completion"
ASYNC = "/foundationModels/v1/completionAsync"
OPERATION = re.compile(r"^/operations/(?P<id>[A-Za-z0-9]+)(?P<cancel>:cancel)?$")


class InvalidArgument(Exception):
    """400 INVALID_ARGUMENT with the API's message."""


class YandexGptSandbox:
    def __init__(self, folder_id: str, api_key: str, iam_token: str) -> None:
        self.folder_id = folder_id
        self.api_key = api_key
        self.iam_token = iam_token
        self.state = SandboxState()
        self.faults: FaultBook[Fault] = FaultBook(list_spent=True)

    def api(self, verb: str, path: str, headers: Mapping[str, str], body: Any) -> Reply:
        """One API request (``headers`` with lower-case names); counted by endpoint and status."""
        endpoint = _endpoint(verb, path)
        if endpoint is None:
            return 404, error_body(404, 5, f"Method {verb} {path} not found")
        status, answer = self._api(endpoint, path, headers, body)
        with self.state.lock:
            self.state.requests[endpoint] += 1
            self.state.statuses[str(status)] += 1
        return status, answer

    def _api(self, endpoint: str, path: str, headers: Mapping[str, str], body: Any) -> Reply:
        if not self._authorized(headers.get("authorization", "")):
            status, code, message = ERRORS["unauthorized"]
            return status, error_body(status, code, message)
        delay, fault = self.faults.take(endpoint)
        if delay:
            time.sleep(delay)
        if fault is not None:
            return fault.answer()
        if endpoint == "operations":
            return self._operation(path)
        try:
            request = self._checked(body, stream_allowed=endpoint == "completion")
        except InvalidArgument as err:
            return 400, error_body(400, 3, str(err))
        if request is None:
            return 403, error_body(403, 7, "Permission denied to the folder of modelUri")
        request_id = headers.get("x-client-request-id")
        if endpoint == "completion":
            return self._completion(request, request_id)
        return self._start_async(request, request_id)

    def _authorized(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        return (scheme == "Api-Key" and value == self.api_key) or (
            scheme == "Bearer" and value == self.iam_token
        )

    def _checked(self, body: Any, *, stream_allowed: bool) -> dict[str, Any] | None:
        """The validated request, None when the folder is not ours; InvalidArgument otherwise."""
        if not isinstance(body, dict):
            raise InvalidArgument("request body must be a JSON object")
        match = MODEL_URI.match(str(body.get("modelUri") or ""))
        if match is None:
            raise InvalidArgument("Invalid modelUri: expected gpt://<folder_id>/<model>")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            raise InvalidArgument("messages: must contain at least one message")
        if any(not isinstance(m, dict) or not str(m.get("text") or "").strip() for m in messages):
            raise InvalidArgument("messages: each message needs a text")
        options = body.get("completionOptions") or {}
        if not 0 <= float(options.get("temperature", 0.3)) <= 1:
            raise InvalidArgument("completionOptions.temperature: must be between 0 and 1")
        try:
            int(options.get("maxTokens", 2000))
        except (TypeError, ValueError):
            raise InvalidArgument("completionOptions.maxTokens: invalid int64 value") from None
        if options.get("stream") and not stream_allowed:
            raise InvalidArgument("completionOptions.stream: streaming is not supported in async mode")
        return body if match["folder"] == self.folder_id else None

    def _completion(self, request: dict[str, Any], request_id: str | None) -> Reply:
        state = self.state
        with state.lock:
            if state.sync_in_flight >= state.max_concurrent_sync:
                status, code, message = ERRORS["rate_limit"]
                return status, error_body(status, code, message, "gateway")
            state.sync_in_flight += 1
        try:
            time.sleep(state.generation_delay_s)
            prompt = _prompt(request)
            state.record_generation("sync", prompt, request_id, request["modelUri"])
            return 200, {"result": state.answer(request, prompt, _max_tokens(request))}
        finally:
            with state.lock:
                state.sync_in_flight -= 1

    def _start_async(self, request: dict[str, Any], request_id: str | None) -> Reply:
        operation = self.state.new_operation(request)
        self.state.record_generation("async", _prompt(request), request_id, request["modelUri"])
        return 200, operation_json(operation)

    def _operation(self, path: str) -> Reply:
        match = OPERATION.match(path)
        state = self.state
        with state.lock:
            operation = state.operations.get(match["id"]) if match else None
            if operation is None or match is None:
                return 404, error_body(404, 5, "Operation not found")
            operation.polls += 1
            if match["cancel"] and not operation.done:
                operation.done, operation.error = True, {"code": 1, "message": "Operation cancelled"}
            if state.due(operation, time.time()):
                self.finish(operation.id)
            return 200, operation_json(operation)

    def finish(self, operation_id: str, text: str | None = None, error: dict[str, Any] | None = None) -> None:
        """Finish an operation now: with the usual answer, a given text, or an error."""
        state = self.state
        with state.lock:
            operation = state.operations[operation_id]
            if operation.done:
                return
            request = operation.request
            result = state.answer(request, _prompt(request), _max_tokens(request))
            if text is not None:
                result["alternatives"][0]["message"]["text"] = text
            operation.done, operation.result, operation.error = True, result, error


def _endpoint(verb: str, path: str) -> str | None:
    if verb == "POST" and path == COMPLETION:
        return "completion"
    if verb == "POST" and path == ASYNC:
        return "completionAsync"
    if OPERATION.match(path) and verb in ("GET", "POST"):
        return "operations"
    return None


def _prompt(request: dict[str, Any]) -> str:
    """The user's text (the last user message): what the tests count generations by."""
    users = [str(m.get("text")) for m in request["messages"] if m.get("role", "user") == "user"]
    return users[-1] if users else ""


def _max_tokens(request: dict[str, Any]) -> int:
    return int((request.get("completionOptions") or {}).get("maxTokens", 2000))
