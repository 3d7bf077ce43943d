"""CRM lead cards (immediate): ``lead.create`` → ``crm.lead.add``, ``lead.update`` / ``lead.move``
→ ``crm.lead.update``. Each completes at once with ``bitrix_lead_id``.

Values come from the activity's properties ``bitrix.lead.title`` / ``bitrix.lead.stage``
(templates) or the process variables named in ``leads.variables``. A create without a phone
number is the business error ``MISSING_PHONE``: a BPMN error when the activity catches it,
otherwise an incident. Created leads carry ``ORIGINATOR_ID``/``ORIGIN_ID`` (the external task
id); a retried create looks for its lead first, since a lost answer may hide a created lead.
"""

from __future__ import annotations

import re
from typing import Any

from loguru import logger

from core.actions.context import TaskContext
from core.actions.inputs import Input, Inputs
from core.actions.outcomes import HandlerOutcome, complete
from core.errors import BusinessError, PermanentError
from core.templates import PROSE, Scope, render
from systems.bitrix24 import values
from systems.bitrix24.client import Bitrix24Client
from systems.bitrix24.settings import LeadOptions

MISSING_PHONE = "Missing phone number"


def split_name(full_name: str, order: str) -> dict[str, str]:
    """NAME / LAST_NAME / SECOND_NAME from a full name (``first_last`` or ``last_first`` order)."""
    parts = full_name.split()
    if not parts:
        return {}
    if len(parts) == 1:
        return {"NAME": parts[0]}
    if order == "last_first":  # Russian order: Фамилия Имя Отчество
        names = {"LAST_NAME": parts[0], "NAME": parts[1]}
        middle = parts[2:]
    else:
        names = {"NAME": parts[0], "LAST_NAME": parts[-1]}
        middle = parts[1:-1]
    if middle:
        names["SECOND_NAME"] = " ".join(middle)
    return names


def phone_key(phone: str) -> str:
    """A phone number reduced to its digits, for comparing spellings."""
    return re.sub(r"\D", "", phone)


class Leads:
    """Handlers of the three lead topics."""

    def __init__(self, client: Bitrix24Client, options: LeadOptions) -> None:
        self.client = client
        self.options = options

    def inputs(self, action: str) -> Inputs:
        """The variables each lead topic reads (checked for direct submissions)."""
        names = self.options.variables
        card = (Input(names.title, required=False), Input(names.full_name, required=False))
        stage = Input(names.stage, required=False)
        lead_id = Input(names.lead_id, ("integer", "string"))
        if action == "create":
            return Inputs((Input(names.phone), *card, stage))
        if action == "update":
            return Inputs((lead_id, Input(names.phone, required=False), *card, stage))
        return Inputs((lead_id, stage))

    def create(self, task: TaskContext) -> HandlerOutcome:
        phone = self._text(task, None, self.options.variables.phone)
        if not phone:
            raise BusinessError(self.options.missing_phone_code, MISSING_PHONE)
        fields = {**self._card(task), "PHONE": [{"VALUE": phone, "VALUE_TYPE": self.options.phone_type}]}
        fields.setdefault("TITLE", self._default_title(task))
        fields.update(ORIGINATOR_ID=self.options.originator, ORIGIN_ID=task.external_task_id)
        if self.options.assigned_by is not None:
            fields["ASSIGNED_BY_ID"] = self.options.assigned_by
        if self.options.source_id:
            fields["SOURCE_ID"] = self.options.source_id
        lead_id = self._find(task.external_task_id) if task.attempt > 1 else None
        if lead_id is None:
            lead_id = self.client.lead_add(fields)
        logger.info("bitrix24 task={} lead {} created", task.external_task_id, lead_id)
        return complete({self.options.variables.lead_id: lead_id})

    def update(self, task: TaskContext) -> HandlerOutcome:
        lead_id = self._lead_id(task)
        fields = self._card(task)
        phone = self._text(task, None, self.options.variables.phone)
        if phone:
            fields.update(self._phone_change(lead_id, phone))
        if fields:
            self.client.lead_update(lead_id, fields)
        logger.info("bitrix24 task={} lead {} updated: {}", task.external_task_id, lead_id, sorted(fields))
        return complete({self.options.variables.lead_id: lead_id})

    def move(self, task: TaskContext) -> HandlerOutcome:
        lead_id = self._lead_id(task)
        stage = self._stage(task)
        if stage is None:
            raise PermanentError(
                f"bitrix24: no stage to move lead {lead_id} to: set the extension property "
                f"bitrix.lead.stage or the variable {self.options.variables.stage!r}"
            )
        self.client.lead_update(lead_id, {"STATUS_ID": stage})
        logger.info("bitrix24 task={} lead {} moved to {}", task.external_task_id, lead_id, stage)
        return complete({self.options.variables.lead_id: lead_id})

    def _card(self, task: TaskContext) -> dict[str, Any]:
        """TITLE, the name parts and STATUS_ID, as far as the task gives them."""
        names = self.options.variables
        fields: dict[str, Any] = {}
        title = self._text(task, "bitrix.lead.title", names.title)
        if title:
            fields["TITLE"] = title
        full_name = self._text(task, None, names.full_name)
        if full_name:
            fields.update(split_name(full_name, self.options.name_order))
        stage = self._stage(task)
        if stage is not None:
            fields["STATUS_ID"] = stage
        return fields

    def _default_title(self, task: TaskContext) -> str:
        full_name = self._text(task, None, self.options.variables.full_name)
        process = task.message.process.name or task.message.process.definition_key
        return full_name or f"Lead from {process}"

    def _text(self, task: TaskContext, prop: str | None, variable: str) -> str | None:
        """The property (a template) if set, else the variable, as trimmed text."""
        template = task.properties.get(prop) if prop else None
        if template is not None and template.strip():
            names = {"external_task_id": task.external_task_id}
            scope = Scope(task.variables, names, activity=task.activity_label, style=PROSE)
            return render(template, scope, f"extension property {prop}").strip() or None
        value = task.variables.get(variable)
        if value is None:
            return None
        return str(value).strip() or None

    def _stage(self, task: TaskContext) -> str | None:
        stage = self._text(task, "bitrix.lead.stage", self.options.variables.stage)
        if stage is None:
            return None
        mapped = self.options.stage_map.get(stage.casefold())
        if mapped is not None:
            return mapped
        if stage in self.options.stage_map.values():
            return stage  # already a STATUS_ID
        known = ", ".join(sorted(self.options.stage_map))
        raise PermanentError(f"bitrix24: unknown lead stage {stage!r}; known stages: {known}")

    def _lead_id(self, task: TaskContext) -> int:
        name = self.options.variables.lead_id
        if task.variables.get(name) is None:
            raise PermanentError(f"bitrix24: variable {name!r} (the lead to change) is missing")
        return values.record_id(task.variables[name], f"variable {name}", "a lead id")

    def _phone_change(self, lead_id: int, phone: str) -> dict[str, Any]:
        """PHONE for an update: nothing if the lead has the number, else replace its first phone.

        A multi-field item without ``ID`` is added, so sending the number blindly would pile
        up copies on every update.
        """
        lead = self.client.lead_get(lead_id)
        if lead is None:
            raise PermanentError(f"bitrix24: lead {lead_id} does not exist")
        current = [item for item in lead.get("PHONE") or [] if isinstance(item, dict)]
        if any(phone_key(str(item.get("VALUE", ""))) == phone_key(phone) for item in current):
            return {}
        item: dict[str, Any] = {"VALUE": phone, "VALUE_TYPE": self.options.phone_type}
        if current:
            item["ID"] = current[0].get("ID")
        return {"PHONE": [item]}

    def _find(self, external_task_id: str) -> int | None:
        """The lead an earlier attempt of this task created, if any."""
        query = {
            "filter": {"ORIGINATOR_ID": self.options.originator, "ORIGIN_ID": external_task_id},
            "select": ["ID"],
        }
        for row in self.client.iter_list("crm.lead.list", query):
            logger.warning(
                "bitrix24 task={} lead {} exists already; not adding another", external_task_id, row["ID"]
            )
            return int(row["ID"])
        return None
