"""The tracked reference of an async generation: the operation id, plus the activity's JSON schema.

The tracker sees only what the ledger recorded for the task (reference id and URL), not the
activity, so a schema the answer must match travels inside the reference id:
``<operation id>`` alone, or ``<operation id>~<base64url(zlib(schema JSON))>``.
"""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

SEPARATOR = "~"  # not in Yandex operation ids (lower-case letters and digits)


def reference_id(operation_id: str, schema: dict[str, Any] | None) -> str:
    if schema is None:
        return operation_id
    packed = zlib.compress(json.dumps(schema, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{operation_id}{SEPARATOR}{base64.urlsafe_b64encode(packed).decode('ascii').rstrip('=')}"


def parse_reference(reference: str) -> tuple[str, dict[str, Any] | None]:
    """(operation id, schema or None); ValueError when the schema part is damaged."""
    operation_id, _, packed = reference.partition(SEPARATOR)
    if not packed:
        return operation_id, None
    raw = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
    schema = json.loads(zlib.decompress(raw))
    if not isinstance(schema, dict):
        raise ValueError("the schema in the reference is not a JSON object")
    return operation_id, schema


def operation_url(operations_url: str, operation_id: str) -> str:
    return f"{operations_url.rstrip('/')}/operations/{operation_id}"
