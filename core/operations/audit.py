"""The one INFO line per operating call, and the not-found translation every operation shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from loguru import logger

from core.camunda.variables import parse_date
from core.errors import CamundaNotFound, OperationNotFound


def log_operation(name: str, actor: str, target: str, **facts: str | int) -> None:
    """``operation=<name> by=<actor> target=<id> …``: who changed what; never variable values
    (they may hold personal data), only ids, keys and counts."""
    tail = "".join(f" {key}={value}" for key, value in facts.items())
    logger.info("operation={} by={} target={}{}", name, actor, target, tail)


@contextmanager
def known(what: str) -> Iterator[None]:
    """Turn the engine's 404 into :class:`OperationNotFound` naming ``what`` was looked for."""
    try:
        yield
    except CamundaNotFound as err:
        raise OperationNotFound(f"{what} not found") from err


def engine_time(text: str | None) -> datetime | None:
    return parse_date(text) if text else None
