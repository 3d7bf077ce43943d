"""A dataset reference: what a process carries instead of the rows themselves."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from core.errors import PermanentError, RetryableError

# Dataset ids derive from the task that writes them, so a re-fetched task finds its own rows.
_NAMESPACE = uuid.UUID("6f1c7f4e-2b57-4c1e-9d0a-5a4be0d2c9a1")
REQUIRED = ("dataset_id", "kind", "rows", "checksum")


class DatasetError(PermanentError):
    """A dataset or a reference to one is missing, unfinished or malformed."""


class DatasetStoreUnavailable(RetryableError):
    """The database under the datasets failed; the task is tried again later."""


@dataclass(frozen=True)
class DatasetRef:
    id: str
    kind: str
    rows: int
    time_from: str | None
    time_to: str | None
    checksum: str

    def to_variable(self) -> dict[str, Any]:
        """The JSON object a process variable holds."""
        value = asdict(self)
        value["dataset_id"] = value.pop("id")
        return value

    @classmethod
    def from_variable(cls, value: Any, *, name: str) -> DatasetRef:
        """Read a reference from a variable; anything else is an error naming ``name``."""
        if not isinstance(value, Mapping):
            shown = type(value).__name__ if value is not None else "nothing"
            raise DatasetError(f"variable {name!r} must hold a dataset reference, it holds {shown}")
        missing = [key for key in REQUIRED if value.get(key) in (None, "")]
        if missing:
            raise DatasetError(f"variable {name!r} is not a dataset reference: no {', '.join(missing)}")
        try:
            rows = int(value["rows"])
        except (TypeError, ValueError):
            raise DatasetError(f"variable {name!r}: rows must be a number, not {value['rows']!r}") from None
        return cls(
            id=str(value["dataset_id"]),
            kind=str(value["kind"]),
            rows=rows,
            time_from=_text(value.get("time_from")),
            time_to=_text(value.get("time_to")),
            checksum=str(value["checksum"]),
        )


def dataset_id_for(kind: str, external_task_id: str) -> str:
    """The same task and kind always name the same dataset (resumable pulls rely on it)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}\n{external_task_id}"))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
