"""The settings tree of ``config/camunda_sync.yaml``; field names are the YAML keys."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from core.config.models import CamundaConfig
from core.contracts.task import ANSWER_EXPECTED_PROPERTY


class Strict(BaseModel):
    """Unknown keys are errors; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TopicRule(Strict):
    """Where an activity matches every matcher given, it gets ``topic`` and ``properties``.

    Matchers: ``lane`` / ``participant`` / ``assignee`` are case-insensitive globs on names;
    ``marker`` is a case-insensitive substring of the element's name or documentation;
    ``types`` are the original BPMN element names (``userTask``, ``task``, ...).
    Property values are templates: ``{lane}``, ``{participant}``, ``{assignee}``,
    ``{assignee_id}``, ``{name}``, ``{id}``, ``{type}``, ``{process}``.
    """

    lane: str | None = None
    participant: str | None = None
    assignee: str | None = None
    marker: str | None = None
    types: tuple[str, ...] = ()
    topic: str | None = None
    properties: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _has_matcher(self) -> TopicRule:
        if not (self.lane or self.participant or self.assignee or self.marker or self.types):
            raise ValueError("a rule needs at least one of lane, participant, assignee, marker, types")
        return self


class ConditionSettings(Strict):
    """Conditions for flows out of exclusive/inclusive gateways, from the flows' names."""

    enabled: bool = True
    yes_words: tuple[str, ...] = ("да", "yes")
    no_words: tuple[str, ...] = ("нет", "no")
    # The preceding task's result variable; {task_id} is that task's id.
    result_variable: str = "{task_id}"
    yes_value: str = "ok"
    # Other flow names become `result == '<name>'` conditions.
    label_conditions: bool = True
    # A yes/no gateway right after a join has no single task before it: insert one that asks.
    question_tasks: bool = True
    # Where no task answers (start event or a join further back): a process variable; {gateway_id}.
    gateway_variable: str = "{gateway_id}"
    question_prefix: str = "Выяснить: "
    # Properties put on the answering task so the worker knows a result is expected.
    expected_property: str | None = ANSWER_EXPECTED_PROPERTY
    question_property: str | None = "UF_RESULT_QUESTION"


class TimerSettings(Strict):
    """Timers the modeller left without a definition get a duration read from their label."""

    fill_empty: bool = True
    default_duration: str = "P1D"


class ConverterSettings(Strict):
    history_ttl: str = "180"
    default_topic: str = "bitrix24.task"
    default_properties: dict[str, str] = Field(default_factory=dict)
    rules: tuple[TopicRule, ...] = ()
    conditions: ConditionSettings = ConditionSettings()
    timers: TimerSettings = TimerSettings()
    # Message/signal/escalation events without their reference get one named after the event.
    fill_event_refs: bool = True


class RateLimitSettings(Strict):
    requests: int = Field(5, ge=1)
    window_s: float = Field(60.0, gt=0)


class StormSettings(Strict):
    base_url: str = "https://stormbpmn.com"
    api: Literal["public", "internal"] = "public"
    api_key: SecretStr | None = None  # STORMBPMN_API_KEY (environment only)
    token: SecretStr | None = None  # STORMBPMN_TOKEN, bearer for the internal API (environment only)
    ca_bundle: str | None = None
    timeout_s: float = Field(30.0, gt=0)
    rate_limit: RateLimitSettings = RateLimitSettings()
    max_retries: int = Field(2, ge=0)  # network errors and 5xx
    max_429_waits: int = Field(1, ge=0)  # a second 429 in a row stops the run


class SelectionSettings(Strict):
    """Which diagrams ``sync`` takes: listed ids, plus those whose folder and name match."""

    folders: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()


class DeploySettings(Strict):
    source: str = "camunda-sync"
    tenant_id: str | None = None
    name_prefix: str = ""
    # Every StormBPMN diagram starts from the same template process id; give each its own key.
    process_key_template: str = "Process_{diagram_id}"


class SyncSettings(Strict):
    state_dir: Path = Path(".state/camunda_sync")
    lint: bool = True
    trial_deploy_on_dry_run: bool = True


class CamundaSyncConfig(Strict):
    stormbpmn: StormSettings = StormSettings()
    selection: SelectionSettings = SelectionSettings()
    engine: CamundaConfig = CamundaConfig()
    deploy: DeploySettings = DeploySettings()
    converter: ConverterSettings = ConverterSettings()
    sync: SyncSettings = SyncSettings()
