"""The systemd unit templates render into units that systemd itself accepts."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.required import missing

ROOT = Path(__file__).resolve().parents[2]


def render(tmp_path: Path) -> Path:
    units = tmp_path / "units"
    env = {**os.environ, "RENDER_ONLY": "1", "UNIT_DIR": str(units)}
    subprocess.run([str(ROOT / "scripts/install-systemd.sh"), "--prefix", str(ROOT)], env=env, check=True)
    return units


def test_templates_render_with_every_placeholder_filled(tmp_path: Path) -> None:
    units = render(tmp_path)
    names = sorted(p.name for p in units.iterdir())
    assert names == [
        "exchanger-api.service",
        "exchanger-camunda-sync.service",
        "exchanger-camunda-sync.timer",
        "exchanger-task-creator@.service",
        "exchanger-task-tracker.service",
        "exchanger-universal-worker.service",
    ]
    for unit in units.iterdir():
        assert "@PREFIX@" not in unit.read_text() and "@ENV_FILE@" not in unit.read_text()


def test_services_outwait_the_orderly_shutdown_and_do_not_restart_on_config_errors(tmp_path: Path) -> None:
    units = render(tmp_path)
    for name, stop_s in (
        ("exchanger-universal-worker.service", 90),
        ("exchanger-task-tracker.service", 90),
        ("exchanger-task-creator@.service", 90),  # longer than the 60 s the services allow in-flight work
        ("exchanger-api.service", 120),  # the 30 s HTTP drain, then the intake queue's 60 s
    ):
        text = (units / name).read_text()
        assert f"TimeoutStopSec={stop_s}" in text, name
        assert "RestartPreventExitStatus=2" in text
        assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text


def test_the_api_unit_runs_python_m_api(tmp_path: Path) -> None:
    text = (render(tmp_path) / "exchanger-api.service").read_text()
    assert f"ExecStart={ROOT}/.venv/bin/python -m api\n" in text


def test_long_running_units_start_after_a_local_broker_and_ledger_database(tmp_path: Path) -> None:
    units = render(tmp_path)
    for name in (
        "exchanger-api.service",
        "exchanger-task-creator@.service",
        "exchanger-task-tracker.service",
        "exchanger-universal-worker.service",
    ):
        after = next(line for line in (units / name).read_text().splitlines() if line.startswith("After="))
        assert set(after.removeprefix("After=").split()) >= {
            "rabbitmq-server.service",
            "postgresql.service",
        }, name


def test_the_installer_enables_every_installable_unit() -> None:
    script = (ROOT / "scripts/install-systemd.sh").read_text()
    enabled = " ".join(line for line in script.splitlines() if "systemctl enable" in line)
    for unit in (ROOT / "scripts/systemd").iterdir():
        if "[Install]" in unit.read_text() and "@." not in unit.name:
            assert unit.name in enabled, unit.name
    assert "exchanger-task-creator@$system.service" in enabled


def test_each_creator_may_have_an_environment_file_of_its_own(tmp_path: Path) -> None:
    creator = (render(tmp_path) / "exchanger-task-creator@.service").read_text()
    # optional ("-"): a creator without one starts; with one, e.g. its own metrics port
    assert "EnvironmentFile=-/etc/exchanger/creator-%i.env" in creator


def test_systemd_analyze_accepts_the_units(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        missing("systemd-analyze", "the systemd package (Debian: apt-get install systemd)")
    units = render(tmp_path)
    shutil.copy(units / "exchanger-task-creator@.service", units / "exchanger-task-creator@python.service")
    env_file = tmp_path / "exchanger.env"
    env_file.write_text("CAMUNDA_URL=http://127.0.0.1:8080/engine-rest\n")
    for unit in units.iterdir():
        text = unit.read_text().replace("/etc/exchanger/exchanger.env", str(env_file))
        unit.write_text(text)
    checked = [u for u in units.iterdir() if u.name != "exchanger-task-creator@.service"]
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, checked)], capture_output=True, text=True, cwd=units
    )
    problems = [line for line in result.stderr.splitlines() if "exchanger" in line]
    assert result.returncode == 0 and not problems, result.stderr
