"""SMS Aero's SMS records as typed values, and what their status codes mean.

Status codes (``status``, with a word in ``extendStatus``), from the official SDKs:
0 queue, 1 delivered, 2 not delivered, 3 transmitted, 4 waiting for status, 6 rejected,
8 on moderation. ``cost`` is a number in ``sms/send`` answers and a string in ``sms/status``
and ``sms/list``; ``totalCount`` is a string too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DELIVERED = frozenset({1})
NOT_DELIVERED = frozenset({2, 6})  # not delivered, rejected by the operator
STATUS_WORDS = {
    0: "queue",
    1: "delivery",
    2: "delivery_error",
    3: "transmitted",
    4: "wait_status",
    6: "reject",
    8: "moderation",
}


class BadRecord(ValueError):
    """An answer whose ``data`` is not an SMS record."""


@dataclass(frozen=True)
class SmsRecord:
    id: int
    number: str
    text: str
    sign: str
    status: int
    extend_status: str
    cost: float | None
    date_create: int

    @property
    def delivered(self) -> bool:
        return self.status in DELIVERED

    @property
    def not_delivered(self) -> bool:
        return self.status in NOT_DELIVERED

    @property
    def status_word(self) -> str:
        return self.extend_status or STATUS_WORDS.get(self.status, str(self.status))

    @classmethod
    def from_json(cls, data: Any) -> SmsRecord:
        if not isinstance(data, Mapping):
            raise BadRecord(f"an SMS record is an object, not {type(data).__name__}")
        try:
            return cls(
                id=int(data["id"]),
                number=str(data.get("number") or ""),
                text=str(data.get("text") or ""),
                sign=str(data.get("from") or ""),
                status=int(data.get("status") or 0),
                extend_status=str(data.get("extendStatus") or ""),
                cost=_number(data.get("cost")),
                date_create=int(data.get("dateCreate") or 0),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise BadRecord(f"unreadable SMS record: {type(err).__name__} {err}") from None


@dataclass(frozen=True)
class SmsPage:
    """One page of ``sms/list``: the records, and whether a next page exists."""

    records: list[SmsRecord]
    has_next: bool

    @classmethod
    def from_json(cls, data: Any) -> SmsPage:
        # An empty list comes back as [] or null; a page as {"0": {...}, "1": {...}, "links": …}.
        if not data:
            return cls([], False)
        if not isinstance(data, Mapping):
            raise BadRecord(f"an sms/list page is an object, not {type(data).__name__}")
        records = [SmsRecord.from_json(value) for key, value in data.items() if str(key).isdigit()]
        links = data.get("links")
        has_next = isinstance(links, Mapping) and bool(links.get("next"))
        return cls(records, has_next)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)
