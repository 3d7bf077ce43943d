"""Logging setup for every Exchanger process (loguru).

Readable lines on a terminal; JSON lines (one object per line) for journald and log
shippers. Every line passes the redaction filter. Records from the standard ``logging``
module (pika, urllib3) are routed into the same sinks.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal, TextIO, TypeVar

from loguru import logger

from core.privacy import mask_personal
from core.redact import redact

if TYPE_CHECKING:
    from loguru import Message, Record

LogFormat = Literal["auto", "text", "json"]
Item = TypeVar("Item")
TEXT_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {extra[service]} | {message}"


def _redact_record(record: Record) -> None:
    record["message"] = mask_personal(redact(record["message"]))
    if record["exception"] is not None:
        # Exception text is rendered later; the patcher cannot reach it, so the sink redacts it.
        record["extra"]["_redact_exception"] = True


# Built once: json.dumps with options builds a new encoder for every line.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def _json_sink(stream: TextIO) -> Any:
    def write(message: Message) -> None:
        record = message.record
        extra = record["extra"]
        entry: dict[str, Any] = {
            "ts": record["time"].isoformat(),
            "level": record["level"].name,
            "service": extra.get("service", "exchanger"),
            "msg": record["message"],
            "logger": record["name"],
        }
        entry.update({k: _scrub(v) for k, v in extra.items() if not k.startswith("_") and k != "service"})
        if record["exception"] is not None:
            entry["exception"] = redact(str(record["exception"].value))
        stream.write(_JSON.encode(entry) + "\n")
        stream.flush()

    return write


def _scrub(value: Any) -> Any:
    """Redact bound extras (``logger.bind(url=...)``) before they reach a JSON line."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_scrub(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def _text_sink(stream: TextIO) -> Any:
    def write(message: Message) -> None:
        stream.write(redact(str(message)))
        stream.flush()

    return write


class _InterceptHandler(logging.Handler):
    """Sends standard-library log records to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def setup_logging(
    service: str, *, fmt: LogFormat = "auto", level: str = "INFO", stream: TextIO | None = None
) -> None:
    """Configure loguru for one process. ``auto`` means text on a terminal, JSON otherwise."""
    out = stream or sys.stderr
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    logger.remove()
    logger.configure(extra={"service": service}, patcher=_redact_record)
    if use_json:
        logger.add(_json_sink(out), level=level.upper(), format="{message}")
    else:
        logger.add(_text_sink(out), level=level.upper(), format=TEXT_FORMAT, colorize=False)
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.WARNING, force=True)
    # pika logs every failed connection attempt at ERROR; our transport reports those itself.
    logging.getLogger("pika").setLevel(logging.CRITICAL)


def in_lines(
    items: Iterable[Item], key: Callable[[Item], Hashable], per_line: int
) -> Iterator[tuple[Any, list[Item]]]:
    """Items grouped by ``key`` (in first-seen order), cut into lines of at most ``per_line``.

    For the lines that name a batch of tasks instead of one line per task: a loguru line costs
    about 50 CPU-µs, and a bounded line stays readable in journalctl.
    """
    groups: dict[Hashable, list[Item]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    for group_key, group in groups.items():
        for start in range(0, len(group), per_line):
            yield group_key, group[start : start + per_line]
