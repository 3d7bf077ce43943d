"""The shared HTTP layer: limits, circuit breaker, Retry-After, and the call path systems use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests
import responses

from core.config.models import CircuitConfig, LimitsConfig, SystemConfig
from core.errors import CircuitOpenError, RetryableError, TransportFailure
from core.http import CircuitBreaker, CircuitState, retry_after_s, system_http
from tests.unit.fakes import FakeClock

URL = "https://api.example.test/v1/thing"


def test_the_circuit_opens_after_consecutive_failures_and_probes_once_after_the_cooldown() -> None:
    clock = FakeClock()
    circuit = CircuitBreaker("dadata", failures=3, cooldown_s=10, clock=clock)
    for _ in range(2):
        circuit.failure()
    circuit.success()  # a success in between resets the count
    for _ in range(3):
        circuit.check()
        circuit.failure()
    assert circuit.state is CircuitState.OPEN
    with pytest.raises(CircuitOpenError) as refused:
        circuit.check()
    assert refused.value.spends_attempt is False and refused.value.retry_after == pytest.approx(10)

    clock.advance(10)
    circuit.check()  # the probe goes out...
    assert circuit.state is CircuitState.HALF_OPEN
    with pytest.raises(CircuitOpenError):
        circuit.check()  # ...alone
    circuit.failure()  # and fails: open for another cool-down
    assert circuit.state is CircuitState.OPEN
    clock.advance(10)
    circuit.check()
    circuit.success()
    assert circuit.state is CircuitState.CLOSED
    circuit.check()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "Thu, 01 Jan 1970 00:01:40 GMT"}, 40.0),
        ({"X-Ratelimit-Retry": "3"}, 3.0),
        ({"X-Rate-Limit-Retry-After-Seconds": "12"}, 12.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_the_wait_a_system_asks_for(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_s(headers, now=datetime(1970, 1, 1, 0, 1, tzinfo=UTC)) == expected


@responses.activate
def test_5xx_and_transport_failures_open_the_circuit_and_429_carries_the_wait() -> None:
    config = SystemConfig(
        circuit=CircuitConfig(failures=2, cooldown_s=60), limits=LimitsConfig(rate=100, burst=100)
    )
    http = system_http("dadata", config)
    responses.add(responses.POST, URL, status=429, headers={"Retry-After": "5"})
    responses.add(responses.POST, URL, status=503)
    responses.add(responses.POST, URL, body=requests.ConnectionError("reset"))

    answer = http.request("POST", URL, json=[])
    with pytest.raises(RetryableError) as limited:
        http.raise_retryable(answer, "clean")
    assert limited.value.retry_after == 5.0 and limited.value.spends_attempt
    assert http.request("POST", URL).status_code == 503
    with pytest.raises(TransportFailure):
        http.request("POST", URL)
    with pytest.raises(CircuitOpenError):
        http.request("POST", URL)
    assert len(responses.calls) == 3  # the open circuit sent nothing
    # Another client of the same system in this process shares the circuit
    with pytest.raises(CircuitOpenError):
        system_http("dadata", config).request("POST", URL)


@responses.activate
def test_tls_is_verified_and_a_ca_bundle_adds_trust_without_turning_checks_off() -> None:
    responses.add(responses.GET, URL, json={})
    system_http("a", SystemConfig()).request("GET", URL)
    system_http("b", SystemConfig(ca_bundle="/etc/ssl/private-ca.pem")).request("GET", URL)
    default, bundle = (call.request.req_kwargs["verify"] for call in responses.calls)
    assert default not in (False, None, "")  # True, or the environment's CA bundle: checked either way
    assert bundle == "/etc/ssl/private-ca.pem"
