"""Resolving a topic to its handler: exact names win, then globs in registration order."""

from __future__ import annotations

from core.actions.context import TaskContext
from core.actions.outcomes import HandlerOutcome
from core.actions.router import Handler, TaskRouter


def handler(name: str) -> Handler:
    def handle(_task: TaskContext) -> HandlerOutcome:
        return {"handled_by": name}

    handle.__name__ = name
    return handle


def test_exact_topics_win_over_globs_and_globs_go_in_registration_order() -> None:
    router = TaskRouter("python")
    wide, narrow, exact = handler("wide"), handler("narrow"), handler("exact")
    router.add("data.*", wide)
    router.add("data.sales.*", narrow)
    router.add("data.sales.daily", exact)

    assert router.handler_for("data.sales.daily") is exact
    assert router.handler_for("data.sales.weekly") is wide  # the first glob registered matches
    assert router.handler_for("other") is None


def test_a_handler_added_after_a_lookup_is_found_by_the_next_one() -> None:
    router = TaskRouter("python")
    router.add("data.*", handler("wide"))
    assert router.handler_for("reports.daily") is None
    assert router.handler_for("data.x") is router.handler_for("data.x")  # the same answer again

    reports = handler("reports")
    router.add("reports.*", reports)

    assert router.handler_for("reports.daily") is reports
