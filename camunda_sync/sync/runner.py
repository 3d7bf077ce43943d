"""``sync``: for each selected StormBPMN diagram, fetch → convert → validate → deploy if changed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from loguru import logger

from camunda_sync.config.models import CamundaSyncConfig
from camunda_sync.config.routing import exchanger_routing
from camunda_sync.convert import ConversionOptions, ConversionResult, convert_bpmn
from camunda_sync.deploy import deploy
from camunda_sync.errors import StormAuthError, StormRateLimited, SyncError, ValidationFailed
from camunda_sync.storm import DiagramSource
from camunda_sync.storm.models import Diagram, DiagramSummary
from camunda_sync.sync.selection import is_selected, process_key, resource_name
from camunda_sync.sync.state import DiagramState, SyncState
from camunda_sync.validate import validate_bpmn
from core.camunda.admin import EngineAdmin
from core.errors import CamundaError, ExchangerError

Action = Literal["deployed", "unchanged", "would deploy", "failed"]
# Errors after which every further request would fail too (or get the account blocked).
FATAL = (StormRateLimited, StormAuthError)


@dataclass(frozen=True)
class DiagramOutcome:
    diagram_id: str
    name: str
    action: Action
    detail: str = ""
    warnings: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.action:<12} {self.name} ({self.diagram_id}){': ' + self.detail if self.detail else ''}"


def convert_diagram(config: CamundaSyncConfig, source: DiagramSource, diagram: Diagram) -> ConversionResult:
    """Convert a StormBPMN diagram the way ``sync`` deploys it (own key, its name, assignees)."""
    options = ConversionOptions(
        process_id=process_key(config.deploy.process_key_template, diagram.summary),
        process_name=diagram.name,
        assignees=source.get_assignees(diagram.id) if config.stormbpmn.api == "internal" else {},
        routing=exchanger_routing(),
        tenant_id=config.deploy.tenant_id,
    )
    data = diagram.xml.encode("utf-8")
    return convert_bpmn(data, config.converter, options, source=resource_name(diagram.summary))


class SyncRunner:
    def __init__(
        self, config: CamundaSyncConfig, source: DiagramSource, engine: EngineAdmin, state: SyncState
    ) -> None:
        self.config = config
        self.source = source
        self.engine = engine
        self.state = state

    def run(self, *, dry_run: bool = False, force: bool = False) -> list[DiagramOutcome]:
        outcomes = []
        for summary in self.selected():
            outcome = self._guarded(summary, dry_run=dry_run, force=force)
            logger.info("sync: {}", outcome.line())
            outcomes.append(outcome)
        return outcomes

    def selected(self) -> Iterator[DiagramSummary]:
        """Selected diagrams from the list, then listed ids the list did not show."""
        seen = set()
        for summary in self.source.list_diagrams():
            if is_selected(summary, self.config.selection):
                seen.add(summary.id)
                yield summary
        for missing in (i for i in self.config.selection.ids if i not in seen):
            yield DiagramSummary(id=missing, name=missing)

    def _guarded(self, summary: DiagramSummary, *, dry_run: bool, force: bool) -> DiagramOutcome:
        try:
            return self.sync_one(summary, dry_run=dry_run, force=force)
        except FATAL:
            raise
        except (SyncError, CamundaError, ExchangerError) as err:
            return DiagramOutcome(summary.id, summary.name, "failed", str(err).splitlines()[0])

    def sync_one(
        self, summary: DiagramSummary, *, dry_run: bool = False, force: bool = False
    ) -> DiagramOutcome:
        previous = self.state.diagrams.get(summary.id)
        if previous and previous.revision == summary.revision and summary.version is not None and not force:
            return DiagramOutcome(summary.id, summary.name, "unchanged", f"{summary.revision} already synced")
        diagram = self.source.get_diagram(summary.id)
        xml, warnings = self._convert_and_check(diagram, dry_run=dry_run)
        if dry_run:
            return DiagramOutcome(summary.id, diagram.name, "would deploy", "converted and valid", warnings)
        # Remember the revision the list showed: the next run compares against the list.
        revision = summary.revision if summary.version is not None else diagram.summary.revision
        return self._deploy(diagram, revision, xml, warnings)

    def _convert_and_check(self, diagram: Diagram, *, dry_run: bool) -> tuple[bytes, list[str]]:
        result = convert_diagram(self.config, self.source, diagram)
        trial = dry_run and self.config.sync.trial_deploy_on_dry_run
        report = validate_bpmn(
            result.xml,
            source=resource_name(diagram.summary),
            lint=self.config.sync.lint,
            engine=self.engine if trial else None,
            tenant_id=self.config.deploy.tenant_id,
        )
        if not report.ok:
            raise ValidationFailed(f"{diagram.name}: {len(report.errors)} validation error(s)", report.issues)
        warnings = [str(entry) for entry in result.report.warnings] + [str(i) for i in report.issues]
        return result.xml, warnings

    def _deploy(self, diagram: Diagram, revision: str, xml: bytes, warnings: list[str]) -> DiagramOutcome:
        deploy_settings = self.config.deploy
        outcome = deploy(
            self.engine,
            deploy_settings.name_prefix + diagram.name,
            {resource_name(diagram.summary): xml},
            source=deploy_settings.source,
            tenant_id=deploy_settings.tenant_id,
            changed_only=True,
        )
        self.state.record(
            DiagramState(
                diagram_id=diagram.id,
                name=diagram.name,
                revision=revision,
                xml_sha256=hashlib.sha256(xml).hexdigest(),
                deployment_id=outcome.deployment_id,
                definitions=[f"{d.key}:{d.version}" for d in outcome.definitions],
            )
        )
        action: Action = "unchanged" if outcome.unchanged else "deployed"
        return DiagramOutcome(diagram.id, diagram.name, action, "; ".join(outcome.lines()), warnings)
