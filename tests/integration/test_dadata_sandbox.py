"""The real DaData client against the real sandbox, started in-process on an ephemeral port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
import requests

from core.errors import CircuitOpenError, RetryableError
from core.http.client import forget_shared
from systems.dadata.errors import DaDataAuthError, DaDataRejected
from systems.dadata.settings import CleanKind
from tests.fixtures.dadata.support import API_KEY, Sandbox, http_config, running_sandbox
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    forget_shared()
    with running_sandbox() as started:
        yield started


def test_each_cleaner_type_answers_with_the_documented_shape(sandbox: Sandbox) -> None:
    dadata = sandbox.client()
    phone = dadata.clean("phone", "раб 846)231.60.14 *139")
    assert phone["phone"] == "+7 846 231-60-14 доб. 139" and phone["type"] == "Стационарный"
    assert (phone["qc"], phone["qc_conflict"], phone["city_code"]) == (0, 0, "846")  # numbers only in qc*
    assert "qc_region" not in phone
    email = dadata.clean("email", "serega@yandex/ru")
    assert (email["email"], email["type"], email["qc"]) == ("serega@yandex.ru", "PERSONAL", 4)
    name = dadata.clean("name", "иванов иван иванович")
    assert (name["surname"], name["gender"], name["qc"]) == ("Иванов", "М", 0)
    address = dadata.clean("address", "г Москва, ул Сухонская, д 11, кв 89")
    assert address["qc"] == 0 and isinstance(address["geo_lat"], str) and isinstance(address["qc_geo"], int)
    assert dadata.clean("phone", "")["qc"] == 2
    assert sandbox.state()["cleaned"]["phone"] == {"раб 846)231.60.14 *139": 1, "": 1}


def test_parties_by_inn_and_ogrn_main_office_first_and_not_found_is_an_empty_list(sandbox: Sandbox) -> None:
    dadata = sandbox.client()
    (main,) = dadata.find_party("7707083893", branch_type="MAIN")
    assert main["data"]["kpp"] == "773601001" and main["data"]["state"]["status"] == "ACTIVE"
    assert [s["data"]["branch_type"] for s in dadata.find_party("1027700132195")] == ["MAIN", "BRANCH"]
    assert dadata.find_party("0000000000") == []


def test_a_429_storm_is_absorbed_by_retries_on_kept_alive_connections(sandbox: Sandbox) -> None:
    sandbox.fault("rate_limited", count=2, endpoint="clean")
    opened = sandbox.state()["connections"]  # the control session's
    dadata = sandbox.client()
    assert dadata.clean("phone", "+7 900 123-45-67")["qc"] == 0
    state = sandbox.state()
    assert state["statuses"] == {"429": 2, "200": 1}
    assert state["cleaned"]["phone"] == {"+7 900 123-45-67": 1}  # billed once
    assert state["connections"] == opened + 1  # three requests, one new connection


def test_a_connection_per_call_meets_the_new_connections_limit(sandbox: Sandbox) -> None:
    sandbox.control("POST", "settings", {"connections_per_minute": 2})
    headers = {"Authorization": f"Token {API_KEY}"}
    url = f"{sandbox.suggestions}/findById/party"
    statuses = [
        requests.post(url, json={"query": "7707083893"}, headers=headers, timeout=5).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(("kind", "status"), [("unauthorized", 401), ("no_funds", 402), ("forbidden", 403)])
def test_auth_faults_are_incidents_without_retries(sandbox: Sandbox, kind: str, status: int) -> None:
    sandbox.fault(kind)
    with pytest.raises(DaDataAuthError) as raised:
        sandbox.client().clean("email", "a@b.ru")
    assert raised.value.status == status
    assert sandbox.state()["requests"] == {"clean/email": 1}


def test_wrong_keys_and_bad_bodies_are_refused(sandbox: Sandbox) -> None:
    with pytest.raises(DaDataAuthError) as raised:
        sandbox.client(secret="not-the-secret").clean("phone", "1")
    assert raised.value.status == 403
    response = sandbox.http.post(
        f"{sandbox.cleaner}/phone",
        json={"not": "an array"},
        headers={"Authorization": f"Token {API_KEY}", "X-Secret": "sandbox-x-secret"},
        timeout=5,
    )
    assert response.status_code == 400 and response.json()["family"] == "CLIENT_ERROR"
    too_many = sandbox.http.post(
        f"{sandbox.cleaner}/phone",
        json=["1"] * 51,
        headers={"Authorization": f"Token {API_KEY}", "X-Secret": "sandbox-x-secret"},
        timeout=5,
    )
    assert too_many.status_code == 413
    with pytest.raises(DaDataRejected):
        sandbox.client().clean(cast(CleanKind, "passport"), "4509 235857")


def test_a_5xx_streak_opens_the_circuit_and_a_probe_closes_it(sandbox: Sandbox) -> None:
    sandbox.fault("server_error", count=3, status=503)
    dadata = sandbox.client(config=http_config(failures=3))
    with pytest.raises(RetryableError, match="HTTP 503"):
        dadata.clean("phone", "+7 900 123-45-67")  # three attempts, three failures
    with pytest.raises(CircuitOpenError):
        dadata.clean("phone", "+7 900 123-45-67")  # refused without a request
    assert sandbox.state()["requests"] == {"clean/phone": 3}

    def probe() -> dict[str, Any] | None:
        try:
            return dadata.clean("phone", "+7 900 123-45-67")
        except CircuitOpenError:  # still cooling down: nothing was sent
            return None

    record = wait_for(probe, timeout=10, what="the circuit to let a probe through after its cool-down")
    assert record["qc"] == 0


def test_a_retry_after_longer_than_the_client_waits_goes_to_the_delay_queue(sandbox: Sandbox) -> None:
    sandbox.fault("rate_limited", count=1, retry_after_s=20)
    with pytest.raises(RetryableError) as raised:
        sandbox.client().find_party("7707083893")
    assert raised.value.retry_after == 20
