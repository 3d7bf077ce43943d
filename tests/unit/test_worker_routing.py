"""Routing rules: which system gets a task, which topics are worth fetching, the printed table."""

from __future__ import annotations

from typing import Any

import pytest

from core.config.models import RoutingRule, SystemConfig
from universal_worker.routing import RouteDecision, Router, TaskFacts, render_table

SYSTEMS = {
    "bitrix24": SystemConfig(kind="tracked", lock_duration_ms=600_000),
    "python": SystemConfig(lock_duration_ms=30_000),
    "dadata": SystemConfig(),
}


def router(*rules: dict[str, Any]) -> Router:
    return Router([RoutingRule(**rule) for rule in rules], SYSTEMS)


def facts(
    topic: str = "python.echo",
    *,
    process: str = "orders",
    tenant: str | None = None,
    properties: dict[str, str] | None = None,
) -> TaskFacts:
    return TaskFacts(topic=topic, process_key=process, tenant_id=tenant, properties=properties or {})


# -- route: order and first match ------------------------------------------------------------------


def test_the_first_rule_that_matches_wins_even_when_a_later_one_matches_too() -> None:
    # Given two rules that both match a python.echo task
    rules = router({"topic": "python.*", "system": "python"}, {"topic": "python.echo", "system": "dadata"})

    # When the task is routed
    decision = rules.route(facts("python.echo"))

    # Then the first rule decides, and its 1-based index is reported
    assert decision == RouteDecision("python", 1)


def test_rules_are_tried_in_order_until_one_matches() -> None:
    # Given a first rule that does not match and a second that does
    rules = router({"topic": "bitrix.*", "system": "bitrix24"}, {"topic": "python.echo", "system": "python"})

    # When / Then the second rule routes it, reported as rule 2
    assert rules.route(facts("python.echo")) == RouteDecision("python", 2)


def test_a_task_that_no_rule_matches_is_not_routed() -> None:
    rules = router({"topic": "bitrix.*", "system": "bitrix24"})

    assert rules.route(facts("python.echo")) is None


# -- route: each condition -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "routed"),
    [("create_task", True), ("create_task_2", False), ("create", False), ("Create_Task", False)],
)
def test_an_exact_topic_matches_only_that_topic(topic: str, routed: bool) -> None:
    rules = router({"topic": "create_task", "system": "bitrix24"})

    assert (rules.route(facts(topic)) is not None) is routed


@pytest.mark.parametrize(
    ("topic", "routed"),
    [("python.echo", True), ("python.data.filter", True), ("python", False), ("pythonic.echo", False)],
)
def test_a_glob_topic_matches_by_fnmatch(topic: str, routed: bool) -> None:
    rules = router({"topic": "python.*", "system": "python"})

    assert (rules.route(facts(topic)) is not None) is routed


@pytest.mark.parametrize(("process", "routed"), [("orders", True), ("orders-eu", True), ("refunds", False)])
def test_a_process_glob_limits_the_rule_to_matching_definition_keys(process: str, routed: bool) -> None:
    rules = router({"topic": "create_task", "process": "orders*", "system": "bitrix24"})

    assert (rules.route(facts("create_task", process=process)) is not None) is routed


@pytest.mark.parametrize(
    ("tenant", "routed"), [("acme-ru", True), ("acme-de", True), ("other", False), (None, False)]
)
def test_a_tenant_glob_needs_a_tenant_that_matches(tenant: str | None, routed: bool) -> None:
    rules = router({"topic": "create_task", "tenant": "acme-*", "system": "bitrix24"})

    assert (rules.route(facts("create_task", tenant=tenant)) is not None) is routed


def test_a_rule_without_a_tenant_condition_routes_tasks_of_any_tenant_or_none() -> None:
    rules = router({"topic": "create_task", "system": "bitrix24"})

    assert rules.route(facts("create_task", tenant="acme")) is not None
    assert rules.route(facts("create_task", tenant=None)) is not None


@pytest.mark.parametrize(
    ("properties", "routed"),
    [({"system": "bitrix24"}, True), ({"system": ""}, True), ({"other": "x"}, False), ({}, False)],
)
def test_a_property_condition_of_star_only_needs_the_property_present(
    properties: dict[str, str], routed: bool
) -> None:
    rules = router({"property": {"system": "*"}, "system": "bitrix24"})

    assert (rules.route(facts("any.topic", properties=properties)) is not None) is routed


@pytest.mark.parametrize(
    ("value", "routed"), [("bitrix24", True), ("bitrix-cloud", True), ("openproject", False)]
)
def test_a_property_condition_matches_the_value_as_a_glob(value: str, routed: bool) -> None:
    rules = router({"property": {"system": "bitrix*"}, "system": "bitrix24"})

    assert (rules.route(facts("any.topic", properties={"system": value})) is not None) is routed


def test_every_condition_of_a_rule_must_hold() -> None:
    # Given a rule with topic, process, tenant and two property conditions
    rules = router(
        {
            "topic": "create_*",
            "process": "orders",
            "tenant": "acme",
            "property": {"system": "bitrix24", "queue": "*"},
            "system": "bitrix24",
        }
    )
    complete = {"topic": "create_task", "process": "orders", "tenant": "acme"}
    props = {"system": "bitrix24", "queue": "sales"}

    # Then a task meeting them all is routed
    assert rules.route(facts(**complete, properties=props)) is not None
    # And breaking any single one of them stops the rule
    assert rules.route(facts(**{**complete, "topic": "update_task"}, properties=props)) is None
    assert rules.route(facts(**{**complete, "process": "refunds"}, properties=props)) is None
    assert rules.route(facts(**{**complete, "tenant": "other"}, properties=props)) is None
    assert rules.route(facts(**complete, properties={"system": "bitrix24"})) is None
    assert rules.route(facts(**complete, properties={**props, "system": "openproject"})) is None


# -- what to fetch ------------------------------------------------------------------------------------------


def test_exact_topics_are_fetched_even_when_discovery_has_not_seen_them() -> None:
    rules = router({"topic": "create_task", "system": "bitrix24"}, {"topic": "python.*", "system": "python"})

    assert rules.topics_to_fetch([]) == {"create_task"}


def test_discovered_topics_are_fetched_only_when_some_rule_can_route_them() -> None:
    # Given an exact rule and a glob rule
    rules = router({"topic": "create_task", "system": "bitrix24"}, {"topic": "python.*", "system": "python"})

    # When discovery finds topics both routable and not
    topics = rules.topics_to_fetch(["python.echo", "python.data.filter", "dadata.clean", "create_task"])

    # Then the unroutable one is left out
    assert topics == {"create_task", "python.echo", "python.data.filter"}


def test_a_rule_without_a_topic_can_route_every_discovered_topic() -> None:
    rules = router({"property": {"exchanger.system": "python"}, "system": "python"})

    assert rules.topics_to_fetch(["a", "b"]) == {"a", "b"}
    assert [r.system for r in rules.rules_for_topic("a")] == ["python"]


def test_exact_topics_are_the_literal_ones_only() -> None:
    rules = router(
        {"topic": "create_task", "system": "bitrix24"},
        {"topic": "python.*", "system": "python"},
        {"topic": "dadata.[ab]", "system": "dadata"},
        {"process": "orders", "system": "dadata"},
    )

    assert rules.exact_topics() == {"create_task"}


def test_a_topic_with_a_rule_without_conditions_is_unconditional() -> None:
    rules = router(
        {"topic": "create_task", "property": {"system": "*"}, "system": "bitrix24"},
        {"topic": "create_task", "system": "python"},
    )

    assert rules.topic_is_unconditional("create_task") is True


def test_a_glob_rule_without_conditions_makes_its_matching_topics_unconditional() -> None:
    rules = router({"topic": "python.*", "system": "python"})

    assert rules.topic_is_unconditional("python.echo") is True
    assert rules.topic_is_unconditional("other") is False


@pytest.mark.parametrize(
    "rule",
    [
        {"topic": "create_task", "process": "orders"},
        {"topic": "create_task", "tenant": "acme"},
        {"topic": "create_task", "property": {"system": "*"}},
        {"process": "orders"},  # no topic condition, but a process one
        {"property": {"system": "bitrix24"}},
    ],
    ids=["process", "tenant", "property", "topic-less-process", "topic-less-property"],
)
def test_a_topic_whose_rules_all_have_conditions_is_not_unconditional(rule: dict[str, Any]) -> None:
    rules = router({**rule, "system": "bitrix24"})

    assert rules.topic_is_unconditional("create_task") is False


def test_systems_for_a_topic_are_those_of_every_rule_that_could_route_it() -> None:
    rules = router(
        {"topic": "create_task", "process": "orders", "system": "bitrix24"},
        {"topic": "create_*", "system": "python"},
        {"property": {"x": "*"}, "system": "dadata"},
        {"topic": "other", "system": "python"},
    )

    assert rules.systems_for_topic("create_task") == ["bitrix24", "dadata", "python"]
    assert rules.systems_for_topic("unrelated") == ["dadata"]


# -- discovery --------------------------------------------------------------------------------------------


def test_exact_unconditional_and_exact_process_rules_need_no_discovery() -> None:
    rules = router(
        {"topic": "create_task", "system": "bitrix24"},
        {"topic": "clean", "process": "orders", "system": "dadata"},
    )

    assert rules.needs_discovery() is False


@pytest.mark.parametrize(
    "rule",
    [
        {"topic": "python.*"},
        {"process": "orders"},
        {"property": {"exchanger.system": "python"}},
        {"topic": "create_task", "tenant": "acme"},
        {"topic": "create_task", "property": {"system": "*"}},
        {"topic": "create_task", "process": "orders-*"},
    ],
    ids=["glob-topic", "no-topic", "property-only", "tenant", "property", "process-glob"],
)
def test_rules_whose_fetch_plan_depends_on_what_is_waiting_need_discovery(rule: dict[str, Any]) -> None:
    # Given a rule that routes topics (or process keys) only known once the engine is asked
    rules = router({"topic": "exact", "system": "python"}, {**rule, "system": "python"})

    # Then the plan must be refreshed while running
    assert rules.needs_discovery() is True


# -- the printed table -------------------------------------------------------------------------------------


def test_the_table_has_one_row_per_rule_with_defaults_for_missing_conditions() -> None:
    rules = router(
        {"topic": "create_task", "process": "orders", "system": "bitrix24"},
        {"property": {"system": "python", "queue": "*"}, "tenant": "acme", "system": "python"},
    )

    rows = rules.table()

    assert rows == [
        {
            "#": "1",
            "topic": "create_task",
            "process": "orders",
            "tenant": "*",
            "property": "-",
            "system": "bitrix24",
            "kind": "tracked",
            "lock_ms": "600000",
        },
        {
            "#": "2",
            "topic": "*",
            "process": "*",
            "tenant": "acme",
            "property": "system=python, queue=*",
            "system": "python",
            "kind": "immediate",
            "lock_ms": "30000",
        },
    ]


def test_a_rule_naming_an_unknown_system_shows_question_marks() -> None:
    rules = Router([RoutingRule(topic="x", system="ghost")], SYSTEMS)

    assert rules.table()[0]["kind"] == "?"
    assert rules.table()[0]["lock_ms"] == "?"


def test_the_rendered_table_aligns_columns_under_a_header() -> None:
    # Given a table of two rules of different widths
    rules = router({"topic": "create_task", "system": "bitrix24"}, {"topic": "py.*", "system": "python"})

    # When it is rendered
    lines = render_table(rules.table()).splitlines()

    # Then a header comes first and every column starts at the same offset in every line
    assert lines[0].split() == ["#", "topic", "process", "tenant", "property", "system", "kind", "lock_ms"]
    assert lines[1].split() == ["1", "create_task", "*", "*", "-", "bitrix24", "tracked", "600000"]
    assert lines[2].split() == ["2", "py.*", "*", "*", "-", "python", "immediate", "30000"]
    for column in ("topic", "system", "lock_ms"):
        start = lines[0].index(column)
        assert all(line[start - 1] == " " and line[start] != " " for line in lines), column
    assert lines[2].index("python") == lines[1].index("bitrix24")


def test_an_empty_table_says_that_nothing_will_be_fetched() -> None:
    assert render_table([]) == "(no routing rules: nothing will be fetched)"
