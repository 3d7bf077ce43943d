"""Validation: structural checks, bpmnlint as a second opinion, a trial deployment, routing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from camunda_sync.convert.document import load_document
from camunda_sync.errors import BpmnRefused
from camunda_sync.validate.issues import Issue
from camunda_sync.validate.lint import run_bpmnlint
from camunda_sync.validate.routing import check_routing
from camunda_sync.validate.structural import check_document, check_structure, refusal_issue
from camunda_sync.validate.trial import trial_deploy
from core.bpmn.parser import parse_bpmn
from core.camunda.admin import EngineAdmin
from core.config.models import RoutingRule
from core.errors import ExchangerError

__all__ = ["Issue", "ValidationReport", "check_structure", "validate_bpmn"]


@dataclass
class ValidationReport:
    source: str
    issues: list[Issue] = field(default_factory=list)
    checkers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.is_error]

    def summary(self) -> str:
        verdict = "valid" if self.ok else "INVALID"
        warnings = len(self.issues) - len(self.errors)
        return (
            f"{self.source}: {verdict} ({', '.join(self.checkers)}): "
            f"{len(self.errors)} error(s), {warnings} warning(s)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "ok": self.ok,
            "checkers": self.checkers,
            "issues": [issue.to_json() for issue in self.issues],
        }


def validate_bpmn(
    data: bytes,
    *,
    source: str = "diagram.bpmn",
    lint: bool = True,
    strict_lint: bool = False,
    engine: EngineAdmin | None = None,
    tenant_id: str | None = None,
    routing: Sequence[RoutingRule] | None = None,
) -> ValidationReport:
    """Run the checks in order; a file that cannot be read stops after the first."""
    try:
        doc = load_document(data, source=source)
    except BpmnRefused as err:
        return ValidationReport(source, [refusal_issue(err)], ["structure"])
    report = ValidationReport(source, check_document(doc), ["structure"])
    if lint:
        report.issues += run_bpmnlint(data, strict=strict_lint)
        report.checkers.append("bpmnlint")
    if engine is not None:
        report.issues += trial_deploy(engine, data, resource_name=source, tenant_id=tenant_id)
        report.checkers.append("engine")
    if routing is not None:
        report.issues += _routing_issues(data, source, routing, tenant_id)
        report.checkers.append("routing")
    return report


def _routing_issues(
    data: bytes, source: str, routing: Sequence[RoutingRule], tenant_id: str | None
) -> list[Issue]:
    try:
        model = parse_bpmn(data, source=source)
    except ExchangerError:  # the structural check has reported why the file is unusable
        return []
    return check_routing(model, routing, tenant_id=tenant_id)
