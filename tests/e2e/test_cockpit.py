"""Cockpit, the engine's own webapp, reached from the link a Bitrix24 people task carries.

The real pipeline (worker, creator and tracker as processes, the real engine and broker, the
Bitrix24 sandbox) creates the task; headless Chromium follows the link in its description, logs in
with the engine's admin user (ENGINE_ADMIN_USER / ENGINE_ADMIN_PASSWORD, as the engine reads them)
and must see the process instance. Runs on both engines: the second costs one more pipeline start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Page

from core.camunda import CamundaClient
from tests.fixtures.bitrix24.e2e import configure, deploy_demo, open_exactly, start_all
from tests.fixtures.bitrix24.support import Sandbox, running_sandbox
from tests.support.browser import browser, page, screenshots  # noqa: F401
from tests.support.cockpit import cockpit_pattern, shipped_patterns
from tests.support.suite import Suite
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e
ADMIN_USER = os.environ.get("ENGINE_ADMIN_USER", "demo")
ADMIN_PASSWORD = os.environ.get("ENGINE_ADMIN_PASSWORD", "demo")
BB_LINK = re.compile(r"\[URL=(?P<url>[^\]]+)\](?P<text>[^\[]+)\[/URL\]")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with running_sandbox(rate=2.0, burst=50) as started:
        yield started


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[Suite]:
    suite = Suite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    yield suite
    suite.close()


def test_the_shipped_links_point_to_camundas_cockpit_instance_page() -> None:
    patterns = shipped_patterns()
    assert set(patterns.values()) == {
        "http://127.0.0.1:8080/camunda/app/cockpit/default/#/process-instance/{process_instance_id}/runtime"
    }, patterns


def test_the_task_link_opens_the_instance_in_cockpit(
    suite: Suite,
    sandbox: Sandbox,
    engine: CamundaClient,
    engine_name: str,
    unique: str,
    page: Page,  # noqa: F811
    screenshots: Path,  # noqa: F811
) -> None:
    key = f"p{unique}"
    pattern = cockpit_pattern(engine_name)
    cockpit = urlsplit(pattern)._replace(fragment="").geturl()
    if requests.get(cockpit, timeout=10).status_code == 404:
        pytest.fail(
            f"{cockpit} is not served: the {engine_name} engine runs a build without the webapps; "
            f"restart it (scripts/services.sh stop {engine_name}; scripts/services.sh start {engine_name})",
            pytrace=False,
        )
    lanes = {"Manager": 2, "Director": 3}
    configure(suite, sandbox, [key], options={"tasks": {"lane_users": lanes, "instance_url": pattern}})
    deploy_demo(engine, "people-task.bpmn", key)
    instance = engine.start_process_instance(key, variables={"customer": "Acme"})["id"]
    start_all(suite)
    task = wait_for(lambda: open_exactly(sandbox, 1), timeout=60, what="the Bitrix24 task")[0]
    description = task["fields"]["description"]
    link = BB_LINK.search(description)
    assert link is not None, description
    assert link["text"] == instance
    assert link["url"] == pattern.replace("{process_instance_id}", instance)

    page.goto(link["url"])
    # Without a session Cockpit shows its login form and returns to the linked page afterwards.
    page.get_by_placeholder("Username").fill(ADMIN_USER)
    page.get_by_placeholder("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # The sidebar's "Instance ID" and "Definition Key" (an unknown instance sends Cockpit back to
    # its dashboard instead), and the diagram drawn with the task the instance waits in.
    expected = {"instance-id": instance, "definition-key": key}

    def instance_page_shown() -> bool:
        fields = {name: page.locator(f"dd.{name}") for name in expected}
        shown = {name: field.inner_text().strip() for name, field in fields.items() if field.count() == 1}
        return shown == expected and page.locator('[data-element-id="Prepare"]').is_visible()

    try:
        wait_for(instance_page_shown, timeout=30, interval=0.2, what=f"Cockpit to show instance {instance}")
    finally:  # what the browser saw, also when it failed
        page.screenshot(path=str(screenshots / f"cockpit-{engine_name}.png"), full_page=True)
    assert f"#/process-instance/{instance}/runtime" in page.url
