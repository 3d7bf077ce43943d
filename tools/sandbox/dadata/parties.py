"""The organisations the sandbox knows, answered as findById/party suggestions (reference §3.2).

Numbers are strings (inn, kpp, ogrn, okved), dates are epoch milliseconds, as DaData sends
them. A query matches an INN or an OGRN; nothing found is 200 with ``"suggestions": []``.
"""

from __future__ import annotations

import copy
from typing import Any

Suggestion = dict[str, Any]


def party(
    inn: str,
    ogrn: str,
    short: str,
    full: str,
    *,
    kpp: str | None = None,
    kind: str = "LEGAL",
    branch_type: str | None = "MAIN",
    status: str = "ACTIVE",
    address: str = "г Москва",
    manager: tuple[str, str] | None = None,
) -> Suggestion:
    """One suggestion of the findById/party answer."""
    return {
        "value": short,
        "unrestricted_value": short,
        "data": {
            "kpp": kpp,
            "inn": inn,
            "ogrn": ogrn,
            "ogrn_date": 677376000000,
            "hid": f"hid-{inn}-{kpp or ''}",
            "type": kind,
            "branch_type": branch_type,
            "branch_count": 0,
            "opf": {
                "type": "2014",
                "code": "12247" if kind == "LEGAL" else "50102",
                "full": None,
                "short": None,
            },
            "name": {"full_with_opf": full, "short_with_opf": short, "full": full, "short": short},
            "okved": "64.19",
            "okved_type": "2014",
            "management": {"name": manager[0], "post": manager[1]} if manager else None,
            "state": {
                "status": status,
                "actuality_date": 1704067200000,
                "registration_date": 677376000000,
                "liquidation_date": 1700000000000 if status == "LIQUIDATED" else None,
            },
            "address": {"value": address, "unrestricted_value": address, "data": {"country": "Россия"}},
        },
    }


def seed() -> list[Suggestion]:
    """A bank with a branch, a sole trader and a liquidated company."""
    return [
        party(
            "7707083893",
            "1027700132195",
            "ПАО СБЕРБАНК",
            'ПУБЛИЧНОЕ АКЦИОНЕРНОЕ ОБЩЕСТВО "СБЕРБАНК РОССИИ"',
            kpp="773601001",
            address="г Москва, ул Вавилова, д 19",
            manager=("Греф Герман Оскарович", "ПРЕЗИДЕНТ, ПРЕДСЕДАТЕЛЬ ПРАВЛЕНИЯ"),
        ),
        party(
            "7707083893",
            "1027700132195",
            "ПОВОЛЖСКИЙ БАНК ПАО СБЕРБАНК",
            "ПОВОЛЖСКИЙ БАНК ПАО СБЕРБАНК",
            kpp="631602006",
            branch_type="BRANCH",
            address="г Самара, ул Максима Горького, д 82",
        ),
        party(
            "500100732259",
            "304500116000157",
            "ИП Иванов Иван Иванович",
            "Индивидуальный предприниматель Иванов Иван Иванович",
            kind="INDIVIDUAL",
            branch_type=None,
        ),
        party(
            "7736050003",
            "1027700070518",
            'ООО "РОМАШКА"',
            'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "РОМАШКА"',
            kpp="773601001",
            status="LIQUIDATED",
        ),
    ]


def find(parties: list[Suggestion], body: dict[str, Any]) -> list[Suggestion]:
    """The suggestions matching a findById/party body (query, count, kpp, branch_type, type, status)."""
    query = str(body["query"]).strip()
    count = int(body.get("count") or 10)
    statuses = body.get("status") or []
    found = []
    for item in parties:
        data = item["data"]
        if query not in (data["inn"], data["ogrn"]):
            continue
        if body.get("kpp") and data["kpp"] != body["kpp"]:
            continue
        if body.get("branch_type") and data["branch_type"] != body["branch_type"]:
            continue
        if body.get("type") and data["type"] != body["type"]:
            continue
        if statuses and data["state"]["status"] not in statuses:
            continue
        found.append(copy.deepcopy(item))
    found.sort(key=lambda s: s["data"]["branch_type"] != "MAIN")  # the head office first
    return found[:count]
