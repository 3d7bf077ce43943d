"""Typed options of the ``openproject`` system (``systems.openproject.options`` in ``systems.yaml``).

Validated once at start-up: an unknown or wrong key stops the process with a message naming
the key and the file. The API token is never here, only the name of the environment variable
that holds it (``token_env``); the base URL may be here or in ``url_env``. Limits, circuit and
timeout are the entry's own ``limits`` / ``circuit`` / ``timeout_s`` (core.http).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.actions.options import parse_options

SOURCE = "config/systems.yaml"
KEY = "systems.openproject.options"
CUSTOM_FIELD = re.compile(r"customField\d+")


def _custom_field(name: str) -> str:
    if not CUSTOM_FIELD.fullmatch(name):
        raise ValueError(f"{name!r} is not a custom field's API name (customField<N>)")
    return name


class Strict(BaseModel):
    """Unknown keys are errors; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Variables(Strict):
    """Process variables read when the activity's extension properties say nothing."""

    project: str = "op_project"
    type: str = "op_type"
    priority: str = "op_priority"
    assignee: str = "op_assignee_id"
    responsible: str = "op_responsible_id"
    start_date: str = "op_start_date"
    due_date: str = "op_due_date"
    parent: str = "op_parent_id"


class ResultVariables(Strict):
    """Names of the variables a finished work package writes back; null leaves one out."""

    work_package_id: str | None = "op_work_package_id"
    status: str | None = "op_status"
    closed_at: str | None = "op_closed_at"
    assignee: str | None = "op_assignee"
    last_comment: str | None = "op_last_comment"
    approved: str | None = "op_approved"  # the answer of a yes/no gateway
    custom_fields: dict[str, str] = Field(default_factory=dict)  # customField2: approved_amount

    @field_validator("custom_fields")
    @classmethod
    def _names(cls, fields: dict[str, str]) -> dict[str, str]:
        return {_custom_field(name): variable for name, variable in fields.items()}


class ErrorCodes(Strict):
    """BPMN error codes the tracker raises (an incident when the activity does not catch them)."""

    rejected: str = "OPENPROJECT_REJECTED"
    gone: str = "OPENPROJECT_GONE"


class OnCancel(Strict):
    """What happens to the work package when its process instance is cancelled in Camunda."""

    comment: str | None = (
        "The Camunda process instance {process_instance_id} was cancelled; "
        "this work package is no longer needed."
    )
    status: str | None = "Rejected"  # null: the comment only


DEFAULT_FOOTER = "---\n**Process:** {{ process_name }}  \n**Process instance:** {{ process_instance_link }}"


class OpenProjectSettings(Strict):
    """Everything under ``systems.openproject.options``."""

    base_url: str | None = None  # https://openproject.example.com; else the variable url_env
    url_env: str = "OPENPROJECT_URL"
    token_env: str = "OPENPROJECT_API_TOKEN"  # noqa: S105 (the variable's name, not a token)
    topic: str = "openproject.work_package"
    notify: bool = False  # ?notify= on create, comments and status changes
    # always: look for the task's work package before every create; resumed: only when an
    # earlier run of the task may have reached OpenProject (ctx.resumed)
    lookup: Literal["always", "resumed"] = "always"
    task_id_field: str = "customField1"  # a text custom field holding the external task id
    custom_fields: dict[str, str] = Field(default_factory=dict)  # customField3: some_variable
    default_project: str | None = None  # id or identifier
    default_type: str | None = None  # a name ("Task"), an id or an href; null: the project's default
    default_priority: str | None = None
    default_due: str | None = None  # P3D, 3d, or a date
    default_assignee: int | None = None
    default_responsible: int | None = None
    lane_assignees: dict[str, int] = Field(default_factory=dict)  # BPMN lane → user id
    lane_responsibles: dict[str, int] = Field(default_factory=dict)
    subject: str = "{{ activity_name }}"
    description_footer: str | None = DEFAULT_FOOTER
    instance_url: str | None = None  # e.g. https://camunda/…/#/process-instance/{process_instance_id}
    work_package_url: str = "{base_url}/work_packages/{id}"
    timezone: str = "UTC"  # "today" of relative dates
    cache_ttl_s: float = Field(3600.0, gt=0)  # types, priorities, statuses, project forms
    ids_per_request: int = Field(50, ge=1, le=200)  # work packages per tracker collection request
    rejected_statuses: list[str] = Field(default_factory=lambda: ["Rejected"])
    variables: Variables = Variables()
    results: ResultVariables = ResultVariables()
    errors: ErrorCodes = ErrorCodes()
    on_cancel: OnCancel = OnCancel()

    @field_validator("task_id_field")
    @classmethod
    def _task_field(cls, name: str) -> str:
        return _custom_field(name)

    @field_validator("custom_fields")
    @classmethod
    def _fields(cls, fields: dict[str, str]) -> dict[str, str]:
        return {_custom_field(name): variable for name, variable in fields.items()}

    @field_validator("base_url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("https://", "http://")):
            raise ValueError(f"base_url is an http(s) URL, not {url!r}")
        return url

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
    def rejected(self) -> frozenset[str]:
        """The rejected status names, folded for comparison."""
        return frozenset(name.strip().casefold() for name in self.rejected_statuses)


def load_settings(options: Mapping[str, Any]) -> OpenProjectSettings:
    """Validate the options; a ConfigError names the first bad key and the file."""
    return parse_options(OpenProjectSettings, options, "openproject")
