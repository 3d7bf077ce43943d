"""Where a DaData action reads its input and names its results.

The input is the process variable named by the extension property ``dadata.input``, or the
topic's natural name (``phone``, ``email``, ``name``, ``address``, ``inn``): an input mapping
on the activity that sets that local variable works without any property. Result variables
start with ``dadata.output`` (default: the input's name): ``phone_clean``, ``phone_qc``…
"""

from __future__ import annotations

from typing import Any

from core.actions.context import TaskContext
from core.errors import PermanentError

INPUT_PROPERTY = "dadata.input"
OUTPUT_PROPERTY = "dadata.output"


def input_name(task: TaskContext, natural: str) -> str:
    return task.properties.get(INPUT_PROPERTY, "").strip() or natural


def output_prefix(task: TaskContext, input_name: str) -> str:
    return task.properties.get(OUTPUT_PROPERTY, "").strip() or input_name


def input_text(task: TaskContext, name: str) -> str:
    """The input as text ("" for null or blank); a missing variable is a modelling error."""
    if name not in task.variables:
        raise PermanentError(
            f"{task.topic}: the process variable {name!r} is not set for activity {task.activity_label} "
            f"(name another one with the extension property {INPUT_PROPERTY!r} or an input mapping)"
        )
    value: Any = task.variables[name]
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PermanentError(
            f"{task.topic}: the process variable {name!r} must be text or a number, "
            f"not {type(value).__name__} (activity {task.activity_label})"
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an INN or a phone stored as a Double
    return str(value).strip()
