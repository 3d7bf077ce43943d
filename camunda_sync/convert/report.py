"""The conversion report: every change the converter made and every warning it has."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["change", "warning"]


@dataclass(frozen=True)
class ReportEntry:
    kind: Kind
    code: str  # short machine-readable category: task, condition, timer, namespace, ...
    element_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"[{self.element_id}] " if self.element_id else ""
        return f"{self.kind:<7} {self.code:<12} {where}{self.message}"


@dataclass
class ConversionReport:
    source: str
    mode: Literal["convert", "passthrough"] = "convert"
    executable_processes: list[str] = field(default_factory=list)
    entries: list[ReportEntry] = field(default_factory=list)

    def change(self, code: str, element_id: str | None, message: str) -> None:
        self.entries.append(ReportEntry("change", code, element_id, message))

    def warn(self, code: str, element_id: str | None, message: str) -> None:
        self.entries.append(ReportEntry("warning", code, element_id, message))

    @property
    def changes(self) -> list[ReportEntry]:
        return [entry for entry in self.entries if entry.kind == "change"]

    @property
    def warnings(self) -> list[ReportEntry]:
        return [entry for entry in self.entries if entry.kind == "warning"]

    def count(self, code: str) -> int:
        return sum(1 for entry in self.changes if entry.code == code)

    def summary(self) -> str:
        processes = ", ".join(self.executable_processes) or "none"
        return (
            f"{self.source}: {self.mode}, executable process(es): {processes}; "
            f"{len(self.changes)} change(s), {len(self.warnings)} warning(s)"
        )

    def lines(self) -> list[str]:
        return [self.summary(), *(f"  {entry}" for entry in self.entries)]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "mode": self.mode,
            "executable_processes": list(self.executable_processes),
            "changes": [asdict(entry) for entry in self.changes],
            "warnings": [asdict(entry) for entry in self.warnings],
        }
