"""The short chaos run (``python -m tools.chaos --short``) once per engine, judged by its report.

About 200 instances while each service type is SIGKILLed once, the broker node, the engine and
PostgreSQL are restarted once and the Bitrix24 sandbox storms once, all on copies of the services
the run starts itself (``.state/chaos``). The report counts only external truth: the engine's
history, the sandbox's tasks and the handler's effect rows (docs/reliability.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tools.launcher import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]

#: About what one short run takes on the 2-core development machine (140-190 s); its time is
#: reported, not asserted (timing belongs in benchmarks): the limits below only stop a hung run.
SHORT_RUN_S = 180.0


def run_short(engine: str, out: Path) -> tuple[int, dict[str, Any], float]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "tools.chaos", "--short", "--engine", engine, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SHORT_RUN_S * 2,
        check=False,
    )
    took = time.monotonic() - began
    reports = list(out.glob("*/report.json"))
    assert len(reports) == 1, (
        f"no report (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.returncode, json.loads(reports[0].read_text()), took


@pytest.mark.timeout(SHORT_RUN_S * 2 + 60)
@pytest.mark.parametrize("engine", ["camunda", "operaton"])
def test_a_short_chaos_run_loses_nothing_and_duplicates_nothing(engine: str, tmp_path: Path) -> None:
    code, document, took = run_short(engine, tmp_path)
    counts = document["verdict"]["counts"]
    print(f"short chaos run on {engine}: {took:.0f} s, {json.dumps(counts)}")

    # Every planned fault happened, each with its down-time ended
    assert counts["faults_injected"] == counts["faults_planned"] == len(document["plan"]["faults"])
    assert all(fault["error"] is None and fault["ended"] for fault in document["faults"])
    kinds = {fault["kind"] for fault in document["faults"]}
    assert {"kill", "broker-node", "engine", "postgres"} <= kinds and kinds & {"storm-5xx", "storm-429"}
    # Every instance started is explained: completed, or held by an incident with a message
    assert counts["started"] == counts["planned"] == 200
    assert counts["lost"] == 0, document["verdict"]["lost_instances"]
    assert counts["completed"] + counts["incidents"] == counts["started"]
    assert counts["incidents_without_message"] == 0
    # Nothing happened twice outside Exchanger, and nothing completed without its effect
    assert counts["duplicate_bitrix24_tasks"] == 0
    assert counts["duplicate_handler_effects"] == 0
    assert counts["missing_effects"] == 0
    assert 0 < counts["bitrix24_tasks"] <= document["people_instances"]
    assert counts["handler_attempts"] >= counts["handler_effects"] > 0
    assert code == 0 and document["verdict"]["passed"]
