"""The engine's deployment errors (``ParseException`` details) as issues with line and element."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from camunda_sync.validate.issues import Issue, Severity
from core.errors import CamundaRequestError

# Camunda 7.24 answers "mainElementId"/"еlementIds" (the latter with a Cyrillic "е"), the
# REST docs say "mainBpmnElementId"/"bpmnElementIds"; accept every spelling.
MAIN_ELEMENT_KEYS = ("mainElementId", "mainBpmnElementId")


def issues_from_engine_error(error: CamundaRequestError) -> list[Issue]:
    details = error.details if isinstance(error.details, Mapping) else None
    issues: list[Issue] = []
    for report in (details or {}).values():
        if not isinstance(report, Mapping):
            continue
        issues += [_issue(item, "error") for item in report.get("errors") or [] if isinstance(item, Mapping)]
        issues += [
            _issue(item, "warning") for item in report.get("warnings") or [] if isinstance(item, Mapping)
        ]
    if not any(issue.is_error for issue in issues):
        issues.append(
            Issue("error", "engine", f"HTTP {error.status} {error.error_type}: {error.engine_message}")
        )
    return issues


def _issue(item: Mapping[str, Any], severity: Severity) -> Issue:
    element = next((item[key] for key in MAIN_ELEMENT_KEYS if item.get(key)), None)
    if element is None:
        ids = next(
            (value for key, value in item.items() if key.lower().endswith("lementids") and value), None
        )
        element = ids[0] if isinstance(ids, list) and ids else None
    return Issue(
        severity=severity,
        checker="engine",
        message=str(item.get("message") or "").strip(),
        element_id=str(element) if element else None,
        line=_position(item.get("line")),
        column=_position(item.get("column")),
    )


def _position(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
