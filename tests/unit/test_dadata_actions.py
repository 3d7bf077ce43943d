"""The DaData topics: input variables, typed results and the quality policy per topic."""

from __future__ import annotations

from typing import Any, cast

import pytest

from core.actions.outcomes import BpmnError, Complete
from core.actions.router import TaskRouter
from core.errors import BusinessError, ConfigError, PermanentError
from systems.dadata import build_router
from systems.dadata.client import DaDataClient
from systems.dadata.connection import build_client
from systems.dadata.settings import load_settings
from tests.fixtures.dadata.support import context

SBER = {
    "value": "ПАО СБЕРБАНК",
    "data": {
        "inn": "7707083893",
        "kpp": "773601001",
        "ogrn": "1027700132195",
        "type": "LEGAL",
        "name": {"short_with_opf": "ПАО СБЕРБАНК", "full_with_opf": 'ПАО "СБЕРБАНК РОССИИ"'},
        "state": {"status": "ACTIVE"},
    },
}


class StubClient:
    """Answers like DaData and records what was asked."""

    def __init__(
        self, record: dict[str, Any] | None = None, parties: list[dict[str, Any]] | None = None
    ) -> None:
        self.record = record or {}
        self.parties = parties or []
        self.calls: list[tuple[str, Any]] = []

    def clean(self, kind: str, value: str) -> dict[str, Any]:
        self.calls.append((kind, value))
        return {"source": value, **self.record}

    def find_party(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
        self.calls.append(("party", (query, kwargs)))
        return self.parties


def router(stub: StubClient, **options: Any) -> TaskRouter:
    return build_router(load_settings(options), cast(DaDataClient, stub))


def run(stub: StubClient, topic: str, **kwargs: Any) -> Any:
    handler = router(stub).handler_for(topic)
    assert handler is not None
    return handler(context(topic=topic, **kwargs))


MOBILE = {"phone": "+7 900 123-45-67", "type": "Мобильный", "qc": 0}


def test_a_confident_phone_completes_with_typed_variables_named_after_the_input() -> None:
    stub = StubClient(MOBILE)
    outcome = run(stub, "dadata.clean.phone", variables={"phone": "8 900 1234567"})
    assert isinstance(outcome, Complete)
    assert stub.calls == [("phone", "8 900 1234567")]
    assert outcome.variables == {
        "phone_clean": "+7 900 123-45-67",
        "phone_qc": 0,
        "phone_type": "Мобильный",
        "phone_record": {"source": "8 900 1234567", **MOBILE},
        "phone_needs_check": False,
    }


def test_the_input_comes_from_the_property_and_results_may_take_another_prefix() -> None:
    stub = StubClient({"email": "a@b.ru", "type": "PERSONAL", "qc": 0})
    props = {"dadata.input": "customer_email", "dadata.output": "mail"}
    outcome = run(stub, "dadata.clean.email", variables={"customer_email": "A@b.ru"}, properties=props)
    assert stub.calls == [("email", "A@b.ru")]
    assert outcome.variables["mail_clean"] == "a@b.ru" and outcome.variables["mail_type"] == "PERSONAL"


def test_a_name_reports_its_gender_and_an_address_has_no_type() -> None:
    name = run(
        StubClient({"result": "Иванов Иван", "gender": "М", "qc": 0}),
        "dadata.clean.name",
        variables={"name": "иванов иван"},
    )
    assert name.variables["name_gender"] == "М" and name.variables["name_clean"] == "Иванов Иван"
    address = run(
        StubClient({"result": "г Москва", "qc": 0}), "dadata.clean.address", variables={"address": "мск"}
    )
    assert "address_type" not in address.variables and address.variables["address_clean"] == "г Москва"


@pytest.mark.parametrize(
    ("topic", "kind", "qc"),
    [
        ("dadata.clean.phone", "phone", 1),
        ("dadata.clean.phone", "phone", 3),
        ("dadata.clean.email", "email", 1),
        ("dadata.clean.email", "email", 4),
    ],
)
def test_needs_check_completes_with_the_flag_when_the_activity_does_not_catch_it(
    topic: str, kind: str, qc: int
) -> None:
    outcome = run(StubClient({"qc": qc}), topic, variables={kind: "value"})
    assert isinstance(outcome, Complete) and outcome.variables[f"{kind}_needs_check"] is True


def test_needs_check_is_a_bpmn_error_when_the_activity_catches_it() -> None:
    outcome = run(
        StubClient({"qc": 3}),
        "dadata.clean.phone",
        variables={"phone": "1, 2"},
        caught=("DADATA_NEEDS_CHECK",),
    )
    assert isinstance(outcome, BpmnError) and outcome.code == "DADATA_NEEDS_CHECK"
    assert outcome.variables["phone_qc"] == 3 and outcome.variables["phone_needs_check"] is True


def test_garbage_is_dadata_invalid_naming_the_field_never_the_value() -> None:
    with pytest.raises(BusinessError) as raised:
        run(StubClient({"qc": 2}), "dadata.clean.phone", variables={"phone": "+7 900 999-88-77 !!"})
    assert raised.value.code == "DADATA_INVALID" and "phone" in str(raised.value)
    assert "999" not in str(raised.value) and raised.value.variables == {"phone_qc": 2}


def test_an_empty_input_is_invalid_without_calling_dadata() -> None:
    stub = StubClient()
    with pytest.raises(BusinessError, match="email is empty"):
        run(stub, "dadata.clean.email", variables={"email": "  "})
    assert stub.calls == []


def test_a_missing_variable_is_an_incident_naming_it_and_the_property() -> None:
    with pytest.raises(PermanentError, match=r"'phone' is not set .*'dadata\.input'"):
        run(StubClient(), "dadata.clean.phone", variables={"other": "x"})


def test_the_policy_is_configurable_per_topic() -> None:
    strict = router(
        StubClient({"qc": 3}), quality={"email": {"ok": [0], "check": [], "invalid": [1, 2, 3, 4]}}
    )
    handler = strict.handler_for("dadata.clean.email")
    assert handler is not None
    with pytest.raises(BusinessError, match="DaData qc 3"):
        handler(context(topic="dadata.clean.email", variables={"email": "x@mailinator.com"}))


def test_a_qc_in_two_lists_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"systems\.dadata\.options\.quality\.phone"):
        load_settings({"quality": {"phone": {"ok": [0], "check": [0]}}})


def test_the_generic_clean_topic_reads_its_kind_from_a_property() -> None:
    stub = StubClient({"qc": 0})
    run(stub, "dadata.clean", variables={"name": "Анна"}, properties={"dadata.type": "name"})
    assert stub.calls == [("name", "Анна")]
    with pytest.raises(PermanentError, match=r"'dadata\.type'"):
        run(stub, "dadata.clean", variables={"name": "Анна"})


def test_a_party_found_by_inn_completes_with_its_variables() -> None:
    stub = StubClient(parties=[SBER])
    outcome = run(stub, "dadata.party", variables={"inn": 7707083893})
    assert stub.calls == [("party", ("7707083893", {"branch_type": "MAIN", "kpp": None}))]
    assert outcome.variables["party_found"] is True and outcome.variables["party_name"] == "ПАО СБЕРБАНК"
    assert (outcome.variables["party_ogrn"], outcome.variables["party_status"]) == ("1027700132195", "ACTIVE")
    assert outcome.variables["party_record"] == SBER


def test_a_party_not_found_completes_with_party_found_false_unless_caught() -> None:
    outcome = run(StubClient(), "dadata.party", variables={"inn": "0000000000"})
    assert isinstance(outcome, Complete)
    assert outcome.variables["party_found"] is False and outcome.variables["party_name"] is None
    caught = run(StubClient(), "dadata.party", variables={"inn": "0000000000"}, caught=("DADATA_NOT_FOUND",))
    assert isinstance(caught, BpmnError) and caught.code == "DADATA_NOT_FOUND"


def test_the_api_key_must_be_in_the_environment_and_the_error_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="set the environment variable DADATA_API_KEY") as raised:
        build_client(load_settings({}), environ={})
    assert raised.value.key == "systems.dadata.options.api_key_env"
