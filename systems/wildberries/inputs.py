"""What a Wildberries task reads from its activity and process, and the variables it writes.

Period: the variables ``date_from`` / ``date_to`` (Date or ISO text), else the properties
``wb.date_from`` / ``wb.date_to``, else a relative period from the variable ``wb_period`` or
the property ``wb.period`` (``yesterday``, ``today``, ``last N days``), else the option
``default_period``. A missing end is yesterday (or the start, when that is later).
Results: the dataset reference (Json) and its row count, named by ``options.results`` or,
with the property ``wb.output = x``, ``x`` and ``x_count``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from core.actions.context import TaskContext
from core.datasets import DatasetRef
from core.errors import PermanentError
from systems.wildberries.periods import Period, relative, to_date
from systems.wildberries.settings import ResultNames

OUTPUT_PROPERTY = "wb.output"


def period_of(task: TaskContext, today: date, default: str) -> Period:
    """The task's period (see the module's docstring); PermanentError names a bad input."""
    begin = _date_input(task, "date_from")
    end = _date_input(task, "date_to")
    if begin is None and end is None:
        return _relative_input(task, today, default)
    yesterday = today - timedelta(days=1)
    if begin is None:
        raise PermanentError(
            f"{task.topic}: date_to is given without date_from (activity {task.activity_label})"
        )
    try:
        return Period(begin, end or max(begin, yesterday))
    except ValueError as err:
        raise PermanentError(f"{task.topic}: {err} (activity {task.activity_label})") from None


def _date_input(task: TaskContext, name: str) -> date | None:
    value: Any = task.variables.get(name)
    source = f"variable {name!r}"
    if value is None or (isinstance(value, str) and not value.strip()):
        value = task.properties.get(f"wb.{name}", "").strip() or None
        source = f"property 'wb.{name}'"
    if value is None:
        return None
    try:
        return to_date(value)
    except ValueError:
        raise PermanentError(
            f"{task.topic}: the {source} must be a date (YYYY-MM-DD or a Date variable), "
            f"not {value!r} (activity {task.activity_label})"
        ) from None


def _relative_input(task: TaskContext, today: date, default: str) -> Period:
    value = task.variables.get("wb_period")
    source = "variable 'wb_period'"
    if not isinstance(value, str) or not value.strip():
        value, source = task.properties.get("wb.period", "").strip(), "property 'wb.period'"
    if not value:
        value, source = default, "option default_period"
    try:
        return relative(value, today)
    except ValueError as err:
        raise PermanentError(f"{task.topic}: the {source}: {err}") from None


def int_list(task: TaskContext, name: str, default: Sequence[int]) -> list[int]:
    """Whole numbers from the property ``wb.<name>`` ("7,9,11") or the variable ``wb_<name>`` (a list)."""
    value: Any = task.properties.get(f"wb.{name}", "").strip() or task.variables.get(f"wb_{name}")
    if value is None or value == "":
        return list(default)
    parts = value.split(",") if isinstance(value, str) else value
    try:
        return [int(str(part).strip()) for part in parts]
    except (TypeError, ValueError):
        raise PermanentError(
            f"{task.topic}: wb.{name} / wb_{name} must be whole numbers (e.g. 7,9,11), not {value!r}"
        ) from None


def dataset_input(task: TaskContext, default: str) -> DatasetRef:
    """The dataset reference in the variable named by ``wb.campaigns`` (default ``default``)."""
    name = task.properties.get("wb.campaigns", "").strip() or default
    if name not in task.variables:
        raise PermanentError(
            f"{task.topic}: the variable {name!r} with the campaigns dataset is not set for activity "
            f"{task.activity_label} (run wb.campaigns first, or name another with wb.campaigns)"
        )
    return DatasetRef.from_variable(task.variables[name], name=name)


def outputs(task: TaskContext, names: ResultNames, ref: DatasetRef) -> dict[str, Any]:
    """The reference as Json and its row count."""
    chosen = task.properties.get(OUTPUT_PROPERTY, "").strip()
    reference, count = (chosen, f"{chosen}_count") if chosen else (names.reference, names.count)
    return {reference: ref.to_variable(), count: ref.rows}
