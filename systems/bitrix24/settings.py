"""Typed options of the ``bitrix24`` system (``systems.bitrix24.options`` in ``systems.yaml``).

Validated once at start-up: an unknown or wrong key stops the process with a message that
names the key and the file. The webhook URL itself is never here, only the name of the
environment variable that holds it (``webhook_env``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.actions.options import parse_options

SOURCE = "config/systems.yaml"
KEY = "systems.bitrix24.options"


class Strict(BaseModel):
    """Unknown keys are errors; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimit(Strict):
    """The portal's leaky bucket, split between the creator and the tracker processes."""

    rate: float = Field(2.0, gt=0)  # requests drained per second (Enterprise: 5)
    burst: int = Field(50, ge=2)  # bucket size (Enterprise: 250)
    tracker_share: float = Field(0.2, gt=0, lt=1)  # part of rate and burst kept for the tracker


class ClientRetry(Strict):
    """Retries inside one call (503 rate limit, 5xx on repeatable calls)."""

    attempts: int = Field(5, ge=1, le=20)
    base_delay_s: float = Field(0.5, ge=0)
    max_delay_s: float = Field(8.0, ge=0)
    max_wait_s: float = Field(10.0, ge=0)


class Topics(Strict):
    task: str = "bitrix24.task"
    lead_create: str = "bitrix24.lead.create"
    lead_update: str = "bitrix24.lead.update"
    lead_move: str = "bitrix24.lead.move"


class UserFields(Strict):
    """Task user fields that tie a Bitrix task to its Camunda task (they must exist on the portal)."""

    external_task_id: str = "UF_CAMUNDA_ID_EXTERNAL_TASK"
    process_instance_id: str | None = "UF_PROCESS_INSTANCE_ID"
    activity_id: str | None = "UF_ELEMENT_ID"


class TaskVariables(Strict):
    """Process variables read when the activity's extension properties say nothing."""

    responsible: str = "bitrix_responsible_id"
    creator: str = "bitrix_creator_id"
    auditors: str = "bitrix_auditors"
    accomplices: str = "bitrix_accomplices"
    group: str = "bitrix_group_id"
    deadline: str = "bitrix_deadline"
    priority: str = "bitrix_priority"
    parent: str = "bitrix_parent_task_id"


class ResultVariables(Strict):
    """Names of the variables a finished task writes back; null leaves one out."""

    task_id: str | None = "bitrix_task_id"
    status: str | None = "bitrix_task_status"
    closed_by: str | None = "bitrix_closed_by"
    closed_date: str | None = "bitrix_closed_date"
    result: str | None = "bitrix_result"
    answer: str | None = "bitrix_answer"


class AnswerField(Strict):
    """A yes/no task field read when the task is done, as a Boolean (null when unset)."""

    field: str | None = "UF_RESULT_ANSWER"
    yes: list[str] = Field(default_factory=lambda: ["y", "yes", "1", "true", "да"])
    no: list[str] = Field(default_factory=lambda: ["n", "no", "0", "false", "нет"])
    values: dict[str, bool] = Field(default_factory=dict)  # enumeration ids: {"26": true, "27": false}

    @field_validator("yes", "no")
    @classmethod
    def _fold(cls, words: list[str]) -> list[str]:
        return [word.strip().casefold() for word in words]


class OnCancel(Strict):
    """What happens to the Bitrix task when its process instance is cancelled in Camunda."""

    action: Literal["defer", "complete", "none"] = "defer"
    comment: str | None = (
        "The Camunda process instance {process_instance_id} was cancelled; this task is no longer needed."
    )


DEFAULT_FOOTER = "---\nProcess: {{ process_name }}\nProcess instance: {{ process_instance_link }}"


class TaskOptions(Strict):
    """The people-task topic: how a Bitrix task is built and when it counts as done."""

    fields: UserFields = UserFields()
    variables: TaskVariables = TaskVariables()
    results: ResultVariables = ResultVariables()
    answer: AnswerField = AnswerField()
    lane_users: dict[str, int] = Field(default_factory=dict)
    default_responsible: int | None = None
    default_creator: int | None = None
    default_group: int | None = None
    default_priority: int | None = Field(None, ge=0, le=2)
    default_tags: list[str] = Field(default_factory=list)
    default_title: str = "{{ activity_id }} ({{ process_name }})"
    description_footer: str | None = DEFAULT_FOOTER
    instance_url: str | None = None  # e.g. https://camunda/…/#/process-instance/{process_instance_id}
    task_url: str = "{portal}/company/personal/user/{user_id}/tasks/task/view/{task_id}/"
    timezone: str = "UTC"
    checklist_title: str = "Checklist"
    previous_results: bool = False
    previous_results_title: str = "Earlier results"
    accept_awaiting_control: bool = False  # status 4 counts as done
    deleted_error_code: str = "BITRIX_TASK_DELETED"
    on_cancel: OnCancel = OnCancel()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r}") from None
        return name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def done_statuses(self) -> frozenset[int]:
        return frozenset({4, 5}) if self.accept_awaiting_control else frozenset({5})


class LeadVariables(Strict):
    title: str = "lead_title"
    full_name: str = "full_name"
    phone: str = "phone"
    stage: str = "stage"
    lead_id: str = "bitrix_lead_id"  # written by create, read by update and move


DEFAULT_STAGES = {
    "new": "NEW",
    "in_process": "IN_PROCESS",
    "in_work": "IN_PROCESS",
    "processed": "PROCESSED",
    "junk": "JUNK",
    "converted": "CONVERTED",
}


class LeadOptions(Strict):
    """The CRM lead topics (immediate)."""

    variables: LeadVariables = LeadVariables()
    stage_map: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_STAGES))
    phone_type: str = "WORK"
    name_order: Literal["first_last", "last_first"] = "first_last"
    originator: str = "exchanger"  # ORIGINATOR_ID; ORIGIN_ID is the external task id
    missing_phone_code: str = "MISSING_PHONE"
    assigned_by: int | None = None
    source_id: str | None = None

    @field_validator("stage_map")
    @classmethod
    def _fold_stages(cls, stages: dict[str, str]) -> dict[str, str]:
        return {name.strip().casefold(): status for name, status in stages.items()}


class Bitrix24Settings(Strict):
    """Everything under ``systems.bitrix24.options``."""

    webhook_env: str = "BITRIX24_WEBHOOK_URL"
    ca_bundle: str | None = None
    connect_timeout_s: float = Field(3.05, gt=0)
    read_timeout_s: float = Field(30.0, gt=0)
    rate_limit: RateLimit = RateLimit()
    client_retry: ClientRetry = ClientRetry()
    topics: Topics = Topics()
    tasks: TaskOptions = TaskOptions()
    leads: LeadOptions = LeadOptions()


def load_settings(options: Mapping[str, Any]) -> Bitrix24Settings:
    """Validate the options; a ConfigError names the first bad key and the file."""
    return parse_options(Bitrix24Settings, options, "bitrix24")
