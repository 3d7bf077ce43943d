"""What the SMS Aero sandbox remembers: the SMS, their fate, and counters for assertions.

``sends`` counts accepted live sends per ``number|text`` (the exactly-once check); delivery
follows ``auto_deliver_after_s`` or the control API. Records are answered in the API's
shapes: ``cost`` a number in ``sms/send`` answers, a string in ``sms/status`` and ``sms/list``.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STATUS_WORDS = {
    0: "queue",
    1: "delivery",
    2: "delivery_error",
    3: "transmitted",
    6: "reject",
    8: "moderation",
}
FIRST_ID = 686_300


@dataclass
class SmsRow:
    id: int
    number: str
    text: str
    sign: str
    cost: float
    created: float
    test: bool
    status: int = 0
    answered: float | None = None

    def json(self, *, cost_text: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "from": self.sign,
            "number": self.number,
            "text": self.text,
            "status": self.status,
            "extendStatus": STATUS_WORDS.get(self.status, "queue"),
            "channel": "FREE SIGN",
            "cost": f"{self.cost:.2f}" if cost_text else self.cost,
            "dateCreate": int(self.created),
            "dateSend": int(self.created),
        }
        if self.answered is not None:
            body["dateAnswer"] = int(self.answered)
        return body


@dataclass
class State:
    auto_deliver_after_s: float | None = None
    balance: float = 1_000.0
    price: float = 4.99
    signs: set[str] = field(default_factory=lambda: {"SMS Aero"})
    undeliverable: set[str] = field(default_factory=set)  # numbers whose SMS end in status 2
    rejected: set[str] = field(default_factory=set)  # numbers whose SMS end in status 6
    lock: threading.RLock = field(default_factory=threading.RLock)
    sms: dict[int, SmsRow] = field(default_factory=dict)
    sends: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    gate_requests: Counter[str] = field(default_factory=Counter)
    next_id: int = FIRST_ID

    def reset(self) -> None:
        with self.lock:
            self.sms.clear()
            for counter in (self.sends, self.requests, self.statuses, self.gate_requests):
                counter.clear()
            self.next_id = FIRST_ID

    def add(self, number: str, text: str, sign: str, now: float, *, test: bool) -> SmsRow:
        with self.lock:
            row = SmsRow(self.next_id, number, text, sign, self.price, now, test)
            self.next_id += 1
            self.sms[row.id] = row
            if not test:
                self.balance -= self.price
                self.sends[f"{number}|{text}"] += 1
            return row

    def settle(self, row: SmsRow, status: int, now: float) -> None:
        with self.lock:
            row.status, row.answered = status, now

    def apply_due(self, now: float) -> None:
        """Deliver (or fail) the SMS whose automatic delivery time has come."""
        delay = self.auto_deliver_after_s
        if delay is None:
            return
        with self.lock:
            for row in self.sms.values():
                if row.status == 0 and now - row.created >= delay:
                    self.settle(row, self.fate(row.number), now)

    def fate(self, number: str) -> int:
        if number in self.rejected:
            return 6
        return 2 if number in self.undeliverable else 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "sms": [row.json(cost_text=True) | {"test": row.test} for row in self.sms.values()],
                "sends": dict(self.sends),
                "counters": {
                    "requests": dict(self.requests),
                    "statuses": dict(self.statuses),
                    "gates": dict(self.gate_requests),
                },
                "balance": round(self.balance, 2),
            }
