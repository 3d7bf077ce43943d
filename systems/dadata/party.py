"""``dadata.party``: an organisation or a sole trader by INN or OGRN (findById/party).

Results (prefix ``party`` by default, or ``dadata.output``): ``party_found``, ``party_name``
(short name with the legal form), ``party_full_name``, ``party_inn``, ``party_kpp``,
``party_ogrn``, ``party_type`` (LEGAL / INDIVIDUAL), ``party_status`` (ACTIVE, LIQUIDATED…)
and ``party_record`` (the whole suggestion, Json). Nothing found (DaData answers 200 with an
empty list) is the BPMN error ``DADATA_NOT_FOUND`` when the activity catches it; otherwise
the task completes with ``party_found = false`` and the other variables null.
"""

from __future__ import annotations

from typing import Any

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome, bpmn_error, complete
from core.errors import BusinessError
from systems.dadata.cleaning import INVALID
from systems.dadata.client import DaDataClient
from systems.dadata.inputs import OUTPUT_PROPERTY, input_name, input_text
from systems.dadata.settings import PartyOptions

NOT_FOUND = "DADATA_NOT_FOUND"
BRANCH_PROPERTY = "dadata.branch_type"
KPP_PROPERTY = "dadata.kpp"
FIELDS = ("name", "full_name", "inn", "kpp", "ogrn", "type", "status", "record")


class Parties:
    def __init__(self, client: DaDataClient, options: PartyOptions) -> None:
        self.client = client
        self.options = options

    def find(self, task: TaskContext) -> HandlerOutcome:
        name = input_name(task, self.options.input)
        prefix = task.properties.get(OUTPUT_PROPERTY, "").strip() or self.options.prefix
        query = input_text(task, name)
        if not query:
            raise BusinessError(INVALID, f"{name} is empty", variables={f"{prefix}_found": False})
        branch = task.properties.get(BRANCH_PROPERTY, "").strip().upper() or self.options.branch_type
        kpp = task.properties.get(KPP_PROPERTY, "").strip() or None
        found = self.client.find_party(query, branch_type=branch, kpp=kpp)
        logger.info("dadata task={} findById/party by {}: {} found", task.external_task_id, name, len(found))
        if found:
            return complete(party_variables(prefix, found[0]))
        variables: dict[str, Any] = {f"{prefix}_found": False, **{f"{prefix}_{f}": None for f in FIELDS}}
        if task.message.activity.catches(NOT_FOUND):
            return bpmn_error(NOT_FOUND, f"no organisation has the {name} given", variables)
        return complete(variables)


def party_variables(prefix: str, suggestion: dict[str, Any]) -> dict[str, Any]:
    data = _map(suggestion.get("data"))
    names = _map(data.get("name"))
    values = {
        "name": names.get("short_with_opf") or suggestion.get("value"),
        "full_name": names.get("full_with_opf") or suggestion.get("unrestricted_value"),
        "inn": data.get("inn"),
        "kpp": data.get("kpp"),
        "ogrn": data.get("ogrn"),
        "type": data.get("type"),
        "status": _map(data.get("state")).get("status"),
        "record": suggestion,
    }
    return {f"{prefix}_found": True, **{f"{prefix}_{key}": value for key, value in values.items()}}


def _map(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}
