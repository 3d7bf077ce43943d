"""``crm.lead.add|update|get`` and ``user.get``: UPPER_SNAKE keys, string values.

Multi-fields (PHONE, EMAIL, WEB, IM, LINK) are lists of ``{ID, TYPE_ID, VALUE, VALUE_TYPE}``;
on update an item without ``ID`` is added, one with ``ID`` replaced, and one with ``ID`` and
``DELETE: Y`` (or an empty ``VALUE``) removed. A missing lead is 400 ``Not found``.
"""

from __future__ import annotations

from typing import Any

from tools.sandbox.bitrix24.filters import matches
from tools.sandbox.bitrix24.protocol import (
    Answer,
    Call,
    Method,
    as_list,
    as_map,
    crm_error,
    iso,
    lookup,
    page,
    text,
    to_int,
)
from tools.sandbox.bitrix24.state import State

MULTI_FIELDS = ("PHONE", "EMAIL", "WEB", "IM", "LINK")
SEMANTICS = {"CONVERTED": "S", "JUNK": "F"}
USER_GET_KEYS = {"FILTER", "SORT", "ORDER", "START", "SELECT", "ADMIN_MODE"}


def _multi_update(state: State, current: list[dict[str, Any]], kind: str, items: Any) -> list[dict[str, Any]]:
    values = [dict(item) for item in current]
    for raw in as_list(items):
        item = as_map(raw)
        value = str(item.get("VALUE") or "")
        known = next((v for v in values if v["ID"] == str(item.get("ID", ""))), None)
        if known is not None and (str(item.get("DELETE", "")).upper() == "Y" or not value):
            values.remove(known)
        elif known is not None:
            known.update(VALUE=value, VALUE_TYPE=str(item.get("VALUE_TYPE") or known["VALUE_TYPE"]))
        elif value:
            value_type = str(item.get("VALUE_TYPE") or "WORK")
            item_id = str(state.next_id("multifield"))
            values.append({"ID": item_id, "VALUE_TYPE": value_type, "VALUE": value, "TYPE_ID": kind})
    return values


def _apply(state: State, lead: dict[str, Any], fields: dict[str, Any], call: Call) -> None:
    for key, value in fields.items():
        name = str(key).upper()
        if name in MULTI_FIELDS:
            lead[name] = _multi_update(state, lead.get(name, []), name, value)
            if not lead[name]:
                del lead[name]
        elif name != "ID":
            lead[name] = text(value)
    lead["STATUS_SEMANTIC_ID"] = SEMANTICS.get(str(lead.get("STATUS_ID")), "P")
    lead["HAS_PHONE"] = "Y" if lead.get("PHONE") else "N"
    lead["HAS_EMAIL"] = "Y" if lead.get("EMAIL") else "N"
    lead.update(DATE_MODIFY=iso(call.now), MODIFY_BY_ID=call.user_id)


def lead_add(call: Call, params: dict[str, Any]) -> Answer:
    lead_id = call.state.next_id("lead")
    stamp = iso(call.now)
    lead: dict[str, Any] = {
        "ID": str(lead_id), "TITLE": f"Lead #{lead_id}", "NAME": "", "LAST_NAME": "",
        "SECOND_NAME": "", "STATUS_ID": "NEW", "SOURCE_ID": "", "OPENED": "Y",
        "ASSIGNED_BY_ID": call.user_id, "CREATED_BY_ID": call.user_id, "DATE_CREATE": stamp,
        "OPPORTUNITY": "0.00", "CURRENCY_ID": "RUB", "COMMENTS": "",
    }  # fmt: skip
    _apply(call.state, lead, as_map(lookup(params, "fields")), call)
    call.state.leads[lead_id] = lead
    return Answer(lead_id)


def _lead(state: State, params: dict[str, Any]) -> dict[str, Any]:
    lead_id = to_int(lookup(params, "id"))
    if lead_id is None or lead_id <= 0:
        raise crm_error("ID is not defined or invalid")
    lead = state.leads.get(lead_id)
    if lead is None:
        raise crm_error("Not found")
    return lead


def lead_update(call: Call, params: dict[str, Any]) -> Answer:
    _apply(call.state, _lead(call.state, params), as_map(lookup(params, "fields")), call)
    return Answer(True)


def lead_get(call: Call, params: dict[str, Any]) -> Answer:
    return Answer(dict(_lead(call.state, params)))


def user_get(call: Call, params: dict[str, Any]) -> Answer:
    conditions = as_map(lookup(params, "FILTER"))
    conditions.update({k: v for k, v in params.items() if k.upper() not in USER_GET_KEYS})
    search = conditions.pop("NAME_SEARCH", None)
    rows = [u for u in call.state.users.values() if matches(u.get, conditions)]
    if search:
        needle = str(search).casefold()
        rows = [
            u for u in rows if any(needle in str(u[k]).casefold() for k in ("NAME", "LAST_NAME", "EMAIL"))
        ]
    return page(rows, lookup(params, "start"))


METHODS: dict[str, Method] = {
    "crm.lead.add": lead_add,
    "crm.lead.update": lead_update,
    "crm.lead.get": lead_get,
    "user.get": user_get,
}
