"""Topic and extension properties for an activity, from the rules in the config."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass

from camunda_sync.config.models import ConverterSettings, TopicRule

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class ActivityFacts:
    """What the rules can look at for one activity."""

    id: str
    name: str
    type: str  # the original element name: task, userTask, callActivity, ...
    documentation: str
    process: str
    lane: str | None = None
    participant: str | None = None
    assignee: str | None = None
    assignee_id: str | None = None

    def values(self) -> dict[str, str]:
        return {key: value or "" for key, value in vars(self).items()}


@dataclass(frozen=True)
class Placement:
    topic: str
    properties: dict[str, str]
    reason: str  # which rule decided, for the report
    by_default: bool


def place(settings: ConverterSettings, facts: ActivityFacts) -> Placement:
    """The first rule that matches decides; otherwise the default topic and properties."""
    for index, rule in enumerate(settings.rules, start=1):
        if matches(rule, facts):
            properties = {**settings.default_properties, **rule.properties}
            topic = rule.topic or settings.default_topic
            return Placement(topic, render(properties, facts), f"rule {index} ({describe(rule)})", False)
    return Placement(settings.default_topic, render(settings.default_properties, facts), "default", True)


def matches(rule: TopicRule, facts: ActivityFacts) -> bool:
    checks = [
        _glob(rule.lane, facts.lane),
        _glob(rule.participant, facts.participant),
        _glob(rule.assignee, facts.assignee),
        _marker(rule.marker, facts),
        not rule.types or facts.type in rule.types,
    ]
    return all(checks)


def _glob(pattern: str | None, value: str | None) -> bool:
    if pattern is None:
        return True
    return value is not None and fnmatch.fnmatchcase(_fold(value), _fold(pattern))


def _marker(marker: str | None, facts: ActivityFacts) -> bool:
    if marker is None:
        return True
    needle = _fold(marker)
    return needle in _fold(facts.name) or needle in _fold(facts.documentation)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def render(templates: Mapping[str, str], facts: ActivityFacts) -> dict[str, str]:
    """Fill ``{placeholders}``; a property whose value ends up empty is left out."""
    values = facts.values()
    rendered = {
        name: PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)
        for name, template in templates.items()
    }
    return {name: value for name, value in rendered.items() if value.strip()}


def describe(rule: TopicRule) -> str:
    parts = [
        f"{key}={value!r}"
        for key, value in (
            ("lane", rule.lane),
            ("participant", rule.participant),
            ("assignee", rule.assignee),
            ("marker", rule.marker),
        )
        if value
    ]
    if rule.types:
        parts.append(f"types={list(rule.types)}")
    return ", ".join(parts)
