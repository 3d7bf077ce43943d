"""The demo's processes: what to deploy, how to start instances, how each may end."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tools.launcher import ROOT

MOSCOW = ZoneInfo("Europe/Moscow")


@dataclass(frozen=True)
class Scenario:
    key: str  # process definition key
    bpmn: str  # file under bpmn/
    count: int
    variables: Callable[[random.Random], dict[str, Any]]
    ends: dict[str, str]  # end event id → what it means, for the summary
    message: str | None = None  # start by this message (a process with a timer start has no none start)

    @property
    def path(self) -> str:
        return str(ROOT / "bpmn" / self.bpmn)


def order(rng: random.Random) -> dict[str, Any]:
    """Mostly fine orders, some big ones and a few broken ones (to show the error path)."""
    if rng.random() < 0.15:
        broken: list[dict[str, Any]] = [] if rng.random() < 0.5 else [{"category": "misc", "price": 0}]
        return {"customer": f"c{rng.randint(1, 99)}", "items": broken}
    lines = [
        {"category": rng.choice(["books", "tools", "toys"]), "price": round(rng.uniform(5, 600), 2)}
        for _ in range(rng.randint(1, 5))
    ]
    return {"customer": f"c{rng.randint(1, 99)}", "items": lines}


def offer(rng: random.Random) -> dict[str, Any]:
    return {"customer": rng.choice(["ООО Ромашка", "Acme Ltd", "ИП Петров", "Globex"])}


def lead(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(["Анна Смирнова", "Иван Петров", "Maria Rossi", "John Smith"])
    variables: dict[str, Any] = {"full_name": name, "lead_title": f"Request from {name}", "stage": "new"}
    if rng.random() > 0.2:  # some leads arrive without a phone: the MISSING_PHONE path
        variables["phone"] = (
            f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        )
    return variables


ORDERS = Scenario(
    "demo-orders",
    "demo-orders.bpmn",
    40,
    order,
    {"Accepted": "accepted", "Rejected": "rejected (error path)"},
)
OFFERS = Scenario(
    "bitrix24-people-task",
    "people-task.bpmn",
    12,
    offer,
    {"Accepted": "approved", "Rejected": "rejected", "Withdrawn": "task deleted"},
)
LEADS = Scenario(
    "bitrix24-lead", "lead.bpmn", 12, lead, {"Done": "processed", "Dropped": "no phone (error path)"}
)
INTAKE_PHONES = ("+7 916 123-45-67", "8 (903) 555-12-34", "+7 999 000-00-13", "not given")
INTAKE_REQUESTS = (
    "Need 40 office chairs delivered to Kazan before March, with assembly",
    "Looking for a yearly maintenance contract for two forklifts",
    "Please call back about the price of the 3 kW generator",
)


def intake(rng: random.Random) -> dict[str, Any]:
    """Customers' requests; one number never gets its SMS, one "phone" is not a phone."""
    name = rng.choice(["Анна Смирнова", "Иван Петров", "Maria Rossi", "John Smith"])
    return {
        "full_name": name,
        "phone": rng.choice(INTAKE_PHONES),
        "email": rng.choice(["anna@example.com", "ivan.petrov@gmail.con", "office@acme.test"]),
        "request_text": rng.choice(INTAKE_REQUESTS),
        "lead_title": f"Request from {name}",
        "stage": "new",
    }


INTAKE = Scenario(
    "lead-intake",
    "lead-intake.bpmn",
    20,
    intake,
    {
        "Done": "confirmed by SMS",
        "Unconfirmed": "SMS not delivered (error path)",
        "BadContact": "phone unusable (error path)",
        "Refused": "request filtered (error path)",
        "NoLead": "no lead",
    },
)
REVIEWS = Scenario(
    "openproject-review",
    "openproject-review.bpmn",
    9,
    offer,
    {"Signed": "approved (closed)", "Declined": "rejected"},
)


def last_week(rng: random.Random) -> dict[str, Any]:
    """The seven days before today (Moscow): the sandbox's seeded campaign spent with no order."""
    today = datetime.now(MOSCOW).date()
    return {
        "date_from": (today - timedelta(days=7)).isoformat(),
        "date_to": (today - timedelta(days=1)).isoformat(),
    }


AD_ANALYTICS = Scenario(
    "wb-ad-analytics",
    "wb-ad-analytics.bpmn",
    1,
    last_week,
    {"Checked": "campaign flagged, marketing checked it", "AllFine": "nothing to flag"},
    message="wb_ad_analytics_run",
)
ALL = (ORDERS, OFFERS, LEADS, INTAKE, REVIEWS, AD_ANALYTICS)
