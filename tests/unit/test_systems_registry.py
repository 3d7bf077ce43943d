"""The systems registry, and the rule that dependencies point inward only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.actions.errors import SystemLoadError
from systems import registry

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("universal_worker", "task_creator", "task_tracker", "camunda_sync", "api")
OURS = ("core", "systems", *SERVICES, "tools")


def test_every_descriptor_is_registered_under_its_name_and_tracked_ones_have_a_tracker() -> None:
    assert {"bitrix24", "dadata", "openproject", "ozon", "python", "smsaero", "storage", "yandexgpt"} <= set(
        registry.SYSTEMS
    )
    for name, descriptor in registry.SYSTEMS.items():
        assert descriptor.name == name
        assert (descriptor.create_tracker is not None) == (descriptor.kind == "tracked")


def test_an_unregistered_system_is_a_load_error_naming_it_and_the_known_ones() -> None:
    with pytest.raises(
        SystemLoadError,
        match=r"'onec' is not registered .*known: bitrix24, dadata, openproject, ozon, python",
    ):
        registry.create_router("onec", {})


@pytest.mark.parametrize("key", ["package", "tracker"])
def test_options_that_once_named_a_module_are_refused_naming_the_key(key: str) -> None:
    with pytest.raises(
        SystemLoadError, match=rf"systems\.python\.options\.{key} is no longer read"
    ) as caught:
        registry.create_router("python", {key: "systems.python"})
    assert caught.value.key == f"systems.python.options.{key}"


def _imports(package: str) -> set[str]:
    """Top-level packages imported anywhere under ``package``."""
    found: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found & set(OURS)


@pytest.mark.parametrize(
    ("package", "allowed"),
    [("core", {"core"}), ("systems", {"core", "systems"})]
    + [(service, {"core", "systems", service}) for service in SERVICES],
)
def test_dependencies_point_inward_only(package: str, allowed: set[str]) -> None:
    assert _imports(package) <= allowed


def test_no_module_path_of_ours_is_written_in_configuration() -> None:
    pattern = re.compile(rf"(?<![\w./-])(?:{'|'.join(OURS)})\.[a-z_]+\.[a-z_]")
    for path in (ROOT / "config").glob("*.yaml"):
        assert not pattern.search(path.read_text(encoding="utf-8")), path.name
