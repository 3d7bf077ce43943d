"""The systems registry, and the rule that dependencies point inward only."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
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


_LOADED = """
import sys
{imports}
print(" ".join(sorted({{m.split(".")[1] for m in sys.modules if m.startswith("systems.")}} - {{"registry"}})))
print("pycurl" in sys.modules)
"""


def _loaded(imports: str) -> tuple[set[str], bool]:
    """The system packages and whether libcurl are loaded after ``imports``, in a fresh interpreter."""
    code = _LOADED.format(imports=imports)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    systems, curl = out.stdout.splitlines()
    return set(systems.split()), curl == "True"


def test_services_load_a_system_only_when_they_look_it_up() -> None:
    # Each system package costs a process memory; a creator serves one, a tracker polls few.
    assert _loaded("import task_tracker.app, task_creator.app\nfrom systems import registry")[0] == set()
    assert _loaded("from systems import registry\n'python' in registry.SYSTEMS")[0] == set()
    assert _loaded("from systems import registry\nregistry.descriptor('python')")[0] == {"python"}


def test_libcurl_loads_with_the_first_engine_client_not_with_a_service() -> None:
    # A creator with creator.complete_in_engine off never calls the engine and never pays for it.
    assert _loaded("import task_creator.app")[1] is False
    assert (
        _loaded(
            "import task_tracker.app\nfrom core import wiring\nfrom core.config import AppSettings\n"
            "wiring.camunda_client(AppSettings())"
        )[1]
        is True
    )


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
