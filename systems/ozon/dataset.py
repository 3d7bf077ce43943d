"""What both pulls share about their dataset: chunk keys, and the variables they return.

The dataset id derives from the kind and the external task id, so a redelivered task reopens
its own dataset and continues after the last stored chunk; a finished one is returned as it
is. The reference goes back as a Json variable (``ozon_products`` / ``ozon_postings``, or the
activity's ``ozon.result_variable``) with its row count beside it in ``<name>_rows``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from core.actions.context import TaskContext
from core.datasets import DatasetRef

RESULT_PROPERTY = "ozon.result_variable"
MAX_KEY_TOKEN = 120  # chunk keys are at most 200 characters in the store


def chunk_key(prefix: str, token: str) -> str:
    """One page's key: its prefix and what asked for it (a ``last_id`` or a window and offset)."""
    if len(token) > MAX_KEY_TOKEN:
        token = "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()
    return f"{prefix}:{token}"


def result_variables(task: TaskContext, default: str, ref: DatasetRef) -> dict[str, Any]:
    name = task.properties.get(RESULT_PROPERTY, "").strip() or default
    return {name: ref.to_variable(), f"{name}_rows": ref.rows}
