"""The CRM lead handlers: field mapping, MISSING_PHONE, updates that do not pile up phones."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from core.actions.outcomes import Complete
from core.errors import BusinessError, PermanentError
from systems.bitrix24.connection import build_client
from systems.bitrix24.leads import Leads, split_name
from systems.bitrix24.ratelimit import LeakyBucket
from tests.fixtures.bitrix24.support import Sandbox, context, running_sandbox, settings


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(rate=1000, burst=1000) as started:
        yield started


def leads(sandbox: Sandbox, **options: Any) -> Leads:
    config = settings(**options)
    return Leads(sandbox.client(config), config.leads)


def lead_id_of(outcome: object) -> int:
    assert isinstance(outcome, Complete), outcome
    return int(outcome.variables["bitrix_lead_id"])


CARD = {"full_name": "Ivan Sergeevich Petrov", "phone": "+7 900 123-45-67", "stage": "new"}


def test_create_maps_title_names_phone_and_stage(sandbox: Sandbox) -> None:
    lead_id = lead_id_of(leads(sandbox).create(context(topic="bitrix24.lead.create", variables=CARD)))
    (lead,) = sandbox.state()["leads"]
    assert lead["ID"] == str(lead_id)
    assert (lead["TITLE"], lead["NAME"], lead["SECOND_NAME"], lead["LAST_NAME"]) == (
        "Ivan Sergeevich Petrov",
        "Ivan",
        "Sergeevich",
        "Petrov",
    )
    assert [(p["VALUE"], p["VALUE_TYPE"]) for p in lead["PHONE"]] == [("+7 900 123-45-67", "WORK")]
    assert lead["STATUS_ID"] == "NEW"
    assert (lead["ORIGINATOR_ID"], lead["ORIGIN_ID"]) == ("exchanger", "ext-1")
    assert sandbox.requests() == {"crm.lead.add": 1}


def test_a_title_variable_or_template_and_a_configured_stage_map(sandbox: Sandbox) -> None:
    handlers = leads(sandbox, leads={"stage_map": {"hot": "IN_PROCESS"}, "name_order": "last_first"})
    task = context(
        topic="bitrix24.lead.create",
        variables={**CARD, "full_name": "Петров Иван Сергеевич", "stage": "HOT"},
        properties={"bitrix.lead.title": "Call back {{ full_name }}"},
    )
    handlers.create(task)
    (lead,) = sandbox.state()["leads"]
    assert lead["TITLE"] == "Call back Петров Иван Сергеевич"
    assert (lead["LAST_NAME"], lead["NAME"], lead["SECOND_NAME"]) == ("Петров", "Иван", "Сергеевич")
    assert lead["STATUS_ID"] == "IN_PROCESS"


@pytest.mark.parametrize("phone", [None, "", "   "])
def test_no_phone_is_the_business_error_missing_phone(sandbox: Sandbox, phone: str | None) -> None:
    variables = {**CARD, "phone": phone}
    with pytest.raises(BusinessError) as caught:
        leads(sandbox).create(context(topic="bitrix24.lead.create", variables=variables))
    assert caught.value.code == "MISSING_PHONE" and str(caught.value) == "Missing phone number"
    assert sandbox.requests() == {}


def test_update_changes_the_card_without_piling_up_phones(sandbox: Sandbox) -> None:
    handlers = leads(sandbox)
    lead_id = lead_id_of(handlers.create(context(topic="bitrix24.lead.create", variables=CARD)))
    same_phone = {**CARD, "phone": "+79001234567", "bitrix_lead_id": lead_id, "stage": "in_work"}
    handlers.update(context(topic="bitrix24.lead.update", variables=same_phone))
    (lead,) = sandbox.state()["leads"]
    assert len(lead["PHONE"]) == 1 and lead["STATUS_ID"] == "IN_PROCESS"
    new_phone = {**same_phone, "phone": "+7 901 000-00-00"}
    outcome = handlers.update(context(topic="bitrix24.lead.update", variables=new_phone))
    assert lead_id_of(outcome) == lead_id
    (lead,) = sandbox.state()["leads"]
    assert [p["VALUE"] for p in lead["PHONE"]] == ["+7 901 000-00-00"]


def test_move_sets_the_stage_from_the_property_or_the_variable(sandbox: Sandbox) -> None:
    handlers = leads(sandbox)
    lead_id = lead_id_of(handlers.create(context(topic="bitrix24.lead.create", variables=CARD)))
    task = context(
        topic="bitrix24.lead.move",
        variables={"bitrix_lead_id": lead_id, "stage": "junk"},
        properties={"bitrix.lead.stage": "processed"},
    )
    assert lead_id_of(handlers.move(task)) == lead_id
    assert sandbox.state()["leads"][0]["STATUS_ID"] == "PROCESSED"
    handlers.move(
        context(topic="bitrix24.lead.move", variables={"bitrix_lead_id": lead_id, "stage": "CONVERTED"})
    )
    assert sandbox.state()["leads"][0]["STATUS_ID"] == "CONVERTED"


def test_move_and_update_refuse_bad_input(sandbox: Sandbox) -> None:
    handlers = leads(sandbox)
    with pytest.raises(PermanentError, match="unknown lead stage 'limbo'"):
        handlers.move(context(topic="bitrix24.lead.move", variables={"bitrix_lead_id": 1, "stage": "limbo"}))
    with pytest.raises(PermanentError, match="no stage"):
        handlers.move(context(topic="bitrix24.lead.move", variables={"bitrix_lead_id": 1}))
    with pytest.raises(PermanentError, match="'bitrix_lead_id'"):
        handlers.update(context(topic="bitrix24.lead.update", variables={"stage": "new"}))
    with pytest.raises(PermanentError, match="Not found"):
        handlers.move(context(topic="bitrix24.lead.move", variables={"bitrix_lead_id": 404, "stage": "new"}))


def test_split_name() -> None:
    assert split_name("Cher", "first_last") == {"NAME": "Cher"}
    assert split_name("  ", "first_last") == {}
    assert split_name("Anna Smirnova", "first_last") == {"NAME": "Anna", "LAST_NAME": "Smirnova"}


WEBHOOK = "https://leads-test.example/rest/1/l34dsc0de7x/"


@responses.activate
def test_a_retried_create_finds_the_lead_an_earlier_attempt_made() -> None:
    config = settings()
    client = build_client(
        config,
        "creator",
        session=requests.Session(),
        environ={"BITRIX24_WEBHOOK_URL": WEBHOOK},
        limiter=LeakyBucket(1000, 1000),
    )
    responses.post(WEBHOOK + "crm.lead.list", json={"result": [{"ID": "31"}], "total": 1})
    outcome = Leads(client, config.leads).create(
        context(topic="bitrix24.lead.create", variables=CARD, task_id="ext-5", attempt=2)
    )
    assert lead_id_of(outcome) == 31
    (call,) = responses.calls
    assert json.loads(call.request.body or b"{}")["filter"] == {
        "ORIGINATOR_ID": "exchanger",
        "ORIGIN_ID": "ext-5",
    }
