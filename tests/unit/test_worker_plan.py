"""The fetch plan: which topics one fetchAndLock names, for which processes, with what lock and variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.camunda import FetchTopic
from core.config.models import RoutingRule, SystemConfig, WorkerConfig
from tests.unit.fakes import FakeCamunda, waiting_task
from universal_worker.plan import PROBE_LIMIT, FetchPlan, Planner
from universal_worker.routing import Router

SYSTEMS = {
    "bitrix24": SystemConfig(kind="tracked", lock_duration_ms=600_000, variables=["title", "deadline"]),
    "python": SystemConfig(lock_duration_ms=30_000, variables=["deadline", "amount"]),
    "dadata": SystemConfig(lock_duration_ms=60_000, variables=None),  # wants every variable
}


class Properties:
    """The properties lookup: (definition id, activity id) → the activity's extension properties."""

    def __init__(self, table: Mapping[tuple[str, str], Mapping[str, str]] | None = None) -> None:
        self.table = dict(table or {})
        self.asked: list[tuple[str, str]] = []

    def __call__(self, definition_id: str, activity_id: str) -> Mapping[str, str]:
        self.asked.append((definition_id, activity_id))
        return self.table.get((definition_id, activity_id), {})


def planner(
    rules: list[dict[str, Any]],
    client: FakeCamunda,
    *,
    worker: WorkerConfig | None = None,
    properties: Properties | None = None,
) -> Planner:
    router = Router([RoutingRule(**rule) for rule in rules], SYSTEMS)
    return Planner(router, SYSTEMS, worker or WorkerConfig(), client, properties or Properties())


def only(plan: FetchPlan) -> FetchTopic:
    assert len(plan.topics) == 1, plan.topic_names
    return plan.topics[0]


# -- unconditional topics ------------------------------------------------------------------------------


def test_an_unconditional_topic_is_fetched_for_every_process_without_a_probe() -> None:
    # Given a rule that routes every create_task task
    client = FakeCamunda()

    # When the plan is made
    plan = planner([{"topic": "create_task", "system": "bitrix24"}], client).plan([])

    # Then the topic is fetched with no process filter and the engine was not probed
    topic = only(plan)
    assert topic.topic_name == "create_task"
    assert topic.process_definition_key_in == ()
    assert "processDefinitionKeyIn" not in topic.to_json()
    assert client.calls_to("list_external_tasks") == []


def test_discovered_topics_are_planned_only_when_a_rule_routes_them() -> None:
    client = FakeCamunda()

    plan = planner([{"topic": "python.*", "system": "python"}], client).plan(
        ["python.echo", "dadata.clean", "python.data.filter"]
    )

    assert plan.topic_names == ["python.data.filter", "python.echo"]


# -- conditional topics: probing -------------------------------------------------------------------------


def test_a_conditional_topic_is_limited_to_processes_whose_waiting_tasks_a_rule_routes() -> None:
    # Given a property rule, and waiting tasks in two processes of which only one has the property
    client = FakeCamunda()
    client.waiting["create_task"] = [
        waiting_task(process_key="orders", definition_id="orders:1:a", activity_id="to_bitrix"),
        waiting_task(process_key="refunds", definition_id="refunds:1:b", activity_id="plain"),
    ]
    properties = Properties({("orders:1:a", "to_bitrix"): {"system": "bitrix24"}})
    rules = [{"topic": "create_task", "property": {"system": "bitrix*"}, "system": "bitrix24"}]

    # When the plan is made
    plan = planner(rules, client, properties=properties).plan([])

    # Then only the process whose task is routable is fetched
    assert only(plan).process_definition_key_in == ["orders"]
    assert only(plan).to_json()["processDefinitionKeyIn"] == ["orders"]
    assert properties.asked == [("orders:1:a", "to_bitrix"), ("refunds:1:b", "plain")]


def test_the_probe_asks_for_unlocked_tasks_of_the_topic_with_a_limit() -> None:
    client = FakeCamunda()
    rules = [{"topic": "create_task", "tenant": "acme", "system": "bitrix24"}]

    planner(rules, client).plan([])

    (call,) = client.calls_to("list_external_tasks")
    assert call.kwargs == {"topicName": "create_task", "notLocked": True, "max_results": PROBE_LIMIT}


def test_a_tenant_rule_keeps_processes_with_waiting_tasks_of_that_tenant() -> None:
    client = FakeCamunda()
    client.waiting["create_task"] = [
        waiting_task(process_key="orders", tenant_id="acme"),
        waiting_task(process_key="refunds", tenant_id="other"),
        waiting_task(process_key="invoices", tenant_id=None),
    ]

    plan = planner([{"topic": "create_task", "tenant": "acme", "system": "bitrix24"}], client).plan([])

    assert only(plan).process_definition_key_in == ["orders"]


def test_a_process_glob_rule_keeps_the_matching_processes_that_have_waiting_tasks() -> None:
    client = FakeCamunda()
    client.waiting["create_task"] = [
        waiting_task(process_key="orders-eu"),
        waiting_task(process_key="orders-ru"),
        waiting_task(process_key="refunds"),
    ]

    plan = planner([{"topic": "create_task", "process": "orders-*", "system": "bitrix24"}], client).plan([])

    assert only(plan).process_definition_key_in == ["orders-eu", "orders-ru"]


def test_exact_process_rules_need_no_probe() -> None:
    # Given rules naming exact processes only
    client = FakeCamunda()
    rules = [
        {"topic": "create_task", "process": "orders", "system": "bitrix24"},
        {"topic": "create_task", "process": "refunds", "system": "bitrix24"},
    ]

    # When the plan is made
    plan = planner(rules, client).plan([])

    # Then those processes are fetched, and nothing was asked of the engine
    assert only(plan).process_definition_key_in == ["orders", "refunds"]
    assert client.calls_to("list_external_tasks") == []


def test_exact_process_keys_and_probed_keys_are_combined() -> None:
    client = FakeCamunda()
    client.waiting["create_task"] = [waiting_task(process_key="invoices", tenant_id="acme")]
    rules = [
        {"topic": "create_task", "process": "orders", "system": "bitrix24"},
        {"topic": "create_task", "tenant": "acme", "system": "bitrix24"},
    ]

    plan = planner(rules, client).plan([])

    assert only(plan).process_definition_key_in == ["invoices", "orders"]


def test_a_topic_that_nothing_routes_right_now_is_left_out_of_the_plan() -> None:
    # Given a conditional rule and waiting tasks none of which it routes
    client = FakeCamunda()
    client.waiting["create_task"] = [waiting_task(process_key="orders", tenant_id="other")]
    rules = [
        {"topic": "create_task", "tenant": "acme", "system": "bitrix24"},
        {"topic": "echo", "system": "python"},
    ]

    # When the plan is made
    plan = planner(rules, client).plan([])

    # Then only the unconditional topic is fetched
    assert plan.topic_names == ["echo"]


# -- worker-level filters ---------------------------------------------------------------------------------


def test_worker_process_keys_limit_an_unconditional_topic() -> None:
    client = FakeCamunda()
    worker = WorkerConfig(process_definition_keys=["orders", "refunds"])

    plan = planner([{"topic": "create_task", "system": "bitrix24"}], client, worker=worker).plan([])

    assert list(only(plan).process_definition_key_in) == ["orders", "refunds"]


def test_worker_process_keys_intersect_the_probed_and_exact_keys() -> None:
    # Given a worker limited to orders and invoices, and rules that route orders, refunds and payments
    client = FakeCamunda()
    client.waiting["create_task"] = [
        waiting_task(process_key="refunds", tenant_id="acme"),
        waiting_task(process_key="invoices", tenant_id="acme"),
    ]
    rules = [
        {"topic": "create_task", "process": "orders", "system": "bitrix24"},
        {"topic": "create_task", "process": "payments", "system": "bitrix24"},
        {"topic": "create_task", "tenant": "acme", "system": "bitrix24"},
    ]
    worker = WorkerConfig(process_definition_keys=["orders", "invoices"])

    # When the plan is made
    plan = planner(rules, client, worker=worker).plan([])

    # Then only the keys both allow remain
    assert only(plan).process_definition_key_in == ["invoices", "orders"]


def test_a_topic_whose_keys_are_all_outside_the_worker_keys_is_left_out() -> None:
    client = FakeCamunda()
    worker = WorkerConfig(process_definition_keys=["invoices"])

    plan = planner(
        [{"topic": "create_task", "process": "orders", "system": "bitrix24"}], client, worker=worker
    )

    assert plan.plan([]).topics == ()


def test_tenant_settings_of_the_worker_are_passed_through() -> None:
    client = FakeCamunda()
    worker = WorkerConfig(tenant_ids=["acme", "globex"], without_tenant_id=True)

    topic = only(planner([{"topic": "echo", "system": "python"}], client, worker=worker).plan([]))

    assert list(topic.tenant_id_in) == ["acme", "globex"]
    assert topic.without_tenant_id is True
    assert topic.include_extension_properties is True
    assert topic.to_json()["tenantIdIn"] == ["acme", "globex"]


# -- lock and variables ------------------------------------------------------------------------------------


def test_the_lock_is_the_longest_of_the_systems_that_could_route_the_topic() -> None:
    client = FakeCamunda()
    rules = [
        {"topic": "create_task", "process": "orders", "system": "python"},
        {"topic": "create_*", "system": "bitrix24"},
        {"topic": "other", "system": "dadata"},
    ]

    plan = planner(rules, client).plan([])

    locks = {topic.topic_name: topic.lock_duration_ms for topic in plan.topics}
    assert locks == {"create_task": 600_000, "other": 60_000}


def test_variables_are_the_union_of_what_the_topics_systems_need() -> None:
    client = FakeCamunda()
    rules = [
        {"topic": "create_task", "process": "orders", "system": "python"},
        {"topic": "create_task", "system": "bitrix24"},
    ]

    topic = only(planner(rules, client).plan([]))

    assert topic.variables == ["amount", "deadline", "title"]


def test_a_system_that_wants_every_variable_makes_the_topic_fetch_all() -> None:
    client = FakeCamunda()
    rules = [{"topic": "clean", "system": "python"}, {"topic": "clean", "process": "x", "system": "dadata"}]

    topic = only(planner(rules, client).plan([]))

    assert topic.variables is None
    assert "variables" not in topic.to_json()


def test_a_rules_own_variable_list_narrows_its_systems() -> None:
    # Given the dadata system wants every variable, but its rule for "clean" names two
    client = FakeCamunda()
    rules = [{"topic": "clean", "system": "dadata", "variables": ["phone", "email"]}]

    # When the plan is made
    topic = only(planner(rules, client).plan([]))

    # Then only those two are fetched
    assert topic.variables == ["email", "phone"]
