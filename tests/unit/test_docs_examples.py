"""The documented response examples are valid messages (so the docs cannot drift)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.contracts import parse_result_message

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "docs" / "examples").glob("response-*.json"))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_is_a_valid_response_message(path: Path) -> None:
    message = parse_result_message(path.read_bytes())
    assert message.external_task_id
    assert message.outcome.kind in {"complete", "failure", "bpmn_error"}
