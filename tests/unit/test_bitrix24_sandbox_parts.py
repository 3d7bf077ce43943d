"""Sandbox pieces without HTTP: PHP query parsing, filters, the portal bucket, faults, batch."""

from __future__ import annotations

import pytest

from tools.sandbox.bitrix24.app import Bitrix24Sandbox
from tools.sandbox.bitrix24.bucket import ServerBucket
from tools.sandbox.bitrix24.faults import Fault, FaultBook
from tools.sandbox.bitrix24.filters import condition_holds, matches, split_key
from tools.sandbox.bitrix24.phpquery import parse_php_query
from tools.sandbox.bitrix24.protocol import page, php_json_map


def test_php_query_brackets_appends_and_lists():
    assert parse_php_query("filter%5B%3EID%5D=5&select[]=ID&select[]=TITLE&a[x][0]=1&a[x][1]=2&b=c+d") == {
        "filter": {">ID": "5"},
        "select": ["ID", "TITLE"],
        "a": {"x": ["1", "2"]},
        "b": "c d",
    }


def test_php_query_keeps_sparse_numeric_keys_as_a_map():
    assert parse_php_query("x[0]=a&x[2]=b") == {"x": {"0": "a", "2": "b"}}


@pytest.mark.parametrize(
    ("key", "expected"),
    [(">=ID", (">=", "ID")), ("!STATUS", ("!", "STATUS")), ("%TITLE", ("%", "TITLE")), ("ID", ("=", "ID"))],
)
def test_filter_prefixes(key, expected):
    assert split_key(key) == expected


def test_filter_conditions():
    assert condition_holds("12", ">", 5)  # numbers compare as numbers, not text
    assert not condition_holds("12", "<", "5")
    assert condition_holds("3", "=", ["1", "3"])
    assert condition_holds("3", "!", [5, 6])
    assert condition_holds(["L_4", "D_10"], "=", "D_10")
    assert condition_holds("Approve the contract", "%", "%contract%")
    assert condition_holds("2025-06-01T00:00:00", ">=", "2025-01-01")
    assert condition_holds(True, "=", "Y")
    assert not condition_holds(None, ">", 1)
    record = {"ID": "7", "REAL_STATUS": "5"}
    assert matches(record.get, {">=ID": 7, "REAL_STATUS": 5})
    assert not matches(record.get, {"!REAL_STATUS": 5})


def test_page_of_fifty_and_fast_mode():
    rows = list(range(120))
    first = page(rows, 0)
    assert (len(first.result), first.total, first.next) == (50, 120, 50)
    last = page(rows, "100")
    assert (len(last.result), last.next) == (20, None)
    fast = page(rows, -1)
    assert (len(fast.result), fast.total, fast.next) == (50, None, None)


def test_php_json_map_writes_empty_maps_as_arrays():
    assert php_json_map({}) == []
    assert php_json_map({"0": "a", "1": "b"}) == ["a", "b"]
    assert php_json_map({"x": 1}) == {"x": 1}


def test_server_bucket_refuses_above_burst_and_drains():
    now = [0.0]
    bucket = ServerBucket(2.0, 3, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5
    assert bucket.take() and not bucket.take()


def test_counted_faults_run_out_and_slow_faults_add_up():
    book = FaultBook()
    book.add(Fault.from_json({"kind": "server_error", "count": 2, "status": 502}, now=0))
    book.add(Fault.from_json({"kind": "slow", "delay_s": 0.25, "count": 1}, now=0))
    delay, failure = book.take("user.get", 0)
    assert delay == 0.25 and failure is not None and failure.error().status == 502
    assert book.take("user.get", 0)[1] is not None
    assert book.take("user.get", 0) == (0.0, None)


def test_operation_limit_fault_needs_a_method_and_expires():
    with pytest.raises(ValueError):
        Fault.from_json({"kind": "operation_limit"}, now=0)
    book = FaultBook()
    book.add(
        Fault.from_json({"kind": "operation_limit", "method": "tasks.task.list", "reset_after_s": 10}, now=0)
    )
    assert book.take("tasks.task.get", 1)[1] is None
    assert book.take("tasks.task.list", 1)[1] is not None
    assert book.take("tasks.task.list", 11)[1] is None


def test_batch_resolves_references_and_halts():
    sandbox = Bitrix24Sandbox()
    status, body = sandbox.rest(
        "1",
        "sandboxsecret",
        "batch",
        {
            "halt": 1,
            "cmd": {
                "me": "user.get?ID=2",
                "task": "tasks.task.add?fields[TITLE]=T&fields[RESPONSIBLE_ID]=$result[me][0][ID]",
                "bad": "tasks.task.add?fields[TITLE]=",
                "never": "user.get",
            },
        },
    )
    assert status == 200
    result = body["result"]
    assert result["result"]["task"]["task"]["responsibleId"] == "2"
    assert set(result["result_error"]) == {"bad"}
    assert "never" not in result["result"]
    assert result["result_total"] == {"me": 1}
    assert result["result_next"] == []


def test_batch_refuses_more_than_fifty_and_nesting():
    sandbox = Bitrix24Sandbox()
    status, body = sandbox.rest(
        "1", "sandboxsecret", "batch", {"cmd": {str(i): "user.get" for i in range(51)}}
    )
    assert (status, body["error"]) == (400, "ERROR_BATCH_LENGTH_EXCEEDED")
    _, body = sandbox.rest("1", "sandboxsecret", "batch", {"cmd": ["batch?cmd[0]=user.get"]})
    assert body["result"]["result_error"] == [
        {
            "error": "ERROR_BATCH_METHOD_NOT_ALLOWED",
            "error_description": "Method is not allowed for batch usage",
        }
    ]


def test_cli_help_and_stormbpmn_skipped_without_a_folder():
    from click.testing import CliRunner

    from tools.sandbox.__main__ import _stormbpmn_server, main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "--stormbpmn-dir" in result.output and "8090" in result.output
    assert _stormbpmn_server("127.0.0.1", 0, None, "key") is None
