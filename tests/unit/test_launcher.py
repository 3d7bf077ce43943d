"""tools.launcher against a tiny stand-in service (a module written to tmp_path), no real services."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.waiting import wait_for
from tools import launcher

# Prints its arguments, counts down --ready-after checks, and on SIGTERM exits 0 unless --stubborn.
FAKE_SERVICE = """
import signal, sys
from pathlib import Path

marker = Path(sys.argv[0]).with_name("checks")
if "--check" in sys.argv:
    left = int(marker.read_text()) if marker.exists() else 0
    marker.write_text(str(left - 1))
    sys.exit(0 if left <= 0 else 1)
if "--ready-after" in sys.argv:
    marker.write_text(sys.argv[sys.argv.index("--ready-after") + 1])
stubborn = "--stubborn" in sys.argv
signal.signal(signal.SIGTERM, (lambda *_: None) if stubborn else (lambda *_: sys.exit(0)))
print("args", sys.argv[1:], flush=True)  # the tests wait for this line: set-up is done
if "--exit" in sys.argv:
    sys.exit(3)
while True:
    signal.pause()  # idle until a signal; a stubborn SIGTERM handler returns here
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "fake_service.py").write_text(FAKE_SERVICE)
    return {**launcher.child_env(), "PYTHONPATH": str(tmp_path)}


def start(tmp_path: Path, env: dict[str, str], *args: str, name: str = "fake") -> launcher.Child:
    return launcher.launch(name, "fake_service", args, tmp_path / "logs" / f"{name}.log", env)


def wait_for_output(child: launcher.Child) -> str:
    def printed() -> str:
        text = launcher.tail(child.log)
        return text if "args" in text else ""

    return wait_for(printed, timeout=10, what="the child to print its arguments")


def test_child_env_drops_foreign_variables_and_sets_the_config_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CAMUNDA_URL", "http://elsewhere")
    monkeypatch.setenv("LEDGER_DSN", "sqlite:///x.db")
    env = launcher.child_env(tmp_path, {"LOG_FORMAT": "json"})
    assert "CAMUNDA_URL" not in env and env["LEDGER_DSN"] == "sqlite:///x.db"
    assert env["EXCHANGER_CONFIG_DIR"] == str(tmp_path) and env["LOG_FORMAT"] == "json"
    assert env["PYTHONPATH"] == str(launcher.ROOT)
    assert "LEDGER_DSN" not in launcher.child_env(foreign=("LEDGER_",))


def test_output_goes_to_the_log_and_sigterm_stops_the_child(tmp_path: Path, env: dict[str, str]) -> None:
    child = start(tmp_path, env, "--system", "x")
    assert "args ['--system', 'x']" in wait_for_output(child)
    assert launcher.terminate(child, timeout=10) == 0


def test_wait_healthy_polls_the_check_until_it_passes(tmp_path: Path, env: dict[str, str]) -> None:
    child = start(tmp_path, env, "--ready-after", "2")
    wait_for_output(child)
    launcher.wait_healthy(child, "fake_service", [], env, timeout=20)
    launcher.kill(child)


def test_wait_healthy_reports_a_child_that_exited_with_its_log(tmp_path: Path, env: dict[str, str]) -> None:
    child = start(tmp_path, env, "--exit")
    child.process.wait(timeout=10)
    with pytest.raises(launcher.ChildExited, match=r"(?s)exited with code 3.*args \['--exit'\]"):
        launcher.wait_healthy(child, "fake_service", [], env, timeout=5)


def test_wait_healthy_gives_up_after_the_timeout(tmp_path: Path, env: dict[str, str]) -> None:
    child = start(tmp_path, env, "--ready-after", "1000")
    wait_for_output(child)
    with pytest.raises(launcher.NotHealthy, match="within 0 s"):
        launcher.wait_healthy(child, "fake_service", [], env, timeout=0)
    launcher.kill(child)


def test_stop_all_kills_what_ignores_sigterm(tmp_path: Path, env: dict[str, str]) -> None:
    polite = start(tmp_path, env, name="polite")
    stubborn = start(tmp_path, env, "--stubborn", name="stubborn")
    for child in (polite, stubborn):
        wait_for_output(child)
    launcher.stop_all([polite, stubborn], timeout=1)
    assert polite.exited() == 0 and stubborn.exited() == -9


def test_terminate_raises_when_the_child_does_not_end_in_time(tmp_path: Path, env: dict[str, str]) -> None:
    child = start(tmp_path, env, "--stubborn")
    wait_for_output(child)
    with pytest.raises(subprocess.TimeoutExpired):
        launcher.terminate(child, timeout=0.5)
    assert launcher.kill(child) == -9
