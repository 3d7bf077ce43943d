"""Bitrix24 client: PHP query encoding, ``batch`` requests and answers, paging, typed methods."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
import requests
import responses

from systems.bitrix24.client import (
    Bitrix24Client,
    encode_command,
    php_query,
    rows_of,
    task_key,
)
from systems.bitrix24.errors import (
    Bitrix24NotFound,
    Bitrix24OperationLimit,
    Bitrix24ProtocolError,
    Bitrix24Rejected,
)
from systems.bitrix24.ratelimit import LeakyBucket, MethodPauses
from tools.sandbox.bitrix24.phpquery import parse_php_query

WEBHOOK = "https://portal.example/rest/1/c0de4batch/"


@pytest.fixture
def client() -> Bitrix24Client:
    return Bitrix24Client(
        WEBHOOK,
        requests.Session(),
        limiter=LeakyBucket(1000, 1000),
        pauses=MethodPauses(),
        sleep=lambda s: None,
    )


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def sent(api, index: int = -1) -> dict:
    return json.loads(api.calls[index].request.body)


def batch_answer(**parts: object) -> dict:
    empty = {"result": [], "result_error": [], "result_total": [], "result_next": [], "result_time": []}
    return {"result": {**empty, **parts}, "time": {}}


# --- encoding ------------------------------------------------------------------------------


def test_php_query_encodes_nested_maps_and_lists():
    query = php_query(
        {
            "filter": {">ID": 5, "UF_X": ["a b", "c&d"]},
            "select": ["ID", "TITLE"],
            "order": {"ID": "ASC"},
        }
    )
    assert query == (
        "filter[%3EID]=5&filter[UF_X][0]=a%20b&filter[UF_X][1]=c%26d&select[0]=ID&select[1]=TITLE&order[ID]=ASC"
    )
    assert unquote(query).startswith("filter[>ID]=5&")


def test_php_query_encodes_operators_that_contain_equals_signs():
    assert php_query({"filter": {">=DEADLINE": "2025-01-01T00:00:00+03:00"}}) == (
        "filter[%3E%3DDEADLINE]=2025-01-01T00%3A00%3A00%2B03%3A00"
    )


def test_php_query_drops_none_and_writes_booleans_as_php_does():
    assert php_query({"a": None, "b": True, "c": False, "d": [], "e": {"x": {"y": [1, {"z": 2}]}}}) == (
        "b=1&c=0&e[x][y][0]=1&e[x][y][1][z]=2"
    )


def test_encoded_commands_parse_back_the_way_php_reads_them():
    params = {"filter": {"!REAL_STATUS": [5, 6], "%TITLE": "100% sure & done"}, "select": ["ID"], "start": -1}
    method, _, query = encode_command("tasks.task.list", params).partition("?")
    assert method == "tasks.task.list"
    assert parse_php_query(query) == {
        "filter": {"!REAL_STATUS": ["5", "6"], "%TITLE": "100% sure & done"},
        "select": ["ID"],
        "start": "-1",
    }


def test_command_without_parameters_is_the_bare_method():
    assert encode_command("user.current") == "user.current"
    assert encode_command("user.get", {}) == "user.get"


def test_task_key_turns_request_fields_into_answer_keys():
    assert task_key("UF_CAMUNDA_ID_EXTERNAL_TASK") == "ufCamundaIdExternalTask"
    assert task_key("RESPONSIBLE_ID") == "responsibleId"
    assert task_key("ID") == "id"


# --- batch -----------------------------------------------------------------------------------


def test_batch_sends_php_commands_and_reads_results(client, api):
    api.post(
        WEBHOOK + "batch",
        json=batch_answer(
            result={"list": {"tasks": [{"id": "1"}]}, "one": {"task": {"id": "2"}}},
            result_total={"list": 120},
            result_next={"list": 50},
        ),
    )
    result = client.batch(
        {
            "list": ("tasks.task.list", {"filter": {">ID": 0}, "select": ["ID"]}),
            "one": ("tasks.task.get", {"taskId": 2}),
        }
    )
    assert sent(api) == {
        "halt": 0,
        "cmd": {"list": "tasks.task.list?filter[%3EID]=0&select[0]=ID", "one": "tasks.task.get?taskId=2"},
    }
    assert result.ok
    assert result["one"] == {"task": {"id": "2"}}
    assert result.totals == {"list": 120}
    assert result.next == {"list": 50}


def test_batch_reports_errors_per_command(client, api):
    api.post(
        WEBHOOK + "batch",
        json=batch_answer(
            result={"good": {"task": {"id": "1"}}},
            result_error={
                "missing": {"error": "", "error_description": "Not found"},
                "bad": {"error": "ERROR_CORE", "error_description": "Task title is not specified"},
            },
        ),
    )
    result = client.batch(
        {
            "good": ("tasks.task.get", {"taskId": 1}),
            "missing": ("crm.lead.get", {"id": 9}),
            "bad": ("tasks.task.add", {"fields": {}}),
        },
        halt=False,
    )
    assert not result.ok
    assert result["good"] == {"task": {"id": "1"}}
    assert isinstance(result.errors["missing"], Bitrix24NotFound)
    assert isinstance(result.errors["bad"], Bitrix24Rejected)
    assert result.errors["bad"].method == "tasks.task.add"
    with pytest.raises(Bitrix24Rejected, match="Task title is not specified"):
        result["bad"]
    with pytest.raises(Bitrix24NotFound):
        result.raise_first_error()


def test_batch_reads_empty_maps_written_as_arrays(client, api):
    api.post(WEBHOOK + "batch", json=batch_answer(result=[], result_error=[]))
    result = client.batch({"a": ("user.get", {})})
    assert result.ok and result.results == {} and result.errors == {}
    with pytest.raises(KeyError):
        result["a"]


def test_batch_reads_numeric_keys_written_as_lists(client, api):
    api.post(WEBHOOK + "batch", json=batch_answer(result=[{"task": {"id": "1"}}, []]))
    result = client.batch({"0": ("tasks.task.get", {"taskId": 1}), "1": ("tasks.task.get", {"taskId": 2})})
    assert result["0"] == {"task": {"id": "1"}}
    assert result["1"] == []


def test_batch_with_halt_sends_the_flag(client, api):
    api.post(WEBHOOK + "batch", json=batch_answer(result={"a": []}))
    client.batch({"a": ("tasks.task.get", {"taskId": 1})}, halt=True)
    assert sent(api)["halt"] == 1


def test_more_than_fifty_commands_go_in_requests_of_fifty(client, api):
    api.post(WEBHOOK + "batch", json=batch_answer(result={f"c{i}": True for i in range(50)}))
    api.post(WEBHOOK + "batch", json=batch_answer(result={f"c{i}": True for i in range(50, 100)}))
    api.post(WEBHOOK + "batch", json=batch_answer(result={f"c{i}": True for i in range(100, 120)}))
    commands = {f"c{i}": ("crm.lead.update", {"id": i, "fields": {"TITLE": str(i)}}) for i in range(120)}
    result = client.batch(commands)
    assert [len(sent(api, i)["cmd"]) for i in range(3)] == [50, 50, 20]
    assert next(iter(sent(api, 2)["cmd"])) == "c100"
    assert len(result.results) == 120


def test_halt_stops_after_the_first_request_with_an_error(client, api):
    failing = batch_answer(result_error={"c3": {"error": "ERROR_CORE", "error_description": "x"}})
    api.post(WEBHOOK + "batch", json=failing)
    result = client.batch({f"c{i}": ("tasks.task.get", {"taskId": i}) for i in range(60)}, halt=True)
    assert len(api.calls) == 1
    assert list(result.errors) == ["c3"]


def test_references_cannot_span_requests(client):
    commands = {f"c{i}": ("user.get", {"ID": "$result[c0][0][ID]"}) for i in range(51)}
    with pytest.raises(ValueError, match=r"\$result"):
        client.batch(commands)


def test_operation_limit_inside_a_batch_pauses_that_method(client, api):
    reset = 4_000_000_000
    api.post(
        WEBHOOK + "batch",
        json=batch_answer(
            result_error={"slow": {"error": "OPERATION_TIME_LIMIT", "error_description": "blocked"}},
            result_time={"slow": {"operating_reset_at": reset}},
        ),
    )
    result = client.batch({"slow": ("tasks.task.list", {})})
    assert isinstance(result.errors["slow"], Bitrix24OperationLimit)
    assert client.pauses.remaining("tasks.task.list") > 0
    assert client.pauses.remaining("tasks.task.get") == 0


# --- paging ----------------------------------------------------------------------------------


def tasks_page(ids: range, next_start: int | None = None, total: int | None = None) -> dict:
    body: dict = {"result": {"tasks": [{"id": str(i)} for i in ids]}, "time": {}}
    if total is not None:
        body["total"] = total
    if next_start is not None:
        body["next"] = next_start
    return body


def test_iter_list_follows_next(client, api):
    api.post(WEBHOOK + "tasks.task.list", json=tasks_page(range(1, 51), 50, 120))
    api.post(WEBHOOK + "tasks.task.list", json=tasks_page(range(51, 101), 100, 120))
    api.post(WEBHOOK + "tasks.task.list", json=tasks_page(range(101, 121), None, 120))
    rows = list(client.iter_list("tasks.task.list", {"filter": {"REAL_STATUS": 2}}))
    assert [int(r["id"]) for r in rows] == list(range(1, 121))
    assert [sent(api, i)["start"] for i in range(3)] == [0, 50, 100]
    assert sent(api, 1)["filter"] == {"REAL_STATUS": 2}


def test_iter_all_fast_moves_an_id_window_with_start_minus_one(client, api):
    api.post(WEBHOOK + "crm.lead.list", json={"result": [{"ID": str(i)} for i in range(1, 51)], "time": {}})
    api.post(WEBHOOK + "crm.lead.list", json={"result": [{"ID": str(i)} for i in range(51, 101)], "time": {}})
    api.post(WEBHOOK + "crm.lead.list", json={"result": [{"ID": "101"}], "time": {}})
    rows = list(client.iter_all_fast("crm.lead.list", {"filter": {"STATUS_ID": "NEW"}, "select": ["ID"]}))
    assert len(rows) == 101
    bodies = [sent(api, i) for i in range(3)]
    assert [b["filter"] for b in bodies] == [
        {"STATUS_ID": "NEW", ">ID": 0},
        {"STATUS_ID": "NEW", ">ID": 50},
        {"STATUS_ID": "NEW", ">ID": 100},
    ]
    assert all(b["start"] == -1 and b["order"] == {"ID": "ASC"} and b["select"] == ["ID"] for b in bodies)


def test_iter_all_fast_reads_task_ids_from_camel_case(client, api):
    api.post(WEBHOOK + "tasks.task.list", json=tasks_page(range(1, 51)))
    api.post(WEBHOOK + "tasks.task.list", json=tasks_page(range(51, 51)))
    assert len(list(client.iter_all_fast("tasks.task.list", {}, id_key="id"))) == 50
    assert sent(api, 1)["filter"] == {">ID": 50}


def test_iter_all_fast_refuses_its_own_parameters(client):
    with pytest.raises(ValueError):
        list(client.iter_all_fast("crm.lead.list", {"order": {"ID": "DESC"}}))


def test_rows_of_accepts_both_list_shapes():
    assert rows_of("user.get", [{"ID": "1"}]) == [{"ID": "1"}]
    assert rows_of("tasks.task.list", {"tasks": [{"id": "1"}]}) == [{"id": "1"}]
    assert rows_of("tasks.task.list", []) == []
    with pytest.raises(Bitrix24ProtocolError):
        rows_of("x.list", {"a": 1, "b": 2})


# --- typed methods -----------------------------------------------------------------------------


def test_tasks_by_ids_asks_fifty_at_a_time(client, api):
    for chunk in (range(1, 51), range(51, 101), range(101, 121)):
        api.post(WEBHOOK + "tasks.task.list", json=tasks_page(chunk))
    found = client.tasks_by_ids(range(1, 121), select=["STATUS"])
    assert sorted(found) == list(range(1, 121))
    bodies = [sent(api, i) for i in range(3)]
    assert [len(b["filter"]["ID"]) for b in bodies] == [50, 50, 20]
    assert bodies[0]["select"] == ["ID", "STATUS"]


def test_task_get_of_a_missing_task_is_none(client, api):
    api.post(WEBHOOK + "tasks.task.get", json={"result": [], "time": {}})
    assert client.task_get(404) is None
    assert sent(api) == {"taskId": 404}


def test_task_list_returns_the_page_and_next(client, api):
    api.post(WEBHOOK + "tasks.task.list", json=tasks_page(range(1, 51), 50, 70))
    tasks, following = client.task_list({"UF_X": "1"}, ["ID"], order={"ID": "desc"})
    assert len(tasks) == 50 and following == 50
    assert sent(api) == {"filter": {"UF_X": "1"}, "start": 0, "select": ["ID"], "order": {"ID": "desc"}}


def test_legacy_task_methods_send_upper_keys_and_return_ids(client, api):
    api.post(WEBHOOK + "task.commentitem.add", json={"result": 3141, "time": {}})
    api.post(WEBHOOK + "task.checklistitem.add", json={"result": "475", "time": {}})
    assert client.task_comment_add(8017, "done", author_id=5) == 3141
    assert sent(api) == {"TASKID": 8017, "FIELDS": {"POST_MESSAGE": "done", "AUTHOR_ID": 5}}
    assert client.checklist_item_add(13, "Step", parent_id=0, is_important=True) == 475
    assert sent(api)["FIELDS"] == {"TITLE": "Step", "IS_COMPLETE": "N", "IS_IMPORTANT": "Y", "PARENT_ID": 0}


def test_lead_methods(client, api):
    api.post(WEBHOOK + "crm.lead.add", json={"result": 3465, "time": {}})
    api.post(WEBHOOK + "crm.lead.update", json={"result": True, "time": {}})
    api.post(WEBHOOK + "crm.lead.get", status=400, json={"error": "", "error_description": "Not found"})
    assert client.lead_add({"TITLE": "t", "PHONE": [{"VALUE": "555", "VALUE_TYPE": "WORK"}]}) == 3465
    assert client.lead_update(3465, {"TITLE": "u"}) is True
    assert sent(api) == {"id": 3465, "fields": {"TITLE": "u"}}
    assert client.lead_get(1) is None


def test_find_tasks_by_field_filters_on_the_field(client, api):
    api.post(WEBHOOK + "tasks.task.list", json=tasks_page(range(7, 8), None, 1))
    assert client.find_tasks_by_field("UF_CAMUNDA_ID_EXTERNAL_TASK", "ext-1", ["ID"]) == [{"id": "7"}]
    assert sent(api) == {"filter": {"UF_CAMUNDA_ID_EXTERNAL_TASK": "ext-1"}, "select": ["ID"], "start": 0}


def test_user_get_reads_all_pages(client, api):
    api.post(
        WEBHOOK + "user.get", json={"result": [{"ID": str(i)} for i in range(50)], "next": 50, "time": {}}
    )
    api.post(WEBHOOK + "user.get", json={"result": [{"ID": "50"}], "time": {}})
    assert len(client.user_get({"ACTIVE": True})) == 51
    assert sent(api, 0) == {"FILTER": {"ACTIVE": True}, "start": 0}
