"""Writes the contracts' JSON Schemas to ``docs/schemas`` (``python -m core.contracts.schemas``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.contracts.direct import Reply, Submission
from core.contracts.result import ResultMessage
from core.contracts.task import TaskMessage

SCHEMAS: dict[str, type[BaseModel]] = {
    "task-message.schema.json": TaskMessage,
    "result-message.schema.json": ResultMessage,
    "submit-message.schema.json": Submission,
    "reply-message.schema.json": Reply,
}


def schema_documents() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema document, generated from the models."""
    documents = {}
    for filename, model in SCHEMAS.items():
        schema = model.model_json_schema(by_alias=True, mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://exchanger.dev/schemas/{filename}"
        documents[filename] = schema
    return documents


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0] if argv else "docs/schemas")
    target.mkdir(parents=True, exist_ok=True)
    for filename, schema in schema_documents().items():
        (target / filename).write_text(render(schema), encoding="utf-8")
        print(f"wrote {target / filename}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
