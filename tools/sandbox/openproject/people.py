"""Simulated people for the demo: rules that answer work packages after a while, deterministically.

A rule: ``{"status": "Closed" | 5, "after_s": 2, "subject_contains": "invoice", "every": 3,
"project": "demo", "comment": "Done", "by": 3, "custom_fields": {"customField1": "x"}}``.
Each open work package is handled once, by the first rule that matches it (subject contains
the word, its id is a multiple of ``every``, its project), as soon as it is ``after_s`` old:
the person (``by``, else the assignee, else user 3) sets the custom fields, comments, and
sets the status. Rules are checked on every request, so nothing runs in the background.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.sandbox.openproject import actions
from tools.sandbox.openproject.state import State, WorkPackage

DEFAULT_PERSON = 3


@dataclass
class Rule:
    status_id: int
    after_s: float = 0.0
    subject_contains: str | None = None
    every: int | None = None
    project_id: int | None = None
    comment: str | None = None
    by: int | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    def matches(self, wp: WorkPackage) -> bool:
        if self.subject_contains is not None and self.subject_contains.lower() not in wp.subject.lower():
            return False
        if self.every is not None and wp.id % self.every:
            return False
        return self.project_id is None or self.project_id == wp.project_id

    def json(self) -> dict[str, Any]:
        return {
            "status": self.status_id,
            "after_s": self.after_s,
            "subject_contains": self.subject_contains,
            "every": self.every,
            "project": self.project_id,
            "comment": self.comment,
            "by": self.by,
            "custom_fields": dict(self.custom),
        }


def rule_from_json(state: State, spec: dict[str, Any]) -> Rule:
    """A validated rule; ValueError names what is wrong."""
    status = state.status(spec.get("status", ""))
    if status is None:
        raise ValueError(f"unknown status {spec.get('status')!r}")
    project = state.project(spec["project"]) if spec.get("project") is not None else None
    if spec.get("project") is not None and project is None:
        raise ValueError(f"unknown project {spec['project']!r}")
    every = int(spec["every"]) if spec.get("every") is not None else None
    if every is not None and every < 1:
        raise ValueError("every must be >= 1")
    custom = dict(spec.get("custom_fields") or {})
    if any(state.custom_field(key) is None for key in custom):
        raise ValueError("custom_fields names an unknown custom field")
    by = int(spec["by"]) if spec.get("by") is not None else None
    if by is not None and by not in state.users:
        raise ValueError(f"no user {by}")
    return Rule(
        status.id,
        float(spec.get("after_s") or 0.0),
        str(spec["subject_contains"]) if spec.get("subject_contains") else None,
        every,
        project.id if project else None,
        str(spec["comment"]) if spec.get("comment") else None,
        by,
        custom,
    )


class People:
    def __init__(self) -> None:
        self.rules: list[Rule] = []
        self.handled: set[int] = set()

    def reset(self) -> None:
        self.rules, self.handled = [], set()

    def apply_due(self, state: State, now: float) -> None:
        """Answer every work package whose rule is due (call with the state's lock held)."""
        if not self.rules:
            return
        for wp in list(state.work_packages.values()):
            if wp.id in self.handled or state.is_closed(wp):
                continue
            rule = next((r for r in self.rules if r.matches(wp)), None)
            if rule is not None and now - wp.created_at >= rule.after_s:
                self.handled.add(wp.id)
                _answer(state, wp, rule, now)


def _answer(state: State, wp: WorkPackage, rule: Rule, now: float) -> None:
    by = rule.by or wp.assignee_id or DEFAULT_PERSON
    for key, value in rule.custom.items():
        custom_field = state.custom_field(key)
        if custom_field is not None and custom_field.id in state.projects[wp.project_id].custom_fields:
            wp = actions.set_custom(state, wp, custom_field, value, by, now)
    if rule.comment:
        actions.comment(state, wp, rule.comment, by, now)
    actions.set_status(state, wp, state.statuses[rule.status_id], by, now)
