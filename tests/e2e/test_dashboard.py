# The browser fixtures are imported into this module, so the test parameters that name them
# look like redefinitions to ruff.
# ruff: noqa: F811
"""The operators' dashboard in a real browser: Debian's Chromium driven by Playwright against
``python -m api`` as a process, with the worker, creator and tracker on the real engine and
broker and the Bitrix24 sandbox for people work.

The services of this branch do not serve /metrics yet, so one stand-in service does: a
prometheus-client registry with the catalog's metric names, which the test counts up.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from playwright.sync_api import Page, expect
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from core.camunda import CamundaClient
from tests.e2e.conftest import python_system
from tests.fixtures.bitrix24.e2e import bitrix_system
from tests.fixtures.bitrix24.support import Sandbox, running_sandbox
from tests.support.api import OPERATE_TOKEN, READ_TOKEN, api_env
from tests.support.bpmn import Step, chain_process
from tests.support.browser import ConsoleErrors, browser, page, screenshots  # noqa: F401
from tests.support.cockpit import cockpit_pattern
from tests.support.suite import Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
CREATOR_ARGS = ("--system", "python", "--system", "bitrix24")
LIVE_S = 15_000  # ms: a few ticks of 2 s, plus a slow machine
QUICK_RETRY = {"attempts": 2, "min_delay_ms": 200, "max_delay_ms": 400, "multiplier": 2, "jitter": 0.1}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class StandInService:
    """A service's /metrics with the catalog's names: what an instrumented creator serves."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.settled = Counter(
            "exchanger_tasks_settled",
            "Tasks settled",
            ("system", "topic", "tenant", "outcome", "origin"),
            registry=self.registry,
        )
        self.circuit = Gauge("exchanger_circuit_state", "Circuit", ("system",), registry=self.registry)
        self.settled.labels("python", "e2e.count", "", "completed", "engine").inc(0)
        self.circuit.labels("python").set(0)
        registry = self.registry

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = generate_latest(registry)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in() -> Iterator[StandInService]:
    service = StandInService()
    yield service
    service.close()


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(rate=50.0, burst=100) as started:
        yield started


@pytest.fixture
def suite(
    tmp_path: Path,
    rabbitmq: str,
    engine_name: str,
    unique: str,
    sandbox: Sandbox,
    stand_in: StandInService,
) -> Iterator[Suite]:
    suite = Suite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    bitrix24 = bitrix_system(
        options={
            "rate_limit": {"rate": 50.0, "burst": 100, "tracker_share": 0.2},
            "tasks": {"lane_users": {"Manager": 2}, "instance_url": cockpit_pattern(engine_name)},
        }
    )
    suite.configure(
        systems={
            "python": python_system(tmp_path / "effects.sqlite3", retry=QUICK_RETRY),
            "bitrix24": bitrix24,
        },
        rules=[{"topic": "e2e.*", "system": "python"}, {"topic": "bitrix24.*", "system": "bitrix24"}],
        # No backpressure: the worker alone fills python.queue, which the page must show.
        worker={"process_definition_keys": [f"p{unique}", f"q{unique}", f"o{unique}"], "backpressure": False},
        api={"port": free_port()},
    )
    general_path = suite.config_dir / "exchanger.yaml"
    general = yaml.safe_load(general_path.read_text(encoding="utf-8"))
    general["metrics"] = {"targets": [stand_in.url]}
    general_path.write_text(yaml.safe_dump(general), encoding="utf-8")
    suite.extra_env = {"BITRIX24_WEBHOOK_URL": sandbox.webhook, **api_env()}
    yield suite
    suite.close()


@pytest.fixture
def processes(camunda: CamundaClient, unique: str) -> Iterator[dict[str, str]]:
    """p: one python step; q: a step whose handler always fails; o: a Bitrix24 task for a person."""
    keys = {"count": f"p{unique}", "broken": f"q{unique}", "people": f"o{unique}"}
    people = [
        Step("Prepare", "bitrix24.task", name="Prepare the offer", properties={"bitrix.responsible": "2"})
    ]
    deployment = camunda.create_deployment(
        f"e2e-dashboard-{unique}",
        {
            "count.bpmn": chain_process(keys["count"], [Step("Count", "e2e.count")], name="Orders").encode(),
            "broken.bpmn": chain_process(
                keys["broken"], [Step("Charge", "e2e.broken")], name="Payments"
            ).encode(),
            "people.bpmn": chain_process(keys["people"], people, name="Offers").encode(),
        },
    )
    yield keys
    camunda.delete_deployment(deployment["id"], cascade=True)  # no instance of ours left running


def api_url(suite: Suite) -> str:
    general = yaml.safe_load((suite.config_dir / "exchanger.yaml").read_text(encoding="utf-8"))
    return f"http://127.0.0.1:{general['api']['port']}"


def start(suite: Suite, *names: str) -> None:
    args = {"api": (), "worker": (), "creator": CREATOR_ARGS, "tracker": ()}
    for name in names:
        suite.start(name, *args[name])
    suite.wait_all_healthy([(name, args[name]) for name in names])


def sign_in(page: Page, base: str, token: str) -> None:
    page.goto(f"{base}/dashboard")
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#token", token)
    page.click("#signin-button")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=LIVE_S)


def cockpit_link(engine_name: str, instance_id: str) -> str:
    """A link to the instance in the engine's own Cockpit (Operaton's path differs from Camunda's)."""
    return f'a[href="{cockpit_pattern(engine_name).format(process_instance_id=instance_id)}"]'


def number(page: Page, selector: str) -> float:
    text = page.locator(selector).inner_text().strip()
    return (
        float(text.replace(",", "").replace("\u202f", "")) if re.fullmatch(r"[\d.,\u202f]+", text) else -1.0
    )


def test_the_page_follows_the_pipeline_live_and_its_buttons_act(
    suite: Suite,
    processes: dict[str, str],
    camunda: CamundaClient,
    stand_in: StandInService,
    sandbox: Sandbox,
    engine_name: str,
    page: Page,
    screenshots: Path,
) -> None:
    errors = ConsoleErrors()
    errors.watch(page)
    start(suite, "api")
    sign_in(page, api_url(suite), OPERATE_TOKEN)
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page
    expect(page.locator("#user-role")).to_have_text("operate")
    expect(page.locator('#systems tr[data-system="bitrix24"]')).to_contain_text("no data")
    python_rate = '#systems tr[data-system="python"] td[data-field="rate"]'
    expect(page.locator(python_rate)).to_have_text("0", timeout=LIVE_S)  # two reads: a rate of 0

    # The worker alone routes tasks into python.queue: the page shows the depth grow...
    start(suite, "worker")
    for n in range(5):
        camunda.start_process_instance(processes["count"], variables={"n": n})
    ready = '#queues tr[data-queue="python.queue"] td[data-field="messages"]'
    expect(page.locator(ready)).to_have_text("5", timeout=LIVE_S)
    # ...and drain once the creator and tracker run; the ledger's tasks complete on the page.
    start(suite, "creator", "tracker")
    expect(page.locator(ready)).to_have_text("0", timeout=LIVE_S)
    completed = page.locator('#recent tr[data-state="completed"]', has_text="e2e.count")
    expect(completed).to_have_count(5, timeout=LIVE_S)

    # The stand-in service settles 30 tasks: the python row's rate moves from 0.
    stand_in.settled.labels("python", "e2e.count", "", "completed", "engine").inc(30)
    wait_for(lambda: number(page, python_rate) > 0, timeout=LIVE_S / 1000, what="a python rate above 0")

    # People work: the Bitrix24 task, linked to the sandbox's item and to Cockpit.
    offer = camunda.start_process_instance(processes["people"])["id"]
    work = page.locator("#work tr", has=page.locator(f'a[href*="{offer}"]'))
    expect(work).to_have_count(1, timeout=LIVE_S)
    (task,) = wait_for(lambda: sandbox.tasks(), timeout=10, what="the Bitrix24 task")
    expect(work.locator("a", has_text=f"#{task['id']}")).to_have_attribute("href", re.compile(r"^https?://"))
    expect(work.locator(cockpit_link(engine_name, offer))).to_have_count(1)

    # An incident: the handler fails twice, the task runs out of retries.
    payment = camunda.start_process_instance(processes["broken"])["id"]
    first = wait_for(
        lambda: camunda.list_incidents(processInstanceId=payment), timeout=30, what="the incident"
    )[0]["id"]
    incident = page.locator(f'#incidents tr[data-id="{first}"]')
    expect(incident).to_contain_text("the upstream is down", timeout=LIVE_S)
    page.screenshot(path=str(screenshots / "dashboard.png"))  # what 1440×900 shows at once
    page.screenshot(path=str(screenshots / "dashboard-full.png"), full_page=True)

    incident.locator('button[data-action="retry"]').click()
    expect(page.locator("#toasts")).to_contain_text("Retried")
    expect(incident).to_have_count(0, timeout=LIVE_S)
    assert first not in {row["id"] for row in camunda.list_incidents(processInstanceId=payment)}

    # Pause, Resume and Stop the payment from its row.
    run = page.locator(f'#executions tr[data-id="{payment}"]')
    run.locator('button[data-action="pause"]').click()
    expect(run).to_have_attribute("data-state", "suspended", timeout=LIVE_S)
    assert camunda.get_process_instance(payment)["suspended"] is True
    run.locator('button[data-action="resume"]').click()
    expect(run).to_have_attribute("data-state", "running", timeout=LIVE_S)
    run.locator('button[data-action="stop"]').click()
    page.fill("#stop-reason", "tested from the dashboard")
    page.click("#stop-confirm")
    expect(run).to_have_count(0, timeout=LIVE_S)
    history = camunda.history_process_instance(payment)
    assert (history["state"], history["deleteReason"]) == (
        "EXTERNALLY_TERMINATED",
        "tested from the dashboard",
    )

    assert page.evaluate("window.sameDocument") is True  # every change came over the stream
    assert errors == []
    assert (screenshots / "dashboard.png").stat().st_size > 10_000


def test_without_a_valid_token_there_is_no_data_and_a_read_token_has_no_buttons(
    suite: Suite, processes: dict[str, str], camunda: CamundaClient, page: Page
) -> None:
    start(suite, "api")
    base = api_url(suite)
    for headers in ({}, {"Authorization": "Bearer not-a-token-of-ours-at-all"}):
        refused = requests.get(f"{base}/v1/dashboard/stream", headers=headers, timeout=10)
        assert refused.status_code == 401 and "counts" not in refused.text
        assert requests.get(f"{base}/v1/dashboard/snapshot", headers=headers, timeout=10).status_code == 401

    page.goto(f"{base}/dashboard")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#app")).to_be_hidden()
    page.fill("#token", "not-a-token-of-ours-at-all")
    page.click("#signin-button")
    expect(page.locator("#signin-error")).to_have_text("This token is not accepted.")
    expect(page.locator("#app")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0  # a refused token is not kept

    waiting = camunda.start_process_instance(processes["broken"])["id"]  # no worker: it stays running
    page.fill("#token", READ_TOKEN)
    page.click("#signin-button")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=LIVE_S)
    expect(page.locator("#user-role")).to_have_text("read-only")
    row = page.locator(f'#executions tr[data-id="{waiting}"]')
    expect(row).to_have_count(1, timeout=LIVE_S)
    expect(row.locator("button")).to_have_count(0)
    expect(page.locator("#executions button[data-action]")).to_have_count(0)

    page.click("#signout")
    expect(page.locator("#signin")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_the_page_shows_when_the_stream_is_lost_and_recovers_by_itself(suite: Suite, page: Page) -> None:
    start(suite, "api")
    sign_in(page, api_url(suite), READ_TOKEN)
    page.evaluate("window.sameDocument = true")
    before = page.locator("#updated").inner_text()

    stopping = time.monotonic()
    assert suite.stop("api") == 0
    # SIGTERM ends the open stream first; else uvicorn's graceful stop would wait for the page.
    assert time.monotonic() - stopping < 10
    expect(page.locator("#conn")).to_have_attribute("data-state", "lost", timeout=LIVE_S)
    expect(page.locator("#banner")).to_be_visible()
    expect(page.locator("#banner")).to_contain_text("Live updates lost")
    expect(page.locator("#main")).to_have_class(re.compile(r"\bstale\b"))

    start(suite, "api")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=30_000)
    expect(page.locator("#banner")).to_be_hidden()
    expect(page.locator("#updated")).not_to_have_text(before)
    assert page.evaluate("window.sameDocument") is True  # reconnected without a reload
