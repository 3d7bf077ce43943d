"""The chaos harness's pure parts: the seeded plan, the handler's effect book, the judge, the docs table."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from core.actions.context import TaskContext
from core.actions.router import TaskRouter
from tests.unit.test_python_system import make_message
from tools.chaos import handlers, report
from tools.chaos import plan as p
from tools.chaos.bpmn import PEOPLE_TOPIC, PYTHON_TOPIC
from tools.chaos.effects import Tally, tally
from tools.chaos.faults import Injected
from tools.chaos.judge import Evidence, judge, recovery_s


def kinds(plan: p.Plan) -> Counter[str]:
    return Counter(f.kind if f.kind != p.KILL else f.target.split("@")[0] for f in plan.faults)


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    first = p.make_plan(seed=5, instances=300, short=False, cluster=False, sets=2)

    assert first == p.make_plan(seed=5, instances=300, short=False, cluster=False, sets=2)
    assert first != p.make_plan(seed=6, instances=300, short=False, cluster=False, sets=2)
    assert 0.3 < sum(first.people) / 300 < 0.5


def test_the_full_plan_kills_every_service_type_three_times_and_has_every_other_fault() -> None:
    plan = p.make_plan(seed=1, instances=10, short=False, cluster=False, sets=2)

    assert kinds(plan) == {
        **dict.fromkeys(p.SERVICE_TYPES, 3),
        p.BROKER: 1,
        p.ENGINE: 1,
        p.POSTGRES: 1,
        p.STORM_5XX: 1,
        p.STORM_429: 1,
    }
    assert {f.target.split("@")[1] for f in plan.faults if f.kind == p.KILL} == {"a", "b"}


def test_the_short_plan_kills_each_once_has_one_storm_and_the_cluster_adds_a_whole_cluster_stop() -> None:
    plan = p.make_plan(seed=1, instances=10, short=True, cluster=True, sets=1)

    counted = kinds(plan)
    assert [counted[s] for s in p.SERVICE_TYPES] == [1, 1, 1, 1]
    assert counted[p.STORM_5XX] + counted[p.STORM_429] == 1
    assert counted[p.CLUSTER] == counted[p.BROKER] == counted[p.ENGINE] == counted[p.POSTGRES] == 1
    assert next(f.target for f in plan.faults if f.kind == p.BROKER) in {"node 1", "node 2", "node 3"}


def context(task_id: str, *, resumed: bool, db: Path) -> TaskContext:
    message = make_message(PYTHON_TOPIC)
    message = message.model_copy(update={"task": message.task.model_copy(update={"id": task_id})})
    return TaskContext(message, options={"chaos_effects_db": str(db)}, resumed=resumed)


def test_the_handler_looks_for_its_effect_only_when_resumed_and_counts_every_call(tmp_path: Path) -> None:
    db = tmp_path / "effects.sqlite3"
    router = TaskRouter("python")
    handlers.register(router, {"chaos_effects_db": str(db), "chaos_work_s": 0})
    step = router.handler_for(PYTHON_TOPIC)
    assert step is not None

    step(context("t1", resumed=False, db=db))
    step(context("t1", resumed=True, db=db))  # an earlier run got this far: found, not repeated
    step(context("t2", resumed=True, db=db))  # resumed, but nothing there yet: done now
    step(context("t2", resumed=False, db=db))  # not flagged: the handler trusts it and acts again

    seen = tally(db)
    assert (seen.attempts, seen.resumed, seen.found) == (4, 2, 1)
    assert seen.effects == Counter({("pi-1", "Activity_1"): 3})


def evidence(**changes: Any) -> Evidence:
    base = Evidence(
        planned=3,
        started={"i1": False, "i2": True, "i3": True},
        instances={"i1": {"state": "COMPLETED"}, "i2": {"state": "COMPLETED"}, "i3": {"state": "ACTIVE"}},
        incidents=[{"processInstanceId": "i3", "incidentMessage": "failed after 6 attempts: 500"}],
        successes=[],
        portal_tasks=[{"uf": {"UF_PROCESS_INSTANCE_ID": "i2", "UF_ELEMENT_ID": "review"}}],
        effects=Tally(
            6,
            1,
            1,
            Counter(
                {(i, s): 1 for i in ("i1", "i2") for s in ("prepare", "finish")} | {("i3", "prepare"): 1}
            ),
        ),
        faults=[Injected("kill", "worker@a", 10.0, 12.0)],
        planned_faults=1,
    )
    return replace(base, **changes)


def test_a_clean_run_passes_with_incidents_that_explain_themselves() -> None:
    verdict = judge(evidence())

    assert verdict.passed, verdict.failures
    counts = verdict.counts
    assert (counts.completed, counts.incidents, counts.lost, counts.missing_effects) == (2, 1, 0, 0)
    assert verdict.incident_messages == {"failed after 6 attempts: 500": 1}


def test_lost_instances_duplicates_missing_effects_and_faults_not_injected_fail_the_run() -> None:
    portal = [{"uf": {"UF_PROCESS_INSTANCE_ID": "i2", "UF_ELEMENT_ID": "review"}}] * 2
    effects = Tally(5, 0, 0, Counter({("i1", "prepare"): 2, ("i2", "prepare"): 1, ("i2", "finish"): 1}))
    verdict = judge(
        evidence(
            incidents=[],
            portal_tasks=portal,
            effects=effects,
            faults=[Injected("broker-node", "the broker", 10.0, None, "not injected")],
        )
    )

    counts = verdict.counts
    assert (counts.lost, counts.duplicate_bitrix24_tasks, counts.duplicate_handler_effects) == (1, 1, 1)
    assert counts.missing_effects == 1  # i1 completed without its finish effect
    assert len(verdict.failures) == 5
    assert verdict.lost_instances == ["i3 (ACTIVE)"]


def test_recovery_is_the_first_success_of_the_faults_topics_after_it_ended() -> None:
    successes = [(11.0, PYTHON_TOPIC), (13.0, PYTHON_TOPIC), (15.5, PEOPLE_TOPIC)]

    assert recovery_s(Injected("kill", "tracker@a", 10.0, 12.0), successes) == 1.0
    assert recovery_s(Injected("kill", "creator-bitrix24@b", 10.0, 12.0), successes) == 3.5
    assert recovery_s(Injected("storm-429", "bitrix24", 10.0, 16.0), successes) is None
    assert recovery_s(Injected("engine", "engine", 10.0, None, "failed"), successes) is None


def test_the_docs_table_is_replaced_between_its_markers(tmp_path: Path) -> None:
    docs = tmp_path / "reliability.md"
    docs.write_text(
        f"# Reliability\n\nbefore\n{report.BEGIN}\nold table\n{report.END}\n"
        f"{report.CLUSTER_BEGIN}\ncluster table\n{report.CLUSTER_END}\nafter\n"
    )
    document = {
        "plan": {"cluster": False},
        "started_at": "2026-12-07 00:00:00 UTC",
        "command": "python -m tools.chaos",
        "seed": 17,
        "engine": "camunda",
        "engine_version": "7.24.0",
        "broker": "single node",
        "sets": 2,
        "people_instances": 1,
        "wall_s": 60.0,
        "faults": [{**Injected("kill", "worker@a", 1.0, 2.0).as_dict(), "at_s": 1.0, "recovery_s": 0.5}],
        "verdict": judge(evidence()).as_dict(),
    }

    report.write_docs(document, docs)

    text = docs.read_text()
    assert (
        "old table" not in text and text.startswith("# Reliability\n\nbefore\n") and text.endswith("after\n")
    )
    assert "| 1 | kill | worker@a | 1.0 | 1.0 | 0.5 |" in text and "verdict: **PASS**" in text
    assert text.index("worker@a") < text.index(report.CLUSTER_BEGIN) and "cluster table" in text
    report.write_docs({**document, "plan": {"cluster": True}, "broker": "3-node cluster"}, docs)
    text = docs.read_text()
    assert "cluster table" not in text and text.count("worker@a") == 2
    assert text.index("3-node cluster") > text.index(report.CLUSTER_BEGIN)
    plain = tmp_path / "plain.md"
    plain.write_text("# nothing to replace\n")
    with pytest.raises(ValueError, match="markers"):
        report.write_docs(document, plain)
