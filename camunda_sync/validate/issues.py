"""One finding about a BPMN file, from any of the checkers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]
Checker = Literal["structure", "bpmnlint", "engine", "routing"]


@dataclass(frozen=True)
class Issue:
    severity: Severity
    checker: Checker
    message: str
    element_id: str | None = None
    line: int | None = None
    column: int | None = None
    rule: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = []
        if self.line:
            where.append(f"line {self.line}" + (f":{self.column}" if self.column else ""))
        if self.element_id:
            where.append(self.element_id)
        location = f" [{', '.join(where)}]" if where else ""
        rule = f" ({self.rule})" if self.rule else ""
        return f"{self.severity}: {self.checker}{location}: {self.message}{rule}"

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}
