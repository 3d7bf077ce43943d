"""Fixtures for end-to-end tests: the three services as separate processes, per test.

Every end-to-end test runs once per engine (Camunda 7.24 and Operaton: ``engine_name``); its
client is ``camunda`` and its suite's services use the same engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.camunda import CamundaClient
from tests.support.suite import Suite


def python_system(effects_db: Path, **overrides: Any) -> dict[str, Any]:
    system: dict[str, Any] = {
        "kind": "immediate",
        "lock_duration_ms": 60_000,
        "concurrency": 8,
        "retry": {"attempts": 3, "min_delay_ms": 300, "max_delay_ms": 2_000, "multiplier": 2, "jitter": 0.1},
        "options": {"handler_modules": ["tests.support.handlers"], "effects_db": str(effects_db)},
    }
    system.update(overrides)
    return system


@pytest.fixture
def camunda(engine: CamundaClient) -> CamundaClient:
    """The engine under test, parametrized: overrides the Camunda-only client of tests/conftest.py."""
    return engine


@pytest.fixture
def suite(tmp_path: Path, rabbitmq: str, engine_name: str, unique: str) -> Iterator[Suite]:
    """A configured, not yet started suite for the process keys ``p<unique>`` and ``q<unique>``."""
    suite = Suite(tmp_path, prefix=f"e2e{unique}.", engine=engine_name)
    suite.configure(
        systems={"python": python_system(tmp_path / "effects.sqlite3")},
        rules=[{"topic": "e2e.*", "system": "python"}],
        worker={"process_definition_keys": [f"p{unique}", f"q{unique}"]},
    )
    yield suite
    suite.close()


@pytest.fixture
def effects_db(tmp_path: Path) -> str:
    return str(tmp_path / "effects.sqlite3")
