"""Routing rules: which system gets a task, and which topics are worth fetching at all.

Rules are tried in order; the first whose every condition holds wins. A task that no
rule routes must never be locked, so the fetch plan only names topics some rule can route.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from core.config.models import RoutingRule, SystemConfig

GLOB_CHARS = frozenset("*?[")


def is_glob(pattern: str) -> bool:
    return any(char in GLOB_CHARS for char in pattern)


def _matches(pattern: str | None, value: str | None) -> bool:
    if pattern is None:
        return True
    return value is not None and fnmatchcase(value, pattern)


def _probed(rule: RoutingRule) -> bool:
    """A rule whose process keys are only known by probing the waiting tasks (see plan.py)."""
    return bool(rule.tenant or rule.property or (rule.process and is_glob(rule.process)))


@dataclass(frozen=True)
class TaskFacts:
    """What routing looks at: the task's topic, process, tenant and activity properties."""

    topic: str
    process_key: str
    tenant_id: str | None
    properties: Mapping[str, str]


@dataclass(frozen=True)
class RouteDecision:
    system: str
    rule_index: int  # 1-based, as shown by --print-routing


class Router:
    """Evaluates the ordered rules from ``config/routing.yaml``."""

    def __init__(self, rules: Sequence[RoutingRule], systems: Mapping[str, SystemConfig]) -> None:
        self.rules = list(rules)
        self.systems = dict(systems)

    def route(self, facts: TaskFacts) -> RouteDecision | None:
        for index, rule in enumerate(self.rules, start=1):
            if self._rule_matches(rule, facts):
                return RouteDecision(rule.system, index)
        return None

    @staticmethod
    def _rule_matches(rule: RoutingRule, facts: TaskFacts) -> bool:
        return rule.matches(facts.topic, facts.process_key, facts.tenant_id, facts.properties)

    def needs_discovery(self) -> bool:
        """Whether the fetch plan depends on what is waiting in the engine, so it must be refreshed.

        True for topics beyond the exact ones (glob or topic-less rules) and for process keys the
        planner finds by probing (tenant, property or process-glob conditions).
        """
        return any(rule.topic is None or is_glob(rule.topic) or _probed(rule) for rule in self.rules)

    def exact_topics(self) -> set[str]:
        """Topics named literally by some rule: always fetched, discovery or not."""
        return {rule.topic for rule in self.rules if rule.topic and not is_glob(rule.topic)}

    def rules_for_topic(self, topic: str) -> list[RoutingRule]:
        """Rules that could route a task of ``topic`` (those without a topic condition included)."""
        return [rule for rule in self.rules if _matches(rule.topic, topic)]

    def topic_is_unconditional(self, topic: str) -> bool:
        """Some rule routes every task of ``topic``, whatever its process, tenant or activity."""
        return any(
            rule.topic is not None and not (rule.process or rule.tenant or rule.property)
            for rule in self.rules_for_topic(topic)
        )

    def topics_to_fetch(self, discovered: Iterable[str]) -> set[str]:
        """Exact topics plus discovered ones that at least one rule can route."""
        return self.exact_topics() | {topic for topic in discovered if self.rules_for_topic(topic)}

    def systems_for_topic(self, topic: str) -> list[str]:
        return sorted({rule.system for rule in self.rules_for_topic(topic)})

    def table(self) -> list[dict[str, str]]:
        """The effective routing table, one row per rule, for ``--print-routing`` and the log."""
        rows = []
        for index, rule in enumerate(self.rules, start=1):
            system = self.systems.get(rule.system)
            rows.append(
                {
                    "#": str(index),
                    "topic": rule.topic or "*",
                    "process": rule.process or "*",
                    "tenant": rule.tenant or "*",
                    "property": ", ".join(f"{k}={v}" for k, v in (rule.property or {}).items()) or "-",
                    "system": rule.system,
                    "kind": system.kind if system else "?",
                    "lock_ms": str(system.lock_duration_ms) if system else "?",
                }
            )
        return rows


def render_table(rows: list[dict[str, str]]) -> str:
    """Plain aligned text, readable in a terminal and in journald."""
    if not rows:
        return "(no routing rules: nothing will be fetched)"
    headers = list(rows[0])
    widths = {h: max(len(h), *(len(row[h]) for row in rows)) for h in headers}
    lines = ["  ".join(h.ljust(widths[h]) for h in headers)]
    lines += ["  ".join(row[h].ljust(widths[h]) for h in headers) for row in rows]
    return "\n".join(lines)
