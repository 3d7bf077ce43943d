"""OpenProject client against ``responses``: every error class, headers, paging, the connection."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from core.errors import ConfigError, PermanentError, RetryableError, TransportFailure
from core.redact import redact
from systems.openproject.connection import build_client
from systems.openproject.errors import (
    OpenProjectAuthError,
    OpenProjectConflict,
    OpenProjectInvalid,
    OpenProjectNotFound,
    OpenProjectProtocolError,
    OpenProjectRejected,
    OpenProjectTransient,
)
from tests.fixtures.openproject.support import (
    API,
    BASE,
    TOKEN,
    client,
    collection,
    hal_error,
    settings,
    work_package,
)

CREATE = f"{API}/projects/demo/work_packages"
BODY = {"subject": "Approve the offer", "_links": {"type": {"href": "/api/v3/types/1"}}}


def query(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def refused(status: int, body: Any) -> Exception:
    responses.post(CREATE, status=status, json=body)
    with pytest.raises(Exception) as caught:
        client().create_work_package("demo", BODY)
    return caught.value


@responses.activate
def test_create_posts_json_with_basic_apikey_auth_and_returns_the_201_work_package() -> None:
    responses.post(CREATE, status=201, json=work_package(1528))
    created = client().create_work_package("demo", BODY)
    assert created["id"] == 1528
    request = responses.calls[0].request
    assert query(responses.calls[0]) == {"notify": ["false"]}
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Accept"] == "application/hal+json"
    expected = base64.b64encode(f"apikey:{TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert json.loads(request.body or b"{}") == BODY


@responses.activate
def test_a_project_identifier_is_one_quoted_path_segment() -> None:
    responses.post(f"{API}/projects/a%2Fb/work_packages", status=201, json=work_package(3))
    assert client().create_work_package("a/b", BODY)["id"] == 3


@responses.activate
def test_401_names_the_token_variable_and_never_the_token() -> None:
    error = refused(
        401, hal_error("Unauthenticated", "You need to be authenticated to access this resource.")
    )
    assert isinstance(error, OpenProjectAuthError) and isinstance(error, PermanentError)
    assert "OPENPROJECT_API_TOKEN is not accepted (Unauthenticated)" in str(error)
    assert TOKEN not in str(error)


@responses.activate
def test_401_from_a_proxy_without_json_is_still_an_auth_error() -> None:
    responses.post(CREATE, status=401, body="<html>login</html>", content_type="text/html")
    with pytest.raises(OpenProjectAuthError, match="OPENPROJECT_API_TOKEN is not accepted"):
        client().create_work_package("demo", BODY)


@responses.activate
def test_403_names_the_missing_permission() -> None:
    error = refused(403, hal_error("MissingPermission", "You are not authorized to add work packages."))
    assert isinstance(error, OpenProjectAuthError)
    assert "permission missing: You are not authorized to add work packages." in str(error)


@responses.activate
def test_404_is_a_permanent_not_found() -> None:
    error = refused(404, hal_error("NotFound", "The requested resource could not be found."))
    assert isinstance(error, OpenProjectNotFound) and not isinstance(error, RetryableError)
    assert "NotFound" in str(error) and "could not be found" in str(error)


@pytest.mark.parametrize(
    ("status", "name", "words"),
    [
        (406, "MissingContentType", "lacked Content-Type: application/json"),
        (415, "UnsupportedMediaType", "is not application/json"),
    ],
)
@responses.activate
def test_406_and_415_are_permanent_with_a_text_that_says_what_was_wrong(
    status: int, name: str, words: str
) -> None:
    error = refused(status, hal_error(name, "Unexpected content type."))
    assert type(error) is OpenProjectRejected
    assert words in str(error) and name in str(error)


@responses.activate
def test_409_is_an_update_conflict() -> None:
    message = "Your changes could not be saved because the resource was changed meanwhile."
    responses.patch(f"{API}/work_packages/7", status=409, json=hal_error("UpdateConflict", message))
    with pytest.raises(OpenProjectConflict) as caught:
        client().update_work_package(7, {"lockVersion": 1})
    assert caught.value.identifier == "UpdateConflict" and caught.value.status == 409


@responses.activate
def test_422_single_constraint_keeps_the_api_message() -> None:
    body = hal_error(
        "PropertyConstraintViolation",
        "Subject can't be blank.",
        _embedded={"details": {"attribute": "subject"}},
    )
    error = refused(422, body)
    assert isinstance(error, OpenProjectInvalid)
    assert "PropertyConstraintViolation: Subject can't be blank." in str(error)


@responses.activate
def test_422_multiple_errors_joins_each_fields_message() -> None:
    inner = [
        hal_error(
            "PropertyConstraintViolation",
            "Subject can't be blank.",
            _embedded={"details": {"attribute": "subject"}},
        ),
        hal_error(
            "PropertyConstraintViolation",
            "Budget can't be blank.",
            _embedded={"details": {"attribute": "customField5"}},
        ),
    ]
    body = hal_error(
        "MultipleErrors", "Multiple field constraints have been violated.", _embedded={"errors": inner}
    )
    error = refused(422, body)
    assert isinstance(error, OpenProjectInvalid)
    assert "subject: Subject can't be blank.; customField5: Budget can't be blank." in str(error)
    assert error.details == "subject: Subject can't be blank.; customField5: Budget can't be blank."


@responses.activate
def test_400_invalid_query_is_permanent() -> None:
    responses.get(
        f"{API}/work_packages", status=400, json=hal_error("InvalidQuery", "Filter Foo does not exist.")
    )
    with pytest.raises(OpenProjectRejected, match="InvalidQuery: Filter Foo does not exist"):
        client().work_packages_page([{"foo": {"operator": "=", "values": ["1"]}}], page_size=10)


@responses.activate
def test_429_is_retryable_with_the_wait_it_asks_for() -> None:
    responses.post(
        CREATE,
        status=429,
        json=hal_error("TooManyRequests", "Too many requests."),
        headers={"Retry-After": "7"},
    )
    with pytest.raises(OpenProjectTransient) as caught:
        client().create_work_package("demo", BODY)
    assert isinstance(caught.value, RetryableError) and caught.value.retry_after == 7.0


@pytest.mark.parametrize("status", [500, 502, 503])
@responses.activate
def test_5xx_is_retryable_even_as_an_html_page(status: int) -> None:
    responses.post(CREATE, status=status, body="<html>Bad Gateway</html>", content_type="text/html")
    with pytest.raises(OpenProjectTransient) as caught:
        client().create_work_package("demo", BODY)
    assert caught.value.status == status and caught.value.retry_after is None


@responses.activate
def test_a_transport_error_is_a_retryable_transport_failure() -> None:
    responses.post(CREATE, body=requests.ConnectionError("connection refused"))
    with pytest.raises(TransportFailure):
        client().create_work_package("demo", BODY)


@responses.activate
def test_a_2xx_that_is_not_json_is_a_protocol_error() -> None:
    responses.get(f"{API}/work_packages/3", body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(OpenProjectProtocolError):
        client().work_package(3)


@responses.activate
def test_a_comment_is_posted_as_raw_markdown_and_an_empty_201_is_fine() -> None:
    responses.post(f"{API}/work_packages/3/activities", status=201, body="")
    client(notify=True).add_comment(3, "Cancelled")
    assert json.loads(responses.calls[0].request.body or b"{}") == {"comment": {"raw": "Cancelled"}}
    assert query(responses.calls[0]) == {"notify": ["true"]}


@responses.activate
def test_find_pages_by_page_number_until_the_total_is_read() -> None:
    url = f"{API}/work_packages"
    for page, ids in ((1, [1, 2]), (2, [3, 4]), (3, [5])):
        body = collection([work_package(i) for i in ids], total=5, page_size=2, page=page)
        responses.get(
            url,
            json=body,
            match=[responses.matchers.query_param_matcher({"offset": str(page)}, strict_match=False)],
        )
    filters = [{"id": {"operator": "=", "values": ["1", "2", "3", "4", "5"]}}]
    found = client().find_work_packages(filters, page_size=5)
    assert [wp["id"] for wp in found] == [1, 2, 3, 4, 5]
    first = query(responses.calls[0])
    assert json.loads(first["filters"][0]) == filters
    assert first["pageSize"] == ["5"] and first["offset"] == ["1"]
    assert [query(c)["offset"] for c in responses.calls] == [["1"], ["2"], ["3"]]


@responses.activate
def test_an_empty_page_ends_paging_whatever_the_total_says() -> None:
    responses.get(f"{API}/work_packages", json=collection([], total=9, page_size=2))
    assert client().find_work_packages([], page_size=2) == []
    assert len(responses.calls) == 1


# --- the connection ----------------------------------------------------------------------------


def test_a_missing_token_is_a_config_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="set the environment variable OPENPROJECT_API_TOKEN") as caught:
        build_client(settings(), environ={})
    assert caught.value.key == "systems.openproject.options.token_env"


def test_a_missing_url_names_the_option_and_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"options\.base_url or the environment variable OP_URL"):
        build_client(settings(base_url=None, url_env="OP_URL"), environ={"OPENPROJECT_API_TOKEN": TOKEN})


def test_the_url_may_come_from_the_environment_and_the_token_is_redacted_everywhere() -> None:
    env = {"OPENPROJECT_URL": f"{BASE}/api/v3/", "OPENPROJECT_API_TOKEN": TOKEN}
    built = build_client(settings(base_url=None), environ=env)
    assert built.base_url == BASE and built.api == API
    basic = base64.b64encode(f"apikey:{TOKEN}".encode()).decode()
    assert TOKEN not in redact(f"token {TOKEN} header Basic {basic}")
    assert basic not in redact(f"Authorization: {basic}")
    assert TOKEN not in repr(built)


def test_hrefs_follow_the_instances_path_prefix() -> None:
    env = {"OPENPROJECT_API_TOKEN": TOKEN}
    built = build_client(settings(base_url="https://host.example/openproject"), environ=env)
    assert built.href("users", 5) == "/openproject/api/v3/users/5"
