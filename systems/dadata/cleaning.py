"""The cleaner topics: ``dadata.clean.phone|email|name|address`` (and ``dadata.clean`` with the
extension property ``dadata.type``).

Results (prefix = the input's name, see ``inputs.py``): ``<p>_clean`` (the normalised value),
``<p>_qc``, ``<p>_type`` (phone and e-mail type; a name's gender), ``<p>_record`` (the whole
record, Json) and ``<p>_needs_check``. The quality policy of the topic decides:
- ok: complete;
- check: complete with ``<p>_needs_check = true``, or the BPMN error ``DADATA_NEEDS_CHECK``
  when the activity catches it;
- invalid (garbage, an empty input): the business error ``DADATA_INVALID``, a BPMN error when
  caught, otherwise an incident. Messages name the variable, never its value.
"""

from __future__ import annotations

from typing import Any

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, bpmn_error, complete
from core.actions.router import Handler
from core.errors import BusinessError, PermanentError
from systems.dadata.client import DaDataClient
from systems.dadata.inputs import input_name, input_text, output_prefix
from systems.dadata.settings import CLEAN_KINDS, CleanKind, Quality

NEEDS_CHECK = "DADATA_NEEDS_CHECK"
INVALID = "DADATA_INVALID"
KIND_PROPERTY = "dadata.type"
# The record's normalised value and its type, per kind (address has no type).
VALUE_FIELD: dict[CleanKind, str] = {
    "phone": "phone",
    "email": "email",
    "name": "result",
    "address": "result",
}
TYPE_FIELD: dict[CleanKind, str | None] = {
    "phone": "type",
    "email": "type",
    "name": "gender",
    "address": None,
}


class Cleaner:
    """One handler per kind, sharing the client and the quality policies."""

    def __init__(self, client: DaDataClient, quality: Quality) -> None:
        self.client = client
        self.quality = quality

    def handler(self, kind: CleanKind | None) -> Handler:
        """The handler of one kind; ``None`` reads the kind from ``dadata.type``."""

        def handle(task: TaskContext) -> HandlerOutcome:
            return self.clean(task, kind or kind_of(task))

        handle.__qualname__ = f"Cleaner.clean_{kind or 'by_property'}"
        return handle

    def clean(self, task: TaskContext, kind: CleanKind) -> HandlerOutcome:
        name = input_name(task, kind)
        prefix = output_prefix(task, name)
        value = input_text(task, name)
        if not value:
            raise BusinessError(INVALID, f"{name} is empty", variables={f"{prefix}_qc": 2})
        record = self.client.clean(kind, value)
        qc = _qc(record)
        verdict = self.quality.of(kind).verdict(qc)
        logger.info("dadata task={} clean/{} of {}: qc={} {}", task.external_task_id, kind, name, qc, verdict)
        variables = result_variables(kind, prefix, record, qc, needs_check=verdict == "check")
        if verdict == "invalid":
            raise BusinessError(
                INVALID, f"{name} is not a usable {kind} (DaData qc {qc})", variables={f"{prefix}_qc": qc}
            )
        if verdict == "check" and task.message.activity.catches(NEEDS_CHECK):
            return bpmn_error(NEEDS_CHECK, f"{name} needs a human check (DaData qc {qc})", variables)
        return complete(variables)


def result_variables(
    kind: CleanKind, prefix: str, record: dict[str, Any], qc: int | None, *, needs_check: bool
) -> dict[str, Any]:
    type_field = TYPE_FIELD[kind]
    variables: dict[str, Any] = {
        f"{prefix}_clean": record.get(VALUE_FIELD[kind]),
        f"{prefix}_qc": qc,
        f"{prefix}_record": record,
        f"{prefix}_needs_check": needs_check,
    }
    if type_field is not None:
        variables[f"{prefix}_{'gender' if kind == 'name' else 'type'}"] = record.get(type_field)
    return variables


def kind_of(task: TaskContext) -> CleanKind:
    """The kind of a ``dadata.clean`` task, from its extension property ``dadata.type``."""
    wanted = task.properties.get(KIND_PROPERTY, "").strip().lower()
    for kind in CLEAN_KINDS:
        if kind == wanted:
            return kind
    raise PermanentError(
        f"{task.topic}: activity {task.activity_label} needs the extension property {KIND_PROPERTY!r} "
        f"set to one of {', '.join(CLEAN_KINDS)}"
    )


def _qc(record: dict[str, Any]) -> int | None:
    value = record.get("qc")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():  # tolerate a string, as the docs' tables spell it
        return int(value)
    return None
