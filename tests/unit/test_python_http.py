"""The ``http.request`` handler and the safe templating it uses (HTTP mocked with ``responses``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses
from loguru import logger

from core import http
from core.actions.router import TaskRouter
from core.config.models import CircuitConfig, SystemConfig
from core.errors import CircuitOpenError, PermanentError, RetryableError
from core.http.retry_after import parse_retry_after as retry_after_seconds
from core.templates import Scope, Template, render_json
from systems.python import create_router
from tests.unit.test_python_system import completed, run

API = "https://api.example.test"
TOKEN = "s3cr3t-token-value"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def router() -> TaskRouter:
    return create_router({"session": requests.Session()})


def call(router: TaskRouter, properties: dict[str, str], variables: dict[str, Any] | None = None) -> Any:
    return run(router, "http.request", variables or {}, properties=properties)


def sent(mocked: responses.RequestsMock, index: int = 0) -> Any:
    return mocked.calls[index].request


# --- happy paths -------------------------------------------------------------------------


def test_get_with_templated_url_and_headers_completes_with_status_and_json_body(
    router: TaskRouter, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{API}/weather", json={"main": {"temp": 21.5}})
    properties = {
        "http.url": API + "/weather?q={{ city }}&units={{ settings.units }}",
        "http.headers": json.dumps({"Authorization": "Bearer {{ token }}", "Accept": "application/json"}),
    }
    variables = {"city": "Nizhny Novgorod & Co/1", "settings": {"units": "metric"}, "token": TOKEN}

    result = completed(call(router, properties, variables))

    assert result == {"http_status": 200, "http_body": {"main": {"temp": 21.5}}}
    request = sent(mocked)
    assert request.method == "GET"
    assert request.url == f"{API}/weather?q=Nizhny%20Novgorod%20%26%20Co%2F1&units=metric"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.req_kwargs["timeout"] == 30.0
    assert request.req_kwargs["verify"] not in (False, None, "")  # True, or the environment's CA bundle


def test_response_mapping_reads_paths_status_and_headers(
    router: TaskRouter, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{API}/w", json={"main": {"temp": 3}, "list": [{"id": 7}]}, headers={"X-Request-Id": "r-1"})
    mapping = {"temp": "main.temp", "first": "list.0.id", "status": "$status", "rid": "$headers.x-request-id"}
    mapping |= {"absent": "main.pressure", "all": "$body"}
    properties = {"http.url": f"{API}/w", "http.response": json.dumps(mapping), "http.timeout_s": "2.5"}

    result = completed(call(router, properties))

    assert result == {
        "temp": 3,
        "first": 7,
        "status": 200,
        "rid": "r-1",
        "absent": None,
        "all": {"main": {"temp": 3}, "list": [{"id": 7}]},
    }
    assert sent(mocked).req_kwargs["timeout"] == 2.5


def test_json_body_keeps_value_types_and_cannot_be_broken_by_quotes(
    router: TaskRouter, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{API}/leads", json={"id": 1}, status=201)
    body = {"title": "Lead: {{ name }}", "count": "{{ count }}", "tags": "{{ tags }}", "when": "{{ at }}"}
    properties = {"http.url": f"{API}/leads", "http.method": "post", "http.body": json.dumps(body)}
    properties["http.body_json"] = "true"
    at = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    variables = {"name": 'O"Brien {{ count }}', "count": 3, "tags": ["a", "b"], "at": at}

    assert completed(call(router, properties, variables)) == {"http_status": 201, "http_body": {"id": 1}}
    request = sent(mocked)
    assert json.loads(request.body) == {
        "title": 'Lead: O"Brien {{ count }}',  # substituted once, never expanded again
        "count": 3,
        "tags": ["a", "b"],
        "when": at.isoformat(),
    }
    assert request.headers["Content-Type"] == "application/json"


def test_text_body_is_rendered(router: TaskRouter, mocked: responses.RequestsMock) -> None:
    mocked.put(f"{API}/note", body="saved", content_type="text/plain")
    properties = {"http.url": f"{API}/note", "http.method": "PUT", "http.body": "Hello {{ name }}"}
    assert completed(call(router, properties, {"name": "Ann"})) == {"http_status": 200, "http_body": "saved"}
    assert sent(mocked).body == b"Hello Ann"


def test_http_request_variable_overrides_properties(
    router: TaskRouter, mocked: responses.RequestsMock
) -> None:
    mocked.post(f"{API}/override", json={"ok": True})
    override = {
        "url": f"{API}/override",
        "http.method": "POST",
        "body": {"id": "{{ id }}"},
        "ok_statuses": [200],
    }
    properties = {"http.url": f"{API}/ignored", "http.method": "GET"}
    result = completed(call(router, properties, {"http_request": override, "id": 42}))
    assert result["http_body"] == {"ok": True}
    assert json.loads(sent(mocked).body) == {"id": 42}


def test_configured_ok_status_completes(router: TaskRouter, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/item", status=404, json={"error": "not found"})
    properties = {"http.url": f"{API}/item", "http.ok_statuses": "200, 404"}
    assert completed(call(router, properties)) == {"http_status": 404, "http_body": {"error": "not found"}}


def test_large_body_is_truncated_to_64_kb_of_text(router: TaskRouter, mocked: responses.RequestsMock) -> None:
    payload = json.dumps({"items": ["x" * 100] * 1000})
    mocked.get(f"{API}/big", body=payload, content_type="application/json")
    result = completed(call(router, {"http.url": f"{API}/big"}))
    assert result["http_body"] == payload[: 64 * 1024]


def test_ca_bundle_option_is_used_for_verification(mocked: responses.RequestsMock, tmp_path: Any) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="ascii")
    router = create_router({"session": requests.Session(), "ca_bundle": str(bundle)})
    mocked.get(f"{API}/tls", json={})
    call(router, {"http.url": f"{API}/tls"})
    assert sent(mocked).req_kwargs["verify"] == str(bundle)


# --- statuses and network errors ---------------------------------------------------------


def test_429_retries_after_the_seconds_in_retry_after(
    router: TaskRouter, mocked: responses.RequestsMock
) -> None:
    mocked.get(f"{API}/limited", status=429, headers={"Retry-After": "7"})
    with pytest.raises(RetryableError, match="429") as caught:
        call(router, {"http.url": f"{API}/limited"})
    assert caught.value.retry_after == 7.0


def test_503_retries_after_an_http_date(router: TaskRouter, mocked: responses.RequestsMock) -> None:
    later = datetime.now(UTC) + timedelta(seconds=120)
    mocked.get(f"{API}/busy", status=503, headers={"Retry-After": format_datetime(later, usegmt=True)})
    with pytest.raises(RetryableError, match="503") as caught:
        call(router, {"http.url": f"{API}/busy"})
    assert caught.value.retry_after is not None and 100 < caught.value.retry_after <= 121


@pytest.mark.parametrize("status", [500, 502, 504])
def test_5xx_is_retryable(router: TaskRouter, mocked: responses.RequestsMock, status: int) -> None:
    mocked.get(f"{API}/down", status=status, body="oops")
    with pytest.raises(RetryableError, match=str(status)) as caught:
        call(router, {"http.url": f"{API}/down"})
    assert caught.value.retry_after is None


@pytest.mark.parametrize("error", [requests.ConnectionError("refused"), requests.ReadTimeout("slow")])
def test_network_errors_are_retryable(
    router: TaskRouter, mocked: responses.RequestsMock, error: Exception
) -> None:
    mocked.get(f"{API}/net", body=error)
    with pytest.raises(RetryableError, match=r"GET https://api\.example\.test/net"):
        call(router, {"http.url": f"{API}/net?api_key={TOKEN}"})


def test_4xx_is_permanent_with_status_and_masked_excerpt(
    router: TaskRouter, mocked: responses.RequestsMock
) -> None:
    mocked.post(
        f"{API}/users", status=422, body=f"bad request; you sent X-Api-Key {TOKEN}; field 'email' invalid"
    )
    properties = {
        "http.url": f"{API}/users?token={TOKEN}",
        "http.method": "POST",
        "http.headers": json.dumps({"X-Api-Key": "{{ key }}"}),
    }
    with pytest.raises(PermanentError) as caught:
        call(router, properties, {"key": TOKEN})
    message = str(caught.value)
    assert "HTTP 422" in message and "field 'email' invalid" in message
    assert TOKEN not in message and TOKEN not in (caught.value.details or "")
    assert "***" in message


def test_redirects_are_not_followed(router: TaskRouter, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/old", status=301, headers={"Location": "https://elsewhere.test/"})
    with pytest.raises(PermanentError, match="301"):
        call(router, {"http.url": f"{API}/old"})
    assert len(mocked.calls) == 1


def test_answer_over_the_size_limit_is_permanent(mocked: responses.RequestsMock) -> None:
    router = create_router({"session": requests.Session(), "http_max_response_bytes": 1000})
    mocked.get(f"{API}/huge", body="x" * 5000)
    with pytest.raises(PermanentError, match="larger than 1000 bytes"):
        call(router, {"http.url": f"{API}/huge"})


def test_mapping_into_a_text_answer_is_permanent(router: TaskRouter, mocked: responses.RequestsMock) -> None:
    mocked.get(f"{API}/html", body="<html></html>", content_type="text/html")
    properties = {"http.url": f"{API}/html", "http.response": '{"t": "main.temp"}'}
    with pytest.raises(PermanentError, match="not JSON"):
        call(router, properties)


def test_secrets_never_reach_the_log(router: TaskRouter, mocked: responses.RequestsMock) -> None:
    lines: list[str] = []
    sink = logger.add(lines.append, level="DEBUG", format="{message}")
    try:
        mocked.get(f"{API}/secret", status=401, body="unauthorised")
        properties = {
            "http.url": f"{API}/secret?key={{{{ key }}}}",
            "http.headers": '{"Authorization": "{{ key }}"}',
        }
        with pytest.raises(PermanentError):
            call(router, properties, {"key": TOKEN})
    finally:
        logger.remove(sink)
    assert lines and not any(TOKEN in line for line in lines)


# --- configuration errors (no call is made) ----------------------------------------------


@pytest.mark.parametrize(
    ("properties", "variables", "named"),
    [
        ({}, {}, "'http.url' is missing"),
        ({"http.url": "  "}, {}, "'http.url' is missing"),
        ({"http.url": API + "/{{ missing }}"}, {}, "'missing' is missing"),
        ({"http.url": API + "/{{ a.b.c }}"}, {"a": {"b": {}}}, "'a.b.c' is missing"),
        ({"http.url": API + "/{{ name.__class__ }}"}, {"name": "x"}, "'name.__class__' is missing"),
        ({"http.url": API + "/{{ a + b }}"}, {"a": 1, "b": 2}, "not a placeholder"),
        ({"http.url": API + "/{{ '{0.__class__}'.format(x) }}"}, {}, "not a placeholder"),
        ({"http.url": "ftp://files.test/{{ x }}"}, {"x": 1}, "absolute http"),
        ({"http.url": "{{ host }}"}, {"host": "https://evil.test/"}, "absolute http"),
        ({"http.url": API, "http.method": "TRACE"}, {}, "'http.method' must be one of"),
        ({"http.url": API, "http.headers": "[1]"}, {}, "'http.headers' must be a JSON object"),
        ({"http.url": API, "http.headers": "{bad"}, {}, "'http.headers' is not valid JSON"),
        ({"http.url": API, "http.headers": '{"X": 1}'}, {}, "'http.headers' must map header names"),
        ({"http.url": API, "http.headers": '{"Bad Name": "1"}'}, {}, "invalid header name"),
        ({"http.url": API, "http.headers": '{"X-Note": "{{ v }}"}'}, {"v": "a\r\nInjected: 1"}, "line break"),
        ({"http.url": API, "http.timeout_s": "0"}, {}, "'http.timeout_s' must be a number"),
        ({"http.url": API, "http.timeout_s": "soon"}, {}, "'http.timeout_s' must be a number"),
        ({"http.url": API, "http.body": "{x", "http.body_json": "true"}, {}, "'http.body' is not valid JSON"),
        ({"http.url": API, "http.body_json": "maybe"}, {}, "'http.body_json' must be true or false"),
        ({"http.url": API, "http.response": "{}"}, {}, "'http.response' must map"),
        ({"http.url": API, "http.response": '{"s": "$code"}'}, {}, "'$code' is not $status"),
        ({"http.url": API, "http.ok_statuses": "[200, 99]"}, {}, "'http.ok_statuses' must be a list"),
        ({"http.url": API, "http.ok_statuses": "ok"}, {}, "'http.ok_statuses' must be a list"),
        ({"http.url": API, "http.verb": "GET"}, {}, "'http.verb' is not an http.request setting"),
        ({"http.url": API}, {"http_request": [1]}, "'http_request' must be a Json object"),
        ({"http.url": API}, {"http_request": {"uri": "x"}}, "key 'uri' of variable 'http_request'"),
        (
            {"http.url": API},
            {"http_request": {"url": 5}},
            "key 'url' of variable 'http_request' must be text",
        ),
        ({"http.url": API, "http.body": "{{ f }}"}, {"f": b"raw"}, "'f' is a bytes"),
    ],
)
def test_invalid_configuration_is_permanent_and_named(
    router: TaskRouter,
    mocked: responses.RequestsMock,
    properties: dict[str, str],
    variables: dict[str, Any],
    named: str,
) -> None:
    with pytest.raises(PermanentError) as caught:
        call(router, properties, variables)
    assert named in str(caught.value)
    assert str(caught.value).startswith("http.request:")
    assert len(mocked.calls) == 0


# --- templating and Retry-After details --------------------------------------------------


def test_template_reads_variables_then_extension_properties_by_whole_name() -> None:
    scope = Scope({"user": {"name": "Ann", "tags": ["a", "b"]}, "n": None}, {"api.base": "v2"})
    template = Template("{{user.name}}/{{ user.tags.1 }}/{{ api.base }}/{{ n }}/{{ user.tags }}", origin="t")
    assert template.render(scope) == 'Ann/b/v2/null/["a", "b"]'
    assert template.whole_path is None
    assert Template("{{ user }}", origin="t").whole_path == "user"


def test_template_leaves_single_braces_and_format_fields_alone() -> None:
    scope = Scope({"x": "{y}"}, {})
    assert Template("{a} {0} %s {{ x }}", origin="t").render(scope) == "{a} {0} %s {y}"


def test_render_json_converts_keys_and_nested_values() -> None:
    scope = Scope({"k": "key", "v": {"when": datetime(2024, 1, 1, tzinfo=UTC)}}, {})
    assert render_json({"{{ k }}": ["{{ v }}", 1, None]}, scope, "t") == {
        "key": [{"when": "2024-01-01T00:00:00+00:00"}, 1, None]
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("12", 12.0),
        (" 1.5 ", 1.5),
        ("-3", None),
        ("soon", None),
        ("Wed, 21 Oct 2015", None),
    ],
)
def test_retry_after_values(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_dates_in_the_past_mean_now() -> None:
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0.0


def test_a_failing_host_opens_its_own_circuit_and_other_hosts_go_on(
    router: TaskRouter, mocked: responses.RequestsMock
) -> None:
    http.configure("python", SystemConfig(circuit=CircuitConfig(failures=2, cooldown_s=60)))
    mocked.get(f"{API}/down", body=requests.ConnectionError("refused"))
    mocked.get("https://other.example.test/up", json={"ok": True})
    for _ in range(2):
        with pytest.raises(RetryableError, match="failed: ConnectionError"):
            call(router, {"http.url": f"{API}/down"})

    with pytest.raises(CircuitOpenError):  # nothing is sent to the failing host now
        call(router, {"http.url": f"{API}/down"})
    assert completed(call(router, {"http.url": "https://other.example.test/up"}))["http_status"] == 200
    assert len(mocked.calls) == 3
    http.configure("python", SystemConfig())
