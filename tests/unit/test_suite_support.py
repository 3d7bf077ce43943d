"""The e2e Suite's own logic: health waits against stand-in services, its config files."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_settings
from tests.support import suite as suite_module
from tests.support.suite import SHORT_CLAIM_LEASE_S, Suite
from tools import launcher

# ``--name N``: beats (N.heartbeat with its pid) after ``--beat-after`` seconds, or exits 3 with
# ``--exit``; ``--check`` logs itself to checks.log and passes once N.heartbeat exists.
FAKE_SERVICE = """
import json, os, signal, sys, time
from pathlib import Path

state = Path(os.environ["FAKE_STATE_DIR"])
name = sys.argv[sys.argv.index("--name") + 1]
if "--check" in sys.argv:
    with (state / "checks.log").open("a") as log:
        log.write(name + "\\n")
    sys.exit(0 if (state / f"{name}.heartbeat").exists() else 1)
if "--exit" in sys.argv:
    sys.exit(3)
time.sleep(float(sys.argv[sys.argv.index("--beat-after") + 1]))
(state / f"{name}.heartbeat").write_text(json.dumps({"pid": os.getpid()}))
while True:
    signal.pause()
"""


@pytest.fixture
def suite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Suite]:
    (tmp_path / "fake_service.py").write_text(FAKE_SERVICE)
    suite = Suite(tmp_path, prefix="unit.", engine="camunda")
    suite.state_dir.mkdir()
    env = {**launcher.child_env(), "PYTHONPATH": str(tmp_path), "FAKE_STATE_DIR": str(suite.state_dir)}
    monkeypatch.setattr(suite_module, "MODULES", dict.fromkeys(("ready", "slow", "dead"), "fake_service"))
    monkeypatch.setattr(suite, "env", lambda: env)
    yield suite
    for name in list(suite.processes):
        suite.kill(name)  # not close(): that would ask the broker to delete queues


def checks(suite: Suite) -> list[str]:
    return (suite.state_dir / "checks.log").read_text().split()


def test_every_process_passes_and_is_checked_once_it_beats(suite: Suite) -> None:
    ready, slow = (
        ("ready", ("--name", "ready", "--beat-after", "0")),
        ("slow", ("--name", "slow", "--beat-after", "2")),
    )
    for name, args in (ready, slow):
        suite.start(name, *args)

    suite.wait_all_healthy([ready, slow], timeout=30)

    # One check each, after the beat: polling --check while the child starts would run about seven.
    assert sorted(checks(suite)) == ["ready", "slow"]


def test_the_first_failure_is_raised_with_its_name_and_log_without_waiting_for_the_others(
    suite: Suite,
) -> None:
    slow = ("slow", ("--name", "slow", "--beat-after", "1000"))  # a sequential wait sits here 30 s
    dead = ("dead", ("--name", "dead", "--exit"))
    for name, args in (slow, dead):
        suite.start(name, *args)
    started = time.monotonic()

    with pytest.raises(AssertionError, match=r"dead exited with code 3"):
        suite.wait_all_healthy([slow, dead], timeout=30)

    assert time.monotonic() - started < 15


def test_set_creator_changes_only_the_creators_settings(tmp_path: Path) -> None:
    suite = Suite(tmp_path, prefix="unit.", engine="operaton")
    suite.configure(systems={}, rules=[], worker={"max_tasks": 7})

    suite.set_creator(claim_lease_s=SHORT_CLAIM_LEASE_S)

    settings = load_settings(suite.config_dir, env={})
    assert settings.creator.claim_lease_s == SHORT_CLAIM_LEASE_S and settings.worker.max_tasks == 7
