"""Variables shown to an operator with secrets masked (DESIGN rule 7).

A variable whose *name* looks secret is hidden whole; any other string value still passes
:func:`core.redact.redact`, which masks registered secrets and secret-shaped text (passwords
in URLs, webhook codes, ``token=…``) inside it, also inside serialized Json and Object values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.operations.models import Variable
from core.redact import MASK, redact

SECRET_NAME = re.compile(
    r"pass(word|wd)?|secret|token|api[_-]?key|webhook|credential|private[_-]?key|auth|cookie|session",
    re.IGNORECASE,
)


def masked_variables(raw: Mapping[str, Mapping[str, Any]]) -> list[Variable]:
    """``{name: {type, value, valueInfo}}`` as the engine returns it → sorted, masked variables."""
    return [
        Variable(name=name, type=str(typed.get("type") or "Null"), value=_masked(name, typed.get("value")))
        for name, typed in sorted(raw.items())
    ]


def _masked(name: str, value: Any) -> Any:
    if SECRET_NAME.search(name):
        return MASK
    if isinstance(value, str):
        return redact(value)
    return value
