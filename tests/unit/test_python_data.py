"""The data handlers: ``data.aggregate``, ``data.filter``, ``data.transform`` and compute expressions."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from core.actions.router import TaskRouter
from core.errors import PermanentError
from systems.python import create_router
from systems.python.expressions import Expression
from tests.unit.test_python_system import completed, run

# Marketplace analytics: one statistics row per campaign and day.
STATS = [
    {"campaign": {"id": 12, "name": "Spring"}, "day": "2024-05-02", "views": 300, "clicks": 9, "ctr": 3.0},
    {"campaign": {"id": 7, "name": "Boots"}, "day": "2024-05-01", "views": 100, "clicks": 1, "ctr": 1.0},
    {"campaign": {"id": 12, "name": "Spring"}, "day": "2024-05-01", "views": 200, "clicks": 2, "ctr": None},
    {"campaign": {"id": 7, "name": "Boots"}, "day": "2024-05-02", "clicks": 4, "ctr": 2.0},
]


@pytest.fixture(scope="module")
def router() -> TaskRouter:
    return create_router({})


def data_call(
    router: TaskRouter, topic: str, properties: dict[str, Any], rows: Any = STATS
) -> dict[str, Any]:
    props = {
        "data.source": "stats",
        **{k: v if isinstance(v, str) else json.dumps(v) for k, v in properties.items()},
    }
    return completed(run(router, topic, {"stats": rows}, properties=props))


def data_error(router: TaskRouter, topic: str, properties: dict[str, Any], rows: Any = STATS) -> str:
    with pytest.raises(PermanentError) as caught:
        data_call(router, topic, properties, rows)
    message = str(caught.value)
    assert message.startswith(topic.removeprefix("python.") + ":"), message
    return message


# --- data.aggregate ----------------------------------------------------------------------


def test_aggregate_groups_by_a_dotted_field_and_skips_missing_values(router: TaskRouter) -> None:
    metrics = {
        "total_views": "sum:views",
        "avg_ctr": "avg:ctr",
        "n": "count",
        "days_with_views": "count:views",
    }
    metrics |= {"least": "min:clicks", "most": "max:clicks"}
    result = data_call(router, "data.aggregate", {"data.group_by": "campaign.id", "data.metrics": metrics})

    assert result == {
        "aggregate": [
            {
                "campaign.id": 7,
                "total_views": 100,
                "avg_ctr": 1.5,
                "n": 2,
                "days_with_views": 1,
                "least": 1,
                "most": 4,
            },
            {
                "campaign.id": 12,
                "total_views": 500,
                "avg_ctr": 3.0,
                "n": 2,
                "days_with_views": 2,
                "least": 2,
                "most": 9,
            },
        ]
    }


def test_aggregate_by_several_fields_sorts_by_all_of_them(router: TaskRouter) -> None:
    properties = {"data.group_by": "day, campaign.name", "data.metrics": {"clicks": "sum:clicks"}}
    result = data_call(router, "python.data.aggregate", properties | {"data.target": "per_day"})
    assert result["per_day"] == [
        {"day": "2024-05-01", "campaign.name": "Boots", "clicks": 1},
        {"day": "2024-05-01", "campaign.name": "Spring", "clicks": 2},
        {"day": "2024-05-02", "campaign.name": "Boots", "clicks": 4},
        {"day": "2024-05-02", "campaign.name": "Spring", "clicks": 9},
    ]


def test_aggregate_puts_missing_group_values_first_and_keeps_mixed_types_apart(router: TaskRouter) -> None:
    rows = [{"k": "b", "v": 1}, {"v": 2}, {"k": 1, "v": 3}, {"k": True, "v": 4}, {"k": None, "v": 5}]
    result = data_call(router, "data.aggregate", {"data.group_by": "k", "data.metrics": {"s": "sum:v"}}, rows)
    assert result["aggregate"] == [
        {"k": None, "s": 7},
        {"k": True, "s": 4},
        {"k": 1, "s": 3},
        {"k": "b", "s": 1},
    ]


def test_aggregate_without_group_by_gives_one_total_row(router: TaskRouter) -> None:
    metrics = {"views": "sum:views", "n": "count", "avg": "avg:missing"}
    assert data_call(router, "data.aggregate", {"data.metrics": metrics})["aggregate"] == [
        {"views": 600, "n": 4, "avg": None}
    ]
    assert data_call(router, "data.aggregate", {"data.metrics": metrics}, [])["aggregate"] == [
        {"views": None, "n": 0, "avg": None}
    ]


def test_aggregate_of_no_rows_by_group_is_empty(router: TaskRouter) -> None:
    result = data_call(router, "data.aggregate", {"data.group_by": "k", "data.metrics": {"n": "count"}}, [])
    assert result == {"aggregate": []}


def test_aggregate_rejects_a_non_numeric_value_naming_row_and_field(router: TaskRouter) -> None:
    rows = [{"k": 1, "views": 5}, {"k": 1, "views": "12"}]
    message = data_error(
        router, "data.aggregate", {"data.group_by": "k", "data.metrics": {"v": "sum:views"}}, rows
    )
    assert "row 1" in message and "'views'" in message and "str" in message


@pytest.mark.parametrize(
    ("properties", "named"),
    [
        ({}, "'data.metrics' is missing"),
        ({"data.metrics": "{nope"}, "'data.metrics' is not valid JSON"),
        ({"data.metrics": "[]"}, "'data.metrics' must be a JSON object"),
        ({"data.metrics": "{}"}, "at least one metric"),
        ({"data.metrics": {"x": "median:views"}}, "unknown function 'median'"),
        ({"data.metrics": {"x": "sum"}}, "sum needs a field"),
        ({"data.metrics": {"x": 5}}, "metric 'x' must be text"),
        ({"data.metrics": {"k": "count"}, "data.group_by": "k"}, "name of a group field"),
        ({"data.metrics": {"n": "count"}, "data.groupby": "k"}, "'data.groupby' is not a setting"),
    ],
)
def test_aggregate_configuration_errors_name_the_property(
    router: TaskRouter, properties: dict[str, Any], named: str
) -> None:
    assert named in data_error(router, "data.aggregate", properties)


# --- shared source checks ----------------------------------------------------------------


@pytest.mark.parametrize("topic", ["data.aggregate", "data.filter", "data.transform"])
@pytest.mark.parametrize(
    ("rows", "named"),
    [({"a": 1}, "is a dict, not a list"), ([{"a": 1}, 5], "row 1 of 'stats' is a int"), (None, "NoneType")],
)
def test_source_must_be_a_list_of_objects(router: TaskRouter, topic: str, rows: Any, named: str) -> None:
    by_topic: dict[str, dict[str, Any]] = {
        "data.aggregate": {"data.metrics": {"n": "count"}},
        "data.filter": {"data.conditions": []},
        "data.transform": {"data.transform": {"select": ["a"]}},
    }
    assert named in data_error(router, topic, by_topic[topic], rows)


@pytest.mark.parametrize("topic", ["data.aggregate", "data.filter", "data.transform"])
def test_missing_source_variable_and_property_are_named(router: TaskRouter, topic: str) -> None:
    properties = {
        "data.aggregate": {"data.metrics": '{"n": "count"}'},
        "data.filter": {"data.conditions": "[]"},
        "data.transform": {"data.transform": '{"select": ["a"]}'},
    }[topic]
    with pytest.raises(PermanentError, match=r"'nowhere'.*missing"):
        run(router, topic, {}, properties={**properties, "data.source": "nowhere"})
    with pytest.raises(PermanentError, match=r"'data\.source' is missing"):
        run(router, topic, {}, properties=properties)


def test_source_may_be_a_path_into_a_json_variable(router: TaskRouter) -> None:
    properties = {"data.source": "response.items", "data.conditions": "[]", "data.target": "items"}
    result = run(router, "data.filter", {"response": {"items": [{"a": 1}]}}, properties=properties)
    assert completed(result) == {"items": [{"a": 1}], "items_count": 1}


# --- data.filter -------------------------------------------------------------------------

ROWS = [
    {"id": 1, "status": 9, "views": 150, "title": "Red boots", "tags": ["new", "sale"], "flag": True},
    {"id": 2, "status": 11, "views": 90, "title": "Blue hat", "tags": [], "flag": 1},
    {"id": 3, "status": 4, "views": 400, "title": None, "meta": {"promo": "x"}},
    {"id": 4, "status": 9, "stats": {"views": 120}},
]


@pytest.mark.parametrize(
    ("conditions", "ids"),
    [
        (
            [{"field": "status", "op": "in", "value": [9, 11]}, {"field": "views", "op": ">=", "value": 100}],
            [1],
        ),
        ([{"field": "status", "op": "==", "value": 9}], [1, 4]),
        ([{"field": "status", "op": "!=", "value": 9}], [2, 3]),
        ([{"field": "views", "op": "<", "value": 150}], [2]),
        ([{"field": "views", "op": "<=", "value": 150}], [1, 2]),
        ([{"field": "views", "op": ">", "value": 150}], [3]),
        ([{"field": "status", "op": "not_in", "value": [9]}], [2, 3]),
        ([{"field": "title", "op": "contains", "value": "boots"}], [1]),
        ([{"field": "tags", "op": "contains", "value": "sale"}], [1]),
        ([{"field": "meta", "op": "contains", "value": "promo"}], [3]),
        ([{"field": "title", "op": "exists"}], [1, 2]),
        ([{"field": "title", "op": "exists", "value": False}], [3, 4]),
        ([{"field": "stats.views", "op": ">", "value": 100}], [4]),
        ([{"field": "flag", "op": "==", "value": True}], [1]),
        ([{"field": "flag", "op": "==", "value": 1}], [2]),
        ([{"field": "missing", "op": "==", "value": None}], [1, 2, 3, 4]),
        ([], [1, 2, 3, 4]),
    ],
)
def test_filter_operators(router: TaskRouter, conditions: list[dict[str, Any]], ids: list[int]) -> None:
    result = data_call(router, "data.filter", {"data.conditions": conditions}, ROWS)
    assert [row["id"] for row in result["filtered"]] == ids
    assert result["filtered_count"] == len(ids)


def test_filter_writes_target_and_count_and_keeps_input(router: TaskRouter) -> None:
    rows = copy.deepcopy(ROWS)
    conditions = [{"field": "status", "op": "==", "value": 11}]
    result = data_call(
        router, "python.data.filter", {"data.conditions": conditions, "data.target": "hats"}, rows
    )
    assert result == {"hats": [ROWS[1]], "hats_count": 1}
    assert rows == ROWS


@pytest.mark.parametrize(
    ("conditions", "named"),
    [
        ({"field": "a"}, "must be a JSON array"),
        (["x"], "condition 0 must be an object"),
        ([{"field": "a", "op": "==", "value": 1, "extra": 1}], "condition 0 must be an object"),
        ([{"op": "==", "value": 1}], "condition 0 needs a field"),
        ([{"field": "a", "op": "~", "value": 1}], "op '~' is not one of"),
        ([{"field": "a", "op": ">"}], "> needs a value"),
        ([{"field": "a", "op": "in", "value": 9}], "in needs a list"),
        ([{"field": "a", "op": "exists", "value": "yes"}], "exists takes true or false"),
    ],
)
def test_filter_configuration_errors(router: TaskRouter, conditions: Any, named: str) -> None:
    assert named in data_error(router, "data.filter", {"data.conditions": conditions}, ROWS)


def test_filter_without_conditions_property_is_named(router: TaskRouter) -> None:
    assert "'data.conditions' is missing" in data_error(router, "data.filter", {}, ROWS)


@pytest.mark.parametrize(
    ("conditions", "named"),
    [
        (
            [{"field": "title", "op": ">", "value": 3}],
            "row 0 field 'title' (str) cannot be compared with int",
        ),
        (
            [{"field": "title", "op": "contains", "value": 3}],
            "row 0 field 'title' (str) can only contain text",
        ),
        ([{"field": "views", "op": "contains", "value": 3}], "row 0 field 'views' (int) contains needs"),
    ],
)
def test_filter_type_mismatches_name_row_and_field(router: TaskRouter, conditions: Any, named: str) -> None:
    assert named in data_error(router, "data.filter", {"data.conditions": conditions}, ROWS)


# --- data.transform ----------------------------------------------------------------------


def test_transform_renames_sets_computes_and_selects(router: TaskRouter) -> None:
    rows = [
        {"nmId": 1, "stats": {"views": 200, "clicks": 10}, "junk": "x"},
        {"nmId": 2, "stats": {"views": 0, "clicks": 0}},
        {"nmId": 3, "stats": {"clicks": 4}},
    ]
    original = copy.deepcopy(rows)
    spec = {
        "rename": {"nmId": "product_id", "stats.views": "views", "stats.clicks": "clicks", "nothing": "x"},
        "set": {"source": "wb", "meta": {"v": 1}},
        "compute": {"ctr": "clicks / views * 100", "score": "-(clicks + 0.5) * 2", "double_ctr": "ctr * 2"},
        "select": ["product_id", "views", "ctr", "double_ctr", "score", "source", "meta.v", "absent"],
    }
    result = data_call(router, "data.transform", {"data.transform": spec}, rows)
    assert result == {
        "transformed": [
            {
                "product_id": 1,
                "views": 200,
                "ctr": 5.0,
                "double_ctr": 10.0,
                "score": -21.0,
                "source": "wb",
                "meta.v": 1,
                "absent": None,
            },
            {
                "product_id": 2,
                "views": 0,
                "ctr": None,
                "double_ctr": None,
                "score": -1.0,
                "source": "wb",
                "meta.v": 1,
                "absent": None,
            },
            {
                "product_id": 3,
                "views": None,
                "ctr": None,
                "double_ctr": None,
                "score": -9.0,
                "source": "wb",
                "meta.v": 1,
                "absent": None,
            },
        ]
    }
    assert rows == original


def test_transform_without_select_keeps_other_fields(router: TaskRouter) -> None:
    spec = {"rename": {"a": "b"}, "compute": {"c": "b + 1"}}
    result = data_call(
        router, "python.data.transform", {"data.transform": spec, "data.target": "out"}, [{"a": 1, "z": 0}]
    )
    assert result == {"out": [{"z": 0, "b": 1, "c": 2}]}


def test_transform_rejects_a_non_numeric_operand_naming_row_and_field(router: TaskRouter) -> None:
    spec = {"compute": {"ctr": "clicks / views"}}
    message = data_error(
        router,
        "data.transform",
        {"data.transform": spec},
        [{"clicks": 1, "views": 2}, {"clicks": "1", "views": 2}],
    )
    assert "compute 'ctr'" in message and "row 1" in message and "'clicks'" in message


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ({}, "must be an object with some of"),
        ({"drop": ["a"]}, "must be an object with some of"),
        ({"rename": ["a"]}, "key 'rename'"),
        ({"rename": {"a": ""}}, "must map field names to non-empty text"),
        ({"select": "a"}, "key 'select'"),
        ({"select": ["a", 1]}, "must be a list of field names"),
        ({"set": [1]}, "key 'set'"),
        ({"compute": {"x": "__import__('os').system('id')"}}, "is not allowed"),
        ({"compute": {"x": "a ** 2"}}, "is not allowed"),
        ({"compute": {"x": "a // 2"}}, "is not allowed"),
        ({"compute": {"x": "a.b()"}}, "is not allowed"),
        ({"compute": {"x": "a[0]"}}, "is not allowed"),
        ({"compute": {"x": "(lambda: 1)()"}}, "is not allowed"),
        ({"compute": {"x": "'text' + a"}}, "is not allowed"),
        ({"compute": {"x": "True + 1"}}, "is not allowed"),
        ({"compute": {"x": "a if b else c"}}, "is not allowed"),
        ({"compute": {"x": "a +"}}, "is not an arithmetic expression"),
        ({"compute": {"x": "1 + " * 300 + "1"}}, "1 to 500 characters"),
    ],
)
def test_transform_configuration_errors(router: TaskRouter, spec: dict[str, Any], named: str) -> None:
    message = data_error(router, "data.transform", {"data.transform": spec}, [{"a": 1}])
    assert named in message


def test_transform_without_its_property_is_named(router: TaskRouter) -> None:
    assert "'data.transform' is missing" in data_error(router, "data.transform", {}, [])


# --- expressions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("a + b * 2", {"a": 1, "b": 3}, 7),
        ("(a + b) * 2", {"a": 1, "b": 3}, 8),
        ("a / b", {"a": 1, "b": 4}, 0.25),
        ("a / 0", {"a": 1}, None),
        ("a - -b", {"a": 1, "b": 2}, 3),
        ("+a", {"a": 2.5}, 2.5),
        ("x.y / 2", {"x": {"y": 3}}, 1.5),
        ("a + missing", {"a": 1}, None),
        ("a * 1", {"a": None}, None),
        ("a * 1e308 * 10", {"a": 1.0}, None),
        ("2 * 3", {}, 6),
    ],
)
def test_expression_values(text: str, row: dict[str, Any], expected: float | None) -> None:
    assert Expression(text, origin="t").evaluate(row, 0) == expected


def test_expression_fields_are_keys_never_attributes() -> None:
    assert Expression("x.__class__ + 1", origin="t").evaluate({"x": {"__class__": 1}}, 0) == 2
    assert Expression("x.real + 1", origin="t").evaluate({"x": 5}, 0) is None
