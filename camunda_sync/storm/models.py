"""StormBPMN's data as the clients return it, read tolerantly (the docs warn the contract moves)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Assignee:
    """Who does an element, from the internal API's "assignee edges" (not in the XML)."""

    name: str
    id: str | None = None
    type: str | None = None  # HUMAN, ...


@dataclass(frozen=True)
class DiagramSummary:
    """One entry of a diagram list: enough to select it and to notice a change."""

    id: str
    name: str
    folder: str | None = None
    version: int | None = None
    updated_on: str | None = None
    status: str | None = None

    @property
    def revision(self) -> str:
        """What changes whenever the diagram does."""
        return f"v{self.version}@{self.updated_on}"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DiagramSummary:
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or data["id"]),
            folder=_opt_str(data.get("teamFolderName")),
            version=_opt_int(data.get("versionNumber")),
            updated_on=_opt_str(data.get("updatedOn")),
            status=_opt_str(data.get("status")),
        )


@dataclass(frozen=True)
class Diagram:
    summary: DiagramSummary
    xml: str

    @property
    def id(self) -> str:
        return self.summary.id

    @property
    def name(self) -> str:
        return self.summary.name

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Diagram:
        body = data.get("body")
        if not isinstance(body, str) or not body.strip():
            raise ValueError(f"diagram {data.get('id')!r} has no XML body")
        return cls(summary=DiagramSummary.from_json(data), xml=body)


def assignees_from_edges(edges: list[dict[str, Any]]) -> dict[str, list[Assignee]]:
    """``elementId`` → assignees, from the internal API's assignee edges."""
    found: dict[str, list[Assignee]] = {}
    for edge in edges:
        element_id, name = edge.get("elementId"), edge.get("assigneeName")
        if element_id and name:
            assignee = Assignee(
                str(name), _opt_str(edge.get("assigneeId")), _opt_str(edge.get("assigneeType"))
            )
            found.setdefault(str(element_id), []).append(assignee)
    return found


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None
