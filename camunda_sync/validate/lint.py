"""bpmnlint's recommended rules as a second opinion (Node, packages from the repo's package.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from loguru import logger

from camunda_sync.validate.issues import Issue, Severity

SCRIPT = Path(__file__).resolve().parents[1] / "js" / "bpmnlint.mjs"
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
TIMEOUT_S = 120


def lint_unavailable() -> str | None:
    """Why bpmnlint cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_MODULES / "bpmnlint").is_dir():
        return f"bpmnlint is not installed in {NODE_MODULES} (run `npm ci` in the repository)"
    return None


def run_bpmnlint(data: bytes, *, strict: bool = False) -> list[Issue]:
    """bpmnlint's findings; its errors count as errors only when ``strict``."""
    reason = lint_unavailable()
    if reason:
        return [Issue("warning", "bpmnlint", f"skipped: {reason}")]
    with tempfile.TemporaryDirectory(prefix="camunda-sync-lint-") as folder:
        path = Path(folder) / "diagram.bpmn"
        path.write_bytes(data)
        result = _run_node(path)
    if not result.get("ok"):
        return [Issue("warning", "bpmnlint", f"could not lint: {result.get('error')}")]
    return [_issue(report, strict) for report in result.get("reports", [])]


def _run_node(path: Path) -> dict[str, Any]:
    try:
        completed = subprocess.run(
            ["node", str(SCRIPT), str(path)], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"bpmnlint took longer than {TIMEOUT_S} s"}
    if completed.returncode != 0:
        logger.debug("bpmnlint failed: {}", completed.stderr.strip()[-500:])
        return {"ok": False, "error": completed.stderr.strip().splitlines()[-1:] or "node failed"}
    results: dict[str, Any] = json.loads(completed.stdout)
    return dict(results.get(str(path), {"ok": False, "error": "no result"}))


def _issue(report: dict[str, Any], strict: bool) -> Issue:
    severity: Severity = "error" if strict and report.get("category") == "error" else "warning"
    return Issue(
        severity=severity,
        checker="bpmnlint",
        message=str(report.get("message") or ""),
        element_id=report.get("id"),
        rule=report.get("rule"),
    )
