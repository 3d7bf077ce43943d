"""The verdict of a chaos run, from external truth only: the engine's history and incidents, the
Bitrix24 sandbox's tasks and the chaos handler's effect rows. Never from Exchanger's logs or ledger.

- completed: the engine's history says the instance ended normally (state COMPLETED);
- incident: unfinished, with an open incident (its message is what an operator reads);
- lost: started, neither completed nor held by an incident once the drain timed out;
- duplicate Bitrix24 tasks: more than one portal task for one (instance, activity);
- duplicate handler effects: more than one effect row for one (instance, activity);
- missing effects: a completed instance whose step left no effect (or no portal task);
- recovery: from a fault's end to the first external task of the topics it concerns that the
  engine logs as done (``/history/external-task-log``, ``successLog``) after that moment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import requests

from tools.chaos import plan as p
from tools.chaos.bpmn import PEOPLE_STEP, PEOPLE_TOPIC, PYTHON_STEPS, PYTHON_TOPIC
from tools.chaos.effects import Tally
from tools.chaos.faults import Injected

PAGE = 500
TIMEOUT_S = 60.0
ENGINE_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"


@dataclass
class Counts:
    planned: int
    started: int
    completed: int = 0
    incidents: int = 0
    incidents_without_message: int = 0
    lost: int = 0
    duplicate_bitrix24_tasks: int = 0
    bitrix24_tasks: int = 0
    duplicate_handler_effects: int = 0
    handler_effects: int = 0
    handler_attempts: int = 0
    handler_resumed: int = 0
    handler_effects_found_by_lookup: int = 0
    missing_effects: int = 0
    faults_planned: int = 0
    faults_injected: int = 0


@dataclass
class Verdict:
    counts: Counts
    recovery_s: list[float | None]
    incident_messages: dict[str, int] = field(default_factory=dict)  # message → instances
    lost_instances: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failures": self.failures,
            "counts": asdict(self.counts),
            "recovery_s": self.recovery_s,
            "incident_messages": self.incident_messages,
            "lost_instances": self.lost_instances[:50],
        }


class EngineHistory:
    """The few history reads the judge makes, paged."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.session = requests.Session()

    def _get(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while True:
            page = self.session.get(
                self.url + path,
                params={**params, "firstResult": len(rows), "maxResults": PAGE},
                timeout=TIMEOUT_S,
            )
            page.raise_for_status()
            rows.extend(page.json())
            if len(page.json()) < PAGE:
                return rows

    def instances(self, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Every instance of the keys, running or finished, by id."""
        rows = self._get("/history/process-instance", {"processDefinitionKeyIn": ",".join(keys)})
        return {str(row["id"]): row for row in rows}

    def open_incidents(self, keys: Iterable[str]) -> list[dict[str, Any]]:
        return self._get("/incident", {"processDefinitionKeyIn": ",".join(keys)})

    def successes(self, keys: Iterable[str]) -> list[tuple[float, str]]:
        """(unix time, topic) of every external task the engine logged as done, oldest first."""
        found: list[tuple[float, str]] = []
        for key in keys:
            params = {
                "successLog": "true",
                "processDefinitionKey": key,
                "sortBy": "timestamp",
                "sortOrder": "asc",
            }
            found += [
                (engine_time(r["timestamp"]), str(r["topicName"]))
                for r in self._get("/history/external-task-log", params)
            ]
        return sorted(found)

    def close(self) -> None:
        self.session.close()


def engine_time(text: str) -> float:
    return datetime.strptime(text, ENGINE_TIME).timestamp()


def settled(engine: EngineHistory, keys: list[str], ids: Iterable[str]) -> int:
    """How many of ``ids`` finished or wait in an incident (they will not move by themselves)."""
    instances = engine.instances(keys)
    stuck = {str(i["processInstanceId"]) for i in engine.open_incidents(keys)}
    return sum(1 for i in ids if i in stuck or instances.get(i, {}).get("state") == "COMPLETED")


@dataclass(frozen=True)
class Evidence:
    """What the judge reads, gathered after the drain."""

    planned: int
    started: dict[str, bool]  # instance id → has a people task
    instances: dict[str, dict[str, Any]]
    incidents: list[dict[str, Any]]
    successes: list[tuple[float, str]]
    portal_tasks: list[dict[str, Any]]
    effects: Tally
    faults: list[Injected]
    planned_faults: int


def judge(evidence: Evidence) -> Verdict:
    counts = Counts(planned=evidence.planned, started=len(evidence.started))
    verdict = Verdict(counts, [recovery_s(f, evidence.successes) for f in evidence.faults])
    _instances(evidence, verdict)
    _effects(evidence, counts)
    counts.faults_planned = evidence.planned_faults
    counts.faults_injected = sum(1 for f in evidence.faults if f.error is None and f.ended is not None)
    _failures(verdict)
    return verdict


def _instances(evidence: Evidence, verdict: Verdict) -> None:
    counts = verdict.counts
    by_instance: dict[str, list[str]] = {}
    for incident in evidence.incidents:
        by_instance.setdefault(str(incident["processInstanceId"]), []).append(
            str(incident.get("incidentMessage") or "")
        )
    for instance_id in evidence.started:
        state = evidence.instances.get(instance_id, {}).get("state")
        messages = by_instance.get(instance_id)
        if state == "COMPLETED":
            counts.completed += 1
        elif messages:
            counts.incidents += 1
            counts.incidents_without_message += sum(1 for m in messages if not m.strip())
            for message in messages:
                verdict.incident_messages[message[:200]] = verdict.incident_messages.get(message[:200], 0) + 1
        else:
            counts.lost += 1
            verdict.lost_instances.append(f"{instance_id} ({state or 'unknown to the engine'})")


def _effects(evidence: Evidence, counts: Counts) -> None:
    portal = Counter(
        (str(t["uf"].get("UF_PROCESS_INSTANCE_ID")), str(t["uf"].get("UF_ELEMENT_ID")))
        for t in evidence.portal_tasks
        if str(t["uf"].get("UF_PROCESS_INSTANCE_ID")) in evidence.started
    )
    effects = Counter({k: n for k, n in evidence.effects.effects.items() if k[0] in evidence.started})
    counts.bitrix24_tasks = sum(portal.values())
    counts.duplicate_bitrix24_tasks = sum(n - 1 for n in portal.values())
    counts.handler_effects = sum(effects.values())
    counts.duplicate_handler_effects = sum(n - 1 for n in effects.values())
    counts.handler_attempts = evidence.effects.attempts
    counts.handler_resumed = evidence.effects.resumed
    counts.handler_effects_found_by_lookup = evidence.effects.found
    for instance_id, people in evidence.started.items():
        if evidence.instances.get(instance_id, {}).get("state") != "COMPLETED":
            continue
        counts.missing_effects += sum(1 for step in PYTHON_STEPS if not effects[(instance_id, step)])
        counts.missing_effects += int(people and not portal[(instance_id, PEOPLE_STEP)])


def _failures(verdict: Verdict) -> None:
    c = verdict.counts
    checks = [
        (c.started < c.planned, f"{c.planned - c.started} planned instances were never started"),
        (c.lost > 0, f"{c.lost} instances lost (neither completed nor held by an incident)"),
        (c.incidents_without_message > 0, f"{c.incidents_without_message} incidents without a message"),
        (c.duplicate_bitrix24_tasks > 0, f"{c.duplicate_bitrix24_tasks} duplicate Bitrix24 tasks"),
        (c.duplicate_handler_effects > 0, f"{c.duplicate_handler_effects} duplicate handler effects"),
        (c.missing_effects > 0, f"{c.missing_effects} steps of completed instances left no effect"),
        (
            c.faults_injected < c.faults_planned,
            f"{c.faults_planned - c.faults_injected} planned faults not injected",
        ),
    ]
    verdict.failures = [message for failed, message in checks if failed]


def topics_of(fault: Injected) -> set[str] | None:
    """The topics whose progress shows a fault is over; None: any topic."""
    if fault.kind == p.KILL and fault.target.startswith("creator-python"):
        return {PYTHON_TOPIC}
    if (fault.kind == p.KILL and fault.target.startswith("creator-bitrix24")) or fault.kind in (
        p.STORM_5XX,
        p.STORM_429,
    ):
        return {PEOPLE_TOPIC}
    return None


def recovery_s(fault: Injected, successes: list[tuple[float, str]]) -> float | None:
    """Seconds from the fault's end to the first logged success of its topics after it; None: none."""
    if fault.ended is None:
        return None
    topics = topics_of(fault)
    after = (at for at, topic in successes if at >= fault.ended and (topics is None or topic in topics))
    first = next(after, None)
    return None if first is None else round(first - fault.ended, 2)
