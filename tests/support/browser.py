"""Debian's Chromium, driven by Playwright, for the web pages' tests.

Playwright's own browser download is never used: the launch names /usr/bin/chromium, which
``scripts/services.sh install`` puts there (package ``chromium``). The flags keep Chromium
off the network this machine does not have (background updates, sync, QUIC).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",  # the tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Per module, not per session: Playwright's sync API runs an event loop on this thread while the
# browser is open, and later tests that call asyncio.run() must not find it running.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/services.sh install (Debian package chromium)", pytrace=False
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


class ConsoleErrors(list[str]):
    """Console errors and uncaught page errors seen by a page."""

    def watch(self, page: Page) -> None:
        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                self.append(f"console: {message.text}")

        page.on("console", on_console)
        page.on("pageerror", lambda err: self.append(f"page error: {err}"))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def screenshots(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test's output folder for screenshots (kept after the run: pytest's basetemp), named with
    its parameters (the engine) after its shortened name."""
    node = request.node
    params = f"-{node.callspec.id}" if hasattr(node, "callspec") else ""
    return tmp_path_factory.mktemp(f"screens-{node.originalname[:40]}{params}")
