"""Which StormBPMN diagrams ``sync`` takes, from ``selection`` in the config."""

from __future__ import annotations

import fnmatch

from camunda_sync.config.models import SelectionSettings
from camunda_sync.storm.models import DiagramSummary


def is_selected(summary: DiagramSummary, selection: SelectionSettings) -> bool:
    """Listed ids always; otherwise folder and name must match (an empty list matches any).

    With no ids, folders or names at all nothing is selected: an empty config must not
    deploy a whole team's diagrams.
    """
    if summary.id in selection.ids:
        return True
    if not (selection.folders or selection.names):
        return False
    return _any(summary.folder or "", selection.folders) and _any(summary.name, selection.names)


def _any(value: str, patterns: tuple[str, ...]) -> bool:
    folded = " ".join(value.split()).casefold()
    return not patterns or any(fnmatch.fnmatchcase(folded, p.casefold()) for p in patterns)


def process_key(template: str, summary: DiagramSummary) -> str | None:
    """The definition key for a diagram (StormBPMN gives every diagram the same template id)."""
    if not template:
        return None
    return template.replace("{diagram_id}", summary.id.replace("-", "_"))


def resource_name(summary: DiagramSummary) -> str:
    """A stable ASCII file name for the deployment resource (deploy-changed-only compares by it)."""
    return f"{summary.id}.bpmn"
