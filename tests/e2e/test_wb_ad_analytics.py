"""The ad-analytics workflow end to end: bpmn/wb-ad-analytics.bpmn on the real engine and broker,
worker, creator (wildberries, python, storage, bitrix24) and tracker as processes, against the
Wildberries and Bitrix24 sandboxes. Rows are counted in the store and calls in the sandbox."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from core.camunda import CamundaClient
from core.datasets import DatasetRef, open_store
from tests.e2e.conftest import python_system
from tests.fixtures.bitrix24.e2e import activities, bitrix_system, finished
from tests.fixtures.bitrix24.support import Sandbox as BitrixSandbox
from tests.fixtures.bitrix24.support import running_sandbox as bitrix_sandbox
from tests.fixtures.wildberries.support import ENV, TODAY, options
from tests.fixtures.wildberries.support import Sandbox as WbSandbox
from tests.fixtures.wildberries.support import running_sandbox as wb_sandbox
from tests.support.locks import lock_expiry
from tests.support.suite import SHORT_CLAIM_LEASE_S, Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SYSTEMS = ("wildberries", "python", "storage", "bitrix24")
SERVICES = (
    ("worker", ()),
    ("creator", tuple(arg for name in SYSTEMS for arg in ("--system", name))),
    ("tracker", ()),
)
RETRY = {"attempts": 5, "min_delay_ms": 300, "max_delay_ms": 2_000, "multiplier": 2, "jitter": 0.1}


@pytest.fixture
def wb() -> Iterator[WbSandbox]:
    with wb_sandbox() as started:
        yield started


@pytest.fixture
def bitrix() -> Iterator[BitrixSandbox]:
    with bitrix_sandbox(rate=50.0, burst=50) as started:
        yield started


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[Suite]:
    suite = Suite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def start(
    suite: Suite,
    wb: WbSandbox,
    bitrix: BitrixSandbox,
    key: str,
    *,
    lock_ms: int = 60_000,
    scale: float = 600.0,
    creator: dict[str, Any] | None = None,
) -> None:
    wb_options = options(wb.base)
    wb_options["pacing"] = {**wb_options["pacing"], "time_scale": scale, "keep_alive_every_s": 0.2}
    wildberries = {
        "kind": "immediate",
        "lock_duration_ms": lock_ms,
        "concurrency": 2,
        "retry": RETRY,
        "limits": {"rate": 1000, "burst": 1000, "max_concurrent": 4},
        "options": wb_options,
    }
    storage = {"kind": "immediate", "lock_duration_ms": 60_000, "concurrency": 2, "retry": RETRY}
    suite.configure(
        systems={
            "wildberries": wildberries,
            "python": python_system(suite.state_dir / "effects.sqlite3"),
            "storage": storage,
            "bitrix24": bitrix_system(poll_interval_s=1),
        },
        rules=[{"topic": f"{prefix}.*", "system": system} for prefix, system in TOPICS],
        worker={"process_definition_keys": [key]},
        creator=creator,
    )
    suite.extra_env.update({**ENV, "BITRIX24_WEBHOOK_URL": bitrix.webhook})
    for name, args in SERVICES:
        suite.start(name, *args)
    suite.wait_all_healthy(SERVICES)


TOPICS = (("wb", "wildberries"), ("python", "python"), ("storage", "storage"), ("bitrix24", "bitrix24"))


def deploy(camunda: CamundaClient, key: str) -> str:
    """The shipped process under the test's own key and message name; returns the message name."""
    message = f"run_{key}"
    xml = (ROOT / "bpmn" / "wb-ad-analytics.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('id="wb-ad-analytics"', f'id="{key}"').replace('"wb_ad_analytics_run"', f'"{message}"')
    camunda.create_deployment(f"e2e-{key}", {f"{key}.bpmn": xml.encode("utf-8")})
    return message


def run(camunda: CamundaClient, message: str, variables: dict[str, str]) -> str:
    body: dict[str, Any] = {
        "messageName": message,
        "processVariables": {name: {"value": value, "type": "String"} for name, value in variables.items()},
        "resultEnabled": True,
    }
    answer = requests.post(f"{camunda.settings.base_url}/message", json=body, timeout=30)
    answer.raise_for_status()
    return str(answer.json()[0]["processInstance"]["id"])


def test_sixty_days_of_twelve_campaigns_are_stored_once_and_the_anomaly_reaches_bitrix24(
    suite: Suite, wb: WbSandbox, bitrix: BitrixSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    message = deploy(camunda, key)
    wb.fault("rate_limited", endpoint="fullstats", count=2)  # two 429s in the middle of the pull
    start(suite, wb, bitrix, key)
    first, last = TODAY - timedelta(days=60), TODAY - timedelta(days=1)
    backfill = run(camunda, message, {"date_from": first.isoformat(), "date_to": last.isoformat()})
    wait_for(lambda: finished(camunda, key) == 1, timeout=120, interval=1, what="the 60-day run")
    values = camunda.history_variables(backfill)
    stats = DatasetRef.from_variable(values["wb_fullstats"], name="wb_fullstats")
    stored, stats_rows = stored_rows(suite, stats)
    days = {(row["advert_id"], row["date"]) for row in stats_rows}
    assert len(days) == len(stats_rows) == values["stored_table_rows"] == len(stored) > 0
    window = {(first + timedelta(days=n)).isoformat() for n in range(60)}
    assert {row["date"][:10] for row in stats_rows} <= window
    served = wb.state()["fullstats_served"]
    assert served and set(served.values()) == {1}  # every chunk fetched exactly once
    assert len(wb.calls("fullstats", status=429)) >= 2
    # A run over the last week: the seeded campaign spent with no order.
    week = TODAY - timedelta(days=7)
    daily = run(camunda, message, {"date_from": week.isoformat(), "date_to": last.isoformat()})
    tasks = wait_for(lambda: bitrix.tasks() or None, timeout=120, interval=1, what="the marketing task")
    assert len(tasks) == 1 and "1 campaign(s) spend without orders" in tasks[0]["fields"]["title"]
    bitrix.control("POST", f"tasks/{tasks[0]['id']}/close", {"result": "paused the campaign"})
    wait_for(lambda: finished(camunda, key) == 2, timeout=60, what="the daily run to finish")
    assert "Checked" in activities(camunda, daily) and "AllFine" in activities(camunda, backfill)
    again = camunda.history_variables(daily)
    assert again["flagged_count"] == 1
    assert again["stored_table_rows"] == len(stored)  # yesterday was stored already: upserted, not added
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []


def stored_rows(suite: Suite, stats: DatasetRef) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    store = open_store(f"sqlite:///{suite.state_dir / 'datasets.sqlite3'}")
    try:
        return list(store.table_rows("wb_campaign_days")), list(store.rows(stats))
    finally:
        store.close()


def test_a_creator_killed_in_the_middle_of_a_pull_resumes_without_fetching_twice(
    suite: Suite, wb: WbSandbox, bitrix: BitrixSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    message = deploy(camunda, key)
    wb.fault("slow", endpoint="fullstats", delay_s=3.0, count=None)  # each chunk takes a while
    # The killed creator's claim on the pull runs out soon, so its successor resumes it soon.
    start(suite, wb, bitrix, key, creator={"claim_lease_s": SHORT_CLAIM_LEASE_S})
    first, last = TODAY - timedelta(days=60), TODAY - timedelta(days=1)
    instance = run(camunda, message, {"date_from": first.isoformat(), "date_to": last.isoformat()})
    wait_for(lambda: stored_chunks(suite) >= 1, timeout=60, what="the first chunk to be stored")
    suite.kill("creator")  # the first chunk is stored, the second is being fetched
    suite.start("creator", *SERVICES[1][1])
    wait_for(lambda: finished(camunda, key) == 1, timeout=180, interval=1, what="the run to finish")
    served = wb.state()["fullstats_served"]
    assert len(served) == 2  # two 31-day slices of the 60 days
    (stored_first,) = (chunk for chunk in served if f" {first.isoformat()} " in chunk)
    assert served[stored_first] == 1  # stored before the kill: never fetched again
    # (the slice in flight at the kill may have been fetched twice: nothing of it was stored)
    values = camunda.history_variables(instance)
    stats = DatasetRef.from_variable(values["wb_fullstats"], name="wb_fullstats")
    stored, stats_rows = stored_rows(suite, stats)
    assert len({(r["advert_id"], r["date"]) for r in stats_rows}) == len(stats_rows) == len(stored)
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []


def stored_chunks(suite: Suite) -> int:
    """Chunks of wb.fullstats in the store, read as another process would."""
    path = suite.state_dir / "datasets.sqlite3"
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path)) as db:
        try:
            query = "SELECT count(*) FROM dataset_chunks c JOIN datasets d ON d.id = c.dataset_id WHERE d.kind = ?"
            return int(db.execute(query, ("wb.fullstats",)).fetchone()[0])
        except sqlite3.OperationalError:  # the tables are being created
            return 0


def test_a_paced_pull_longer_than_its_lock_keeps_the_lock_alive(
    suite: Suite, wb: WbSandbox, bitrix: BitrixSandbox, camunda: CamundaClient, unique: str
) -> None:
    key = f"p{unique}"
    message = deploy(camunda, key)
    # The client paces fullstats at 3/min sped up only 5x: 4 s between the two slices, a 2 s lock.
    start(suite, wb, bitrix, key, lock_ms=2_000, scale=5.0)
    first, last = TODAY - timedelta(days=60), TODAY - timedelta(days=1)
    instance = run(camunda, message, {"date_from": first.isoformat(), "date_to": last.isoformat()})
    locked = wait_for(
        lambda: lock_expiry(camunda, instance, "Fullstats"), timeout=60, interval=0.1, what="the pull's lock"
    )
    # In the engine: the pull's lock moves on past twice its length while the pull waits.
    wait_for(
        lambda: (now := lock_expiry(camunda, instance, "Fullstats")) is not None
        and (now - locked).total_seconds() > 3,
        timeout=30,
        interval=0.2,
        what="the pull's lock to be extended",
    )
    wait_for(lambda: finished(camunda, key) == 1, timeout=120, interval=1, what="the run to finish")
    served = wb.state()["fullstats_served"]
    assert len(served) == 2 and set(served.values()) == {1}  # no second fetch
    extended = [line for line in suite.log_lines("tracker") if "-> extended" in str(line.get("msg"))]
    assert extended, "the tracker extended no lock"
    assert "AllFine" in activities(camunda, instance)
    assert camunda.list_incidents(processDefinitionKeyIn=key) == []
