"""``batch``: up to 50 commands ``"method?php=query"`` in one request, always answered 200.

The answer holds ``result``, ``result_error``, ``result_total``, ``result_next`` and
``result_time`` per command key; an empty map is written ``[]`` as PHP does. With ``halt``
the first failing command stops the rest. ``$result[key][field]`` refers to an earlier
command's result.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from tools.sandbox.bitrix24.phpquery import parse_php_query
from tools.sandbox.bitrix24.protocol import Answer, ApiError, as_map, lookup, php_json_map, time_block

BATCH_LIMIT = 50
Runner = Callable[[str, dict[str, Any]], Answer]

_REFERENCE = re.compile(r"^\$result\[([^\]]+)\]((?:\[[^\]]*\])*)$")
_PART = re.compile(r"\[([^\]]*)\]")


def _step(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


def _resolve(value: Any, results: dict[str, Any]) -> Any:
    """Replace ``$result[key][...]`` values with what the earlier command returned."""
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    match = _REFERENCE.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    node = results.get(match.group(1))
    for part in _PART.findall(match.group(2)):
        node = _step(node, part)
    return node


def split_command(command: str) -> tuple[str, dict[str, Any]]:
    """``"tasks.task.list?filter[>ID]=5"`` → ("tasks.task.list", {"filter": {">ID": "5"}})."""
    method, _, query = command.partition("?")
    method = method.strip().lower().removesuffix(".json")
    return method, parse_php_query(query)


def run_batch(params: dict[str, Any], run: Runner) -> Answer:
    """Run the ``cmd`` of a batch request through ``run`` (which raises ApiError on failure)."""
    commands = as_map(lookup(params, "cmd"))
    if len(commands) > BATCH_LIMIT:
        raise ApiError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
    halt = str(lookup(params, "halt") or "0").lower() in ("1", "true", "y")
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    following: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for key, command in commands.items():
        started = time.time()
        method, query = split_command(str(command))
        try:
            answer = run(method, _resolve(query, results))
        except ApiError as exc:
            errors[key] = exc.body()
        else:
            results[key] = answer.result
            if answer.total is not None:
                totals[key] = answer.total
            if answer.next is not None:
                following[key] = answer.next
        times[key] = time_block(started, time.time())
        if halt and errors:
            break
    return Answer(
        {
            "result": php_json_map(results),
            "result_error": php_json_map(errors),
            "result_total": php_json_map(totals),
            "result_next": php_json_map(following),
            "result_time": php_json_map(times),
        }
    )
