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
    for name in (
        "exchanger-universal-worker.service",
        "exchanger-task-tracker.service",
        "exchanger-task-creator@.service",
    ):
        text = (units / name).read_text()
        assert "TimeoutStopSec=90" in text  # longer than the 60 s the services allow in-flight work
        assert "RestartPreventExitStatus=2" in text
        assert "NoNewPrivileges=yes" in text and "ProtectSystem=strict" in text


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
