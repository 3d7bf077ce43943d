"""Handlers written for ``camunda-external-task-client-python3``, run unchanged as python handlers.

    # config/systems.yaml, systems.python.options
    client_handlers:
      creditScoreChecker: "acme_workers.credit:handle_task"

Each topic gets an adapter: the handler receives a :class:`ClientTask` and its call becomes
an outcome (see ``docs/python-handlers.md``):

- ``task.complete(vars)`` → ``complete``, values typed as the engine types the library's
  untyped values (dict/list: an Object of the same Java class, serialised as JSON);
- ``task.bpmn_error(code, msg, vars)`` → ``BusinessError`` (BPMN error when caught, else incident);
- ``task.failure(msg, details, max_retries, retry_timeout)`` → ``RetryableError`` while the
  library would leave retries, ``PermanentError`` (incident) once it would report 0.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from functools import partial
from types import ModuleType
from typing import Any

from core.actions.context import TaskContext
from core.actions.errors import SystemLoadError
from core.actions.modules import load_handler_module
from core.actions.outcomes import HandlerOutcome, complete
from core.actions.router import TaskRouter
from core.camunda.variables import TypedValue
from core.errors import BusinessError, PermanentError, RetryableError
from systems.python.client_task import ClientTask, ClientTaskResult, client_context

KEY = "client_handlers"
DESERIALIZE_KEY = "client_deserialize_values"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

ClientHandler = Callable[[ClientTask], Any]


def register_client_handlers(router: TaskRouter, options: Mapping[str, Any], *, source: str) -> None:
    """Add one adapter per ``client_handlers`` entry, each module loaded by the one loader."""
    deserialize = options.get(DESERIALIZE_KEY, True)
    if not isinstance(deserialize, bool):
        raise SystemLoadError(
            f"options.{DESERIALIZE_KEY} must be true or false", key=DESERIALIZE_KEY, source=source
        )
    for topic, spec in _entries(options, source).items():
        module_name, function = _split(topic, spec, source)
        attach = partial(_attach, topic=topic, function=function, deserialize=deserialize)
        load_handler_module(router, module_name, options, key=f"{KEY}.{topic}", source=source, attach=attach)


def _entries(options: Mapping[str, Any], source: str) -> dict[str, str]:
    entries = options.get(KEY) or {}
    if not isinstance(entries, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
    ):
        raise SystemLoadError(f'options.{KEY} must map topics to "module:function"', key=KEY, source=source)
    return dict(entries)


def _split(topic: str, spec: str, source: str) -> tuple[str, str]:
    module_name, _, function = spec.partition(":")
    if not function.isidentifier():
        raise SystemLoadError(
            f'options.{KEY}.{topic}: {spec!r} is not "module:function"', key=f"{KEY}.{topic}", source=source
        )
    return module_name, function


def _attach(
    router: TaskRouter,
    module: ModuleType,
    options: Mapping[str, Any],
    *,
    topic: str,
    function: str,
    deserialize: bool,
) -> None:
    handler = getattr(module, function, None)
    if not callable(handler):
        raise SystemLoadError(
            f"handler module {module.__name__!r} has no function {function!r} ({KEY}.{topic})"
        )
    router.add(topic, ClientHandlerAdapter(handler, deserialize_values=deserialize))


class ClientHandlerAdapter:
    """A library-style handler as an Exchanger handler."""

    def __init__(self, handler: ClientHandler, *, deserialize_values: bool = True) -> None:
        self.handler = handler
        self.deserialize_values = deserialize_values
        # The router names a handler by these in its duplicate-topic error.
        self.__module__ = getattr(handler, "__module__", "?")
        self.__qualname__ = getattr(handler, "__qualname__", repr(handler))

    def __call__(self, ctx: TaskContext) -> HandlerOutcome:
        task = ClientTask(client_context(ctx.message, deserialize_values=self.deserialize_values))
        returned = self.handler(task)
        # The library uses the returned result; a handler that only called the method is taken too.
        result = returned if isinstance(returned, ClientTaskResult) else task.get_task_result()
        return self._outcome(result, ctx)

    def _outcome(self, result: ClientTaskResult, ctx: TaskContext) -> HandlerOutcome:
        if result.is_success():
            if result.local_variables:
                raise PermanentError(
                    f"{self.__qualname__} completed with local variables "
                    f"({', '.join(sorted(result.local_variables))}): Exchanger writes process variables only"
                )
            return complete(client_variables(result.global_variables))
        if result.is_bpmn_error():
            code = str(result.error_code)
            raise BusinessError(
                code, result.error_message or code, variables=client_variables(result.global_variables)
            )
        if result.is_failure():
            raise failure_error(result, ctx)
        raise PermanentError(
            f"{self.__qualname__} returned without calling task.complete(), task.failure() or task.bpmn_error()"
        )


def failure_error(result: ClientTaskResult, ctx: TaskContext) -> RetryableError | PermanentError:
    """``task.failure`` with the library's retries rule: engine retries − 1, else ``max_retries``.

    Exchanger retries on its delay queues (the engine's retries stay untouched meanwhile), so
    a fresh task has ``max_retries − (attempt − 1)`` retries left; at 0 the library would have
    made an incident, and so does this. ``retry_timeout`` (ms) is a wait hint, like ``Retry-After``.
    """
    engine_retries = ctx.message.task.retries
    if engine_retries is not None and engine_retries >= 1:  # set by an operator's retry
        remaining = engine_retries - 1
    else:
        remaining = int(result.max_retries) - (ctx.attempt - 1)
    message = str(result.error_message)
    if remaining <= 0:
        details = result.error_details
        text = details if isinstance(details, str) or details is None else json.dumps(details, default=str)
        return PermanentError(message, details=text)
    wait = result.retry_timeout / 1000 if result.retry_timeout else None
    return RetryableError(message, retry_after=wait)


def client_variables(values: Mapping[str, Any]) -> dict[str, Any]:
    """The library's variables typed as the engine types them (it sends them untyped)."""
    return {name: _client_value(name, value) for name, value in values.items()}


def _client_value(name: str, value: Any) -> Any:
    if isinstance(value, Mapping) and "value" in value:  # the library passes typed values through
        kind = value.get("type")
        if kind is None:
            return _untyped(name, value["value"])
        return TypedValue(str(kind), value["value"], dict(value.get("valueInfo") or {}))
    return _untyped(name, value)


def _untyped(name: str, value: Any) -> Any:
    """Jackson's reading of the JSON value: Integer/Long by size, Double, Boolean, String, Null."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int) and INT64_MIN <= value <= INT64_MAX:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, dict | list | tuple):
        java_class = "java.util.LinkedHashMap" if isinstance(value, dict) else "java.util.ArrayList"
        # The engine stores these as a Java-serialised Object; the same class as JSON reads the
        # same in expressions (${order.total}) and stays readable outside Java.
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as err:
            raise PermanentError(f"variable {name!r} cannot be sent to the engine: {err}") from None
        return TypedValue(
            "Object", text, {"objectTypeName": java_class, "serializationDataFormat": "application/json"}
        )
    raise PermanentError(
        f"variable {name!r}: a {type(value).__name__} cannot be sent to the engine as the client library sends it"
    )
