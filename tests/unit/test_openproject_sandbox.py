"""The OpenProject sandbox over HTTP: the API v3 contract of reference §2, faults and the control API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.support.sandboxes import OpenProjectSandbox, openproject_sandbox

TOKEN = "op-test-token-4f1c"
URN = "urn:openproject-org:api:v3:errors:"


class Api:
    """A plain HTTP client of the sandbox's API (Basic ``apikey:<token>``)."""

    def __init__(self, sandbox: OpenProjectSandbox) -> None:
        self.sandbox = sandbox
        self.http = requests.Session()
        self.http.auth = ("apikey", sandbox.token)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.sandbox.api + path, params=params, timeout=5)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.http.post(self.sandbox.api + path, json=body, timeout=5)

    def patch(self, path: str, body: Any) -> requests.Response:
        return self.http.patch(self.sandbox.api + path, json=body, timeout=5)

    def delete(self, path: str) -> requests.Response:
        return self.http.delete(self.sandbox.api + path, timeout=5)

    def create(self, project: str = "demo", **body: Any) -> dict[str, Any]:
        response = self.post(f"/projects/{project}/work_packages", {"subject": "Check the invoice", **body})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def listing(self, **params: Any) -> dict[str, Any]:
        response = self.get("/work_packages", **params)
        assert response.status_code == 200, response.text
        return dict(response.json())


@pytest.fixture
def sandbox() -> Iterator[OpenProjectSandbox]:
    with openproject_sandbox(TOKEN, rate_limit_rps=None) as started:
        yield started


@pytest.fixture
def api(sandbox: OpenProjectSandbox) -> Iterator[Api]:
    client = Api(sandbox)
    yield client
    client.http.close()


def identifier(response: requests.Response) -> str:
    return str(response.json()["errorIdentifier"]).removeprefix(URN)


def attributes(response: requests.Response) -> set[str]:
    body = response.json()
    errors = body["_embedded"]["errors"] if identifier(response) == "MultipleErrors" else [body]
    return {e["_embedded"]["details"]["attribute"] for e in errors}


def ids(collection: dict[str, Any]) -> list[int]:
    return [element["id"] for element in collection["_embedded"]["elements"]]


# creating --------------------------------------------------------------------------------------


def test_create_answers_201_with_the_full_work_package(api, sandbox):
    response = api.post(
        "/projects/demo/work_packages",
        {
            "subject": "Check the invoice",
            "description": {"format": "markdown", "raw": "Amount: 100"},
            "customField1": "ext-1",
            "_links": {"assignee": {"href": "/api/v3/users/3"}, "priority": {"href": "/api/v3/priorities/9"}},
        },
    )
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/hal+json")
    wp = response.json()
    assert (wp["_type"], wp["id"], wp["lockVersion"], wp["subject"]) == (
        "WorkPackage",
        1,
        0,
        "Check the invoice",
    )
    assert wp["description"]["raw"] == "Amount: 100" and "Amount: 100" in wp["description"]["html"]
    assert wp["customField1"] == "ext-1" and "customField2" not in wp  # not enabled in demo
    links = wp["_links"]
    assert links["status"] == {"href": "/api/v3/statuses/1", "title": "New"}
    assert links["type"]["href"] == "/api/v3/types/1" and links["project"]["href"] == "/api/v3/projects/1"
    assert links["priority"]["title"] == "High" and links["assignee"]["title"] == "Anna Petrova"
    assert links["update"] == {
        "href": "/api/v3/work_packages/1",
        "method": "patch",
        "title": "Update Check the invoice",
    }
    assert links["addComment"]["href"] == "/api/v3/work_packages/1/activities"
    assert links["responsible"] == {"href": None} and links["parent"] == {"href": None}
    assert wp["_embedded"]["status"]["isClosed"] is False
    assert wp["createdAt"].endswith("Z") and wp["createdAt"] == wp["updatedAt"]
    assert sandbox.work_package(1)["custom_fields"] == {"customField1": "ext-1"}
    assert api.get("/work_packages/1").json() == wp


def test_post_work_packages_needs_a_project_link(api):
    missing = api.post("/work_packages", {"subject": "No project"})
    assert missing.status_code == 422 and identifier(missing) == "PropertyConstraintViolation"
    assert attributes(missing) == {"project"}
    created = api.post(
        "/work_packages",
        {"subject": "In ops", "customField2": 42, "_links": {"project": {"href": "/api/v3/projects/2"}}},
    )
    assert created.status_code == 201
    assert (
        created.json()["_links"]["project"]["title"] == "Operations" and created.json()["customField2"] == 42
    )


def test_ids_are_deterministic(api):
    assert [api.create()["id"] for _ in range(3)] == [1, 2, 3]


def test_concurrent_creates_get_distinct_ids(sandbox):
    def create(n: int) -> int:
        with requests.Session() as http:
            body = {"subject": f"Parallel {n}"}
            response = http.post(
                sandbox.api + "/projects/demo/work_packages", json=body, auth=("apikey", TOKEN)
            )
            return int(response.json()["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(create, range(16)))
    assert sorted(created) == list(range(1, 17))
    assert len(sandbox.work_packages()) == 16


# auth, media types, bodies -----------------------------------------------------------------------


def test_basic_apikey_and_bearer_pass_anything_else_is_401(sandbox):
    url = sandbox.api + "/statuses"
    assert requests.get(url, auth=("apikey", TOKEN), timeout=5).status_code == 200
    assert requests.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5).status_code == 200
    refused = [
        requests.get(url, auth=("admin", TOKEN), timeout=5),
        requests.get(url, auth=("apikey", "wrong"), timeout=5),
        requests.get(url, headers={"Authorization": "Bearer wrong"}, timeout=5),
        requests.get(url, timeout=5),
    ]
    assert [r.status_code for r in refused] == [401] * 4
    assert {identifier(r) for r in refused} == {"Unauthenticated"}
    assert refused[1].headers["WWW-Authenticate"].startswith("Basic")
    assert refused[3].json()["message"] == "You need to be authenticated to access this resource."
    assert all(TOKEN not in r.text for r in refused)
    assert sandbox.state()["counters"]["auth_failures"] == 4


def test_missing_content_type_is_406_and_a_wrong_one_415(sandbox):
    url = sandbox.api + "/projects/demo/work_packages"
    body = json.dumps({"subject": "x"})
    missing = requests.post(url, data=body, auth=("apikey", TOKEN), timeout=5)
    assert missing.status_code == 406 and missing.headers["Content-Type"].startswith("text/plain")
    wrong = requests.post(
        url, data=body, auth=("apikey", TOKEN), headers={"Content-Type": "text/plain"}, timeout=5
    )
    assert wrong.status_code == 415 and identifier(wrong) == "TypeNotSupported"
    hal = {"Content-Type": "application/hal+json"}
    assert requests.post(url, data=body, auth=("apikey", TOKEN), headers=hal, timeout=5).status_code == 201
    assert sandbox.work_packages()[0]["subject"] == "x" and len(sandbox.work_packages()) == 1


def test_bodies_that_are_not_one_json_object_are_400(sandbox):
    url = sandbox.api + "/projects/demo/work_packages"
    headers = {"Content-Type": "application/json"}
    broken = requests.post(url, data="{subject:", auth=("apikey", TOKEN), headers=headers, timeout=5)
    assert broken.status_code == 400 and identifier(broken) == "InvalidRequestBody"
    listed = requests.post(url, data="[1]", auth=("apikey", TOKEN), headers=headers, timeout=5)
    assert (
        listed.status_code == 400
        and listed.json()["message"] == "The request body was not a single JSON object."
    )


def test_no_permission_is_403_and_hides_the_action_links(api, sandbox):
    wp = api.create()
    sandbox.project("demo", forbidden=True)
    refused = [
        api.post("/projects/demo/work_packages", {"subject": "x"}),
        api.patch(f"/work_packages/{wp['id']}", {"lockVersion": 0, "subject": "y"}),
        api.post(f"/work_packages/{wp['id']}/activities", {"comment": {"raw": "hi"}}),
        api.delete(f"/work_packages/{wp['id']}"),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert {identifier(r) for r in refused} == {"MissingPermission"}
    shown = api.get(f"/work_packages/{wp['id']}").json()
    assert "update" not in shown["_links"] and "addComment" not in shown["_links"]
    assert api.create("ops", customField2=1)["id"] == 2  # other projects are writable
    sandbox.settings(read_only=True)
    assert api.post("/projects/ops/work_packages", {"subject": "x", "customField2": 1}).status_code == 403


# reading ---------------------------------------------------------------------------------------


def test_missing_and_deleted_work_packages_are_404(api, sandbox):
    assert api.get("/work_packages/999").status_code == 404
    assert identifier(api.get("/work_packages/999")) == "NotFound"
    first, second = api.create(), api.create()
    deleted = api.delete(f"/work_packages/{first['id']}")
    assert deleted.status_code == 204 and deleted.content == b""
    sandbox.delete(second["id"])
    for wp_id in (first["id"], second["id"]):
        assert api.get(f"/work_packages/{wp_id}").status_code == 404
        assert api.get(f"/work_packages/{wp_id}/activities").status_code == 404
        assert api.patch(f"/work_packages/{wp_id}", {"lockVersion": 0}).status_code == 404
    assert sandbox.state()["deleted"] == [1, 2]


def test_deleting_a_parent_deletes_its_children(api, sandbox):
    parent = api.create(subject="Parent")
    child = api.create(subject="Child", _links={"parent": {"href": f"/api/v3/work_packages/{parent['id']}"}})
    assert child["_links"]["parent"] == {"href": f"/api/v3/work_packages/{parent['id']}", "title": "Parent"}
    other = api.create(subject="Other")
    assert api.delete(f"/work_packages/{parent['id']}").status_code == 204
    assert api.get(f"/work_packages/{child['id']}").status_code == 404
    assert [wp["id"] for wp in sandbox.work_packages()] == [other["id"]]


def test_statuses_and_the_other_seed_resources(api):
    statuses = api.get("/statuses").json()
    assert statuses["_type"] == "Collection" and statuses["total"] == statuses["count"] == 6
    seeded = [(s["id"], s["name"], s["isClosed"], s["isReadonly"]) for s in statuses["_embedded"]["elements"]]
    assert seeded == [
        (1, "New", False, False),
        (2, "In Progress", False, False),
        (3, "Resolved", False, False),
        (4, "Feedback", False, False),
        (5, "Closed", True, False),
        (6, "Rejected", True, True),
    ]
    assert api.get("/statuses/5").json()["name"] == "Closed"
    priorities = api.get("/priorities").json()["_embedded"]["elements"]
    assert [(p["id"], p["name"], p["isDefault"]) for p in priorities] == [
        (7, "Low", False),
        (8, "Normal", True),
        (9, "High", False),
        (10, "Immediate", False),
    ]
    assert [t["name"] for t in api.get("/types").json()["_embedded"]["elements"]][:3] == [
        "Task",
        "Milestone",
        "Bug",
    ]
    assert (
        api.get("/projects/demo").json()["id"] == 1 and api.get("/projects/2").json()["identifier"] == "ops"
    )
    assert api.get("/users/3").json()["login"] == "apetrova" and api.get("/users/me").json()["id"] == 2
    assert [api.get(p).status_code for p in ("/statuses/99", "/users/99", "/projects/nope", "/nowhere")] == [
        404
    ] * 4


# updating --------------------------------------------------------------------------------------


def test_patch_needs_the_current_lock_version(api, sandbox):
    wp = api.create()
    path = f"/work_packages/{wp['id']}"
    missing = api.patch(path, {"subject": "New subject"})
    assert missing.status_code == 409 and identifier(missing) == "UpdateConflict"
    assert api.patch(path, {"lockVersion": 5, "subject": "New subject"}).status_code == 409
    saved = api.patch(path, {"lockVersion": 0, "subject": "New subject"})
    assert (
        saved.status_code == 200
        and saved.json()["lockVersion"] == 1
        and saved.json()["subject"] == "New subject"
    )
    assert api.patch(path, {"lockVersion": 0, "subject": "Again"}).status_code == 409
    sandbox.set_status(wp["id"], "In Progress")  # a person edits: the version moves on
    assert api.patch(path, {"lockVersion": 1, "subject": "Again"}).status_code == 409
    assert api.get(path).json()["lockVersion"] == 2


def test_status_changes_through_the_status_link(api):
    wp = api.create()
    closed = api.patch(
        f"/work_packages/{wp['id']}", {"lockVersion": 0, "_links": {"status": {"href": "/api/v3/statuses/5"}}}
    )
    assert closed.status_code == 200
    assert (
        closed.json()["_links"]["status"]["title"] == "Closed"
        and closed.json()["_embedded"]["status"]["isClosed"]
    )


def test_echoing_a_read_body_back_changes_nothing(api):
    wp = api.create()
    echoed = api.patch(f"/work_packages/{wp['id']}", wp)
    assert echoed.status_code == 200 and echoed.json()["lockVersion"] == 0


# validation ------------------------------------------------------------------------------------


def test_one_violation_is_a_property_constraint_violation(api):
    too_long = api.post("/projects/demo/work_packages", {"subject": "x" * 256})
    assert too_long.status_code == 422 and identifier(too_long) == "PropertyConstraintViolation"
    assert attributes(too_long) == {"subject"}
    assert api.create(subject="x" * 255)["subject"] == "x" * 255
    blank = api.post("/projects/demo/work_packages", {"subject": " "})
    assert blank.json()["message"] == "Subject can't be blank."


def test_several_violations_are_multiple_errors(api):
    response = api.post(
        "/projects/ops/work_packages", {"subject": "", "_links": {"assignee": {"href": "/api/v3/users/99"}}}
    )
    assert response.status_code == 422 and identifier(response) == "MultipleErrors"
    assert response.json()["message"] == "Multiple field constraints have been violated."
    assert attributes(response) == {"subject", "customField2", "assignee"}
    assert all(e["_type"] == "Error" for e in response.json()["_embedded"]["errors"])


def test_required_custom_fields_are_configurable(api, sandbox):
    sandbox.project("demo", required=["customField1"])
    refused = api.post("/projects/demo/work_packages", {"subject": "x"})
    assert refused.status_code == 422 and attributes(refused) == {"customField1"}
    assert refused.json()["message"] == "Exchanger task id can't be blank."
    assert api.create(customField1="ext-9")["customField1"] == "ext-9"


def test_bad_links_and_values_are_422(api):
    wp = api.create()
    path = f"/work_packages/{wp['id']}"
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "status": ({"_links": {"status": {"href": "/api/v3/statuses/99"}}}, "PropertyConstraintViolation"),
        "type": ({"_links": {"type": {"href": "/api/v3/users/1"}}}, "ResourceTypeMismatch"),
        "priority": ({"_links": {"priority": {"href": None}}}, "PropertyConstraintViolation"),
        "createdAt": ({"createdAt": "2020-01-01T00:00:00Z"}, "PropertyIsReadOnly"),
        "startDate": ({"startDate": "tomorrow"}, "PropertyFormatError"),
    }
    for attribute, (body, expected) in cases.items():
        response = api.patch(path, {"lockVersion": 0, **body})
        assert (response.status_code, identifier(response)) == (422, expected), attribute
        assert attributes(response) == {attribute}
    ops = api.create("ops", customField2=1)
    not_a_number = api.patch(f"/work_packages/{ops['id']}", {"lockVersion": 0, "customField2": "abc"})
    assert not_a_number.status_code == 422 and attributes(not_a_number) == {"customField2"}
    assert api.get(path).json()["lockVersion"] == 0


def test_a_readonly_status_lets_only_the_status_change(api):
    wp = api.create()
    path = f"/work_packages/{wp['id']}"
    rejected = {"lockVersion": 0, "_links": {"status": {"href": "/api/v3/statuses/6"}}}
    assert api.patch(path, rejected).status_code == 200
    refused = api.patch(path, {"lockVersion": 1, "subject": "Changed"})
    assert refused.status_code == 422 and identifier(refused) == "PropertyIsReadOnly"
    assert attributes(refused) == {"subject"}
    assert api.post(f"{path}/activities", {"comment": {"raw": "Why rejected?"}}).status_code == 201
    reopened = api.patch(path, {"lockVersion": 1, "_links": {"status": {"href": "/api/v3/statuses/1"}}})
    assert reopened.status_code == 200 and reopened.json()["_links"]["status"]["title"] == "New"


def test_the_form_lists_the_schema_and_the_payloads_errors(api):
    form = api.post("/projects/ops/work_packages/form", {})
    assert form.status_code == 200
    body = form.json()
    assert body["_type"] == "Form" and "commit" not in body["_links"]
    schema = body["_embedded"]["schema"]
    assert schema["subject"] == {
        "type": "String",
        "name": "Subject",
        "required": True,
        "hasDefault": False,
        "writable": True,
        "minLength": 1,
        "maxLength": 255,
        "options": {},
    }
    assert (schema["customField2"]["name"], schema["customField2"]["type"]) == ("Order number", "Integer")
    assert schema["customField2"]["required"] and not schema["customField1"]["required"]
    assert schema["id"]["writable"] is False and schema["status"]["hasDefault"] is True
    assert set(body["_embedded"]["validationErrors"]) == {"subject", "customField2"}
    valid = api.post("/projects/ops/work_packages/form", {"subject": "Ok", "customField2": 7}).json()
    assert valid["_embedded"]["validationErrors"] == {} and valid["_links"]["commit"]["method"] == "post"
    assert valid["_embedded"]["payload"]["customField2"] == 7
    assert (
        "customField2" not in api.post("/projects/demo/work_packages/form", {}).json()["_embedded"]["schema"]
    )
    assert api.listing(filters="[]")["total"] == 0  # a form creates nothing


# collections -----------------------------------------------------------------------------------


def test_the_default_filter_shows_open_work_packages_only(api, sandbox):
    for _ in range(3):
        api.create()
    sandbox.set_status(2, "Closed")
    default = api.listing()
    assert default["_type"] == "WorkPackageCollection" and default["total"] == 2 and ids(default) == [1, 3]
    assert api.listing(filters="[]")["total"] == 3
    closed = api.listing(filters=json.dumps([{"status_id": {"operator": "c", "values": None}}]))
    assert ids(closed) == [2]
    named = api.listing(filters=json.dumps([{"status": {"operator": "=", "values": ["5"]}}]))
    assert ids(named) == [2]
    in_project = api.get("/projects/ops/work_packages").json()
    assert in_project["total"] == 0


def test_id_and_custom_field_filters(api):
    for n in range(1, 5):
        api.create(customField1=f"ext-{n}" if n != 4 else "other")
    by_id = api.listing(filters=json.dumps([{"id": {"operator": "=", "values": ["1", "3"]}}]))
    assert ids(by_id) == [1, 3]
    exact = api.listing(filters=json.dumps([{"customField1": {"operator": "=", "values": ["ext-2"]}}]))
    assert ids(exact) == [2]
    contains = api.listing(filters=json.dumps([{"customField1": {"operator": "~", "values": ["EXT"]}}]))
    assert ids(contains) == [1, 2, 3]
    both = [
        {"customField1": {"operator": "~", "values": ["ext"]}},
        {"id": {"operator": "!", "values": ["1"]}},
    ]
    assert ids(api.listing(filters=json.dumps(both))) == [2, 3]


def test_offset_is_a_page_number_and_page_size_is_capped(api, sandbox):
    for _ in range(5):
        api.create()
    page = api.listing(offset=2, pageSize=2)
    assert (page["offset"], page["pageSize"], page["count"], page["total"]) == (2, 2, 2, 5)
    assert ids(page) == [3, 4]
    assert "offset=3" in page["_links"]["nextByOffset"]["href"]
    assert "offset=1" in page["_links"]["previousByOffset"]["href"]
    assert page["_links"]["jumpTo"]["templated"] and "%7Boffset%7D" in page["_links"]["jumpTo"]["href"]
    assert "%7Bsize%7D" in page["_links"]["changeSize"]["href"]
    last = api.listing(offset=3, pageSize=2)
    assert ids(last) == [5] and "nextByOffset" not in last["_links"]
    sandbox.settings(max_page_size=3)
    capped = api.listing(pageSize=1000)
    assert capped["pageSize"] == 3 and ids(capped) == [1, 2, 3]
    descending = api.listing(sortBy=json.dumps([["id", "desc"]]), pageSize=2)
    assert ids(descending) == [5, 4]


def test_unreadable_queries_are_400_invalid_query(api):
    bad = [
        {"filters": "not json"},
        {"filters": json.dumps([{"nonsense": {"operator": "=", "values": ["1"]}}])},
        {"filters": json.dumps([{"status": {"operator": "??", "values": []}}])},
        {"filters": json.dumps([{"id": {"operator": "=", "values": []}}])},
        {"sortBy": json.dumps([["colour", "asc"]])},
        {"offset": "first"},
    ]
    for params in bad:
        response = api.get("/work_packages", **params)
        assert (response.status_code, identifier(response)) == (400, "InvalidQuery"), params


# activities ------------------------------------------------------------------------------------


def test_comments_and_changes_are_activities(api, sandbox):
    wp = api.create()
    path = f"/work_packages/{wp['id']}"
    commented = api.post(f"{path}/activities", {"comment": {"raw": "Please check"}})
    assert commented.status_code == 201
    assert (
        commented.json()["_type"] == "Activity::Comment"
        and commented.json()["comment"]["raw"] == "Please check"
    )
    sandbox.set_status(wp["id"], 2, by=4)
    sandbox.comment(wp["id"], "Done, see the attachment", by=3)
    listed = api.get(f"{path}/activities").json()
    assert listed["_type"] == "Collection" and listed["total"] == 4
    created, comment, change, answer = listed["_embedded"]["elements"]
    assert created["_links"]["user"]["href"] == "/api/v3/users/2" and created["version"] == 1
    assert comment["comment"]["raw"] == "Please check"
    assert change["details"][0]["raw"] == "Status changed from New to In Progress"
    assert change["_links"]["user"]["href"] == "/api/v3/users/4"
    assert (
        answer["comment"]["raw"] == "Done, see the attachment"
        and answer["_links"]["user"]["title"] == "Anna Petrova"
    )
    blank = api.post(f"{path}/activities", {"comment": {"raw": ""}})
    assert blank.status_code == 422
    assert api.get(path).json()["lockVersion"] == 1  # only the status change moved it


# rate limit and faults -------------------------------------------------------------------------


def test_the_rate_limit_answers_429_too_many_requests(api, sandbox):
    sandbox.settings(rate_limit_rps=0.001, rate_limit_burst=2)
    answers = [api.get("/statuses") for _ in range(3)]
    assert [r.status_code for r in answers] == [200, 200, 429]
    assert identifier(answers[2]) == "TooManyRequests" and "Retry-After" not in answers[2].headers
    sandbox.settings(retry_after_s=2)
    later = [api.get("/statuses") for _ in range(3)]
    assert later[2].status_code == 429 and later[2].headers["Retry-After"] == "2"
    assert sandbox.state()["counters"]["rate_limited"] == 2


def test_server_errors_unavailable_and_a_429_burst(api, sandbox):
    sandbox.fault("server_error", count=2, endpoint="create")
    sandbox.fault("rate_limit", count=2, endpoint="list")
    sandbox.fault("unavailable", endpoint="get")
    creates = [api.post("/projects/demo/work_packages", {"subject": "x"}) for _ in range(3)]
    assert [r.status_code for r in creates] == [500, 500, 201]
    assert identifier(creates[0]) == "InternalServerError"
    assert [api.get("/work_packages").status_code for _ in range(3)] == [429, 429, 200]
    unavailable = api.get("/work_packages/1")
    assert unavailable.status_code == 503 and unavailable.headers["Content-Type"].startswith("text/html")
    assert api.get("/work_packages/1").status_code == 200
    state = sandbox.state()
    assert len(state["work_packages"]) == 1 and state["counters"]["rate_limited"] == 2


def test_dropped_connections_and_lost_answers(api, sandbox):
    sandbox.fault("drop", endpoint="create")
    with pytest.raises(requests.ConnectionError):
        api.post("/projects/demo/work_packages", {"subject": "dropped"})
    assert sandbox.work_packages() == []
    sandbox.fault("lost_answer", endpoint="create")
    with pytest.raises(requests.ConnectionError):
        api.post("/projects/demo/work_packages", {"subject": "lost"})
    assert [wp["subject"] for wp in sandbox.work_packages()] == ["lost"]  # done, but nobody heard
    assert sandbox.state()["counters"]["answers"]["dropped"] == 2


def test_a_slow_answer(api, sandbox):
    sandbox.fault("slow", delay_s=0.3, endpoint="statuses")
    started = time.monotonic()
    assert api.get("/statuses").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_a_conflict_fault_hits_the_next_patch_of_its_work_package(api, sandbox):
    first, second = api.create(), api.create()
    sandbox.fault("conflict", work_package=second["id"])
    assert api.patch(f"/work_packages/{first['id']}", {"lockVersion": 0, "subject": "a"}).status_code == 200
    refused = api.patch(f"/work_packages/{second['id']}", {"lockVersion": 0, "subject": "b"})
    assert refused.status_code == 409 and identifier(refused) == "UpdateConflict"
    assert api.patch(f"/work_packages/{second['id']}", {"lockVersion": 0, "subject": "b"}).status_code == 200


# control API and simulated people ---------------------------------------------------------------


def test_the_control_api_acts_as_a_person(api, sandbox):
    wp = api.create("ops", customField2=5)
    sandbox.assign(wp["id"], 4)
    sandbox.set_custom_field(wp["id"], "customField1", "answer-7")
    sandbox.comment(wp["id"], "Looks good")
    closed = sandbox.set_status(wp["id"], "closed")
    assert (closed["status"], closed["is_closed"], closed["assignee"]) == ("Closed", True, "Boris Ivanov")
    assert closed["custom_fields"] == {"customField1": "answer-7", "customField2": 5}
    assert closed["comments"] == [{"user_id": 4, "text": "Looks good"}]
    read = api.get(f"/work_packages/{wp['id']}").json()
    assert read["lockVersion"] == 3 and read["customField1"] == "answer-7"
    state = sandbox.state()
    assert state["counters"]["requests"] == {"create": 1, "get": 1}
    with pytest.raises(requests.HTTPError):
        sandbox.set_status(wp["id"], "Nonsense")


def test_simulated_people_answer_by_deterministic_rules(api, sandbox):
    sandbox.auto(
        {"subject_contains": "reject", "status": "Rejected", "comment": "Not ours"},
        {"every": 2, "status": "Closed", "by": 5, "custom_fields": {"customField1": "auto"}},
        {"subject_contains": "later", "status": "Closed", "after_s": 3600},
    )
    api.create(subject="Please reject this")
    api.create(subject="Second")
    api.create(subject="Answer later")
    api.create(subject="Fourth")
    api.create(subject="Fifth")
    by_id = {wp["id"]: wp for wp in sandbox.work_packages()}
    assert by_id[1]["status"] == "Rejected" and by_id[1]["comments"][0]["text"] == "Not ours"
    assert by_id[2]["status"] == by_id[4]["status"] == "Closed"
    assert by_id[2]["custom_fields"] == {"customField1": "auto"}
    assert by_id[3]["status"] == by_id[5]["status"] == "New"
    assert ids(api.listing()) == [3, 5]


def test_reset_forgets_work_and_faults_but_keeps_settings(api, sandbox):
    api.create()
    sandbox.fault("server_error", count=None)
    sandbox.settings(max_page_size=7)
    sandbox.control("POST", "reset")
    state = sandbox.state()
    assert state["work_packages"] == [] and state["faults"] == [] and state["settings"]["max_page_size"] == 7
    assert api.create()["id"] == 1


def test_auto_close_after_closes_every_new_work_package():
    with openproject_sandbox(TOKEN, rate_limit_rps=None, auto_close_after_s=0) as sandbox:
        client = Api(sandbox)
        try:
            wp = client.create()
            closed = client.get(f"/work_packages/{wp['id']}").json()
        finally:
            client.http.close()
    assert closed["_embedded"]["status"]["name"] == "Closed" and closed["lockVersion"] == 1
