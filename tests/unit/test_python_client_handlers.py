"""Handlers written for camunda-external-task-client-python3, through the python system's router."""

from __future__ import annotations

import json
import textwrap
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.actions.context import TaskContext
from core.actions.errors import DuplicateTopicError, SystemLoadError
from core.actions.router import TaskRouter
from core.camunda.variables import TypedValue
from core.contracts.result import typed
from core.errors import BusinessError, PermanentError, RetryableError
from systems.python import create_router
from tests.unit.test_python_system import completed, make_message

# The library (imported by the README module) still declares pydantic V1 validators.
pytestmark = pytest.mark.filterwarnings("ignore:Pydantic V1 style:DeprecationWarning")

README = "tests.support.client_handlers"
HANDLERS = {"credit.score": f"{README}:handle_task", "credit.reject": f"{README}:handle_bpmn_error_task"}


@pytest.fixture(scope="module")
def router() -> TaskRouter:
    return create_router({"client_handlers": HANDLERS})


def call(router: TaskRouter, topic: str, attempt: int = 1, retries: int | None = None, **kwargs: Any) -> Any:
    message = make_message(topic, **kwargs)
    message = message.model_copy(update={"task": message.task.model_copy(update={"retries": retries})})
    handler = router.handler_for(topic)
    assert handler is not None
    return handler(TaskContext(message, attempt=attempt))


def _module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> str:
    name = f"client_handlers_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_the_readme_handler_completes_with_the_engines_types(router: TaskRouter) -> None:
    variables = completed(call(router, "credit.score", variables={"score": 120}))
    assert variables["var1"] == 1 and variables["var2"] == "value"
    limits = variables["limits"]
    assert limits == TypedValue(
        "Object",
        json.dumps({"max": 5000, "tiers": [1, 2]}),
        {"objectTypeName": "java.util.LinkedHashMap", "serializationDataFormat": "application/json"},
    )
    sent = typed(variables)
    assert (sent["var1"].type, sent["var2"].type, sent["limits"].type) == ("Integer", "String", "Object")


def test_the_readme_handler_reads_a_string_score_too(router: TaskRouter) -> None:
    # The library hands the engine's value over untouched; the handler does int(score).
    assert completed(call(router, "credit.score", variables={"score": "100"}))["var1"] == 1


def test_failure_retries_with_the_retry_timeout_then_becomes_an_incident(router: TaskRouter) -> None:
    with pytest.raises(RetryableError, match="task failed") as first:
        call(router, "credit.score", variables={"score": 5})
    assert first.value.retry_after == 5.0
    with pytest.raises(RetryableError):
        call(router, "credit.score", attempt=3, variables={"score": 5})
    # max_retries=3: the library reports retries 3, 2, 1, then 0 (an incident) on the 4th run.
    with pytest.raises(PermanentError) as last:
        call(router, "credit.score", attempt=4, variables={"score": 5})
    assert not isinstance(last.value, RetryableError | BusinessError)
    assert str(last.value) == "task failed" and last.value.details == "failed task details"


def test_failure_after_an_operators_retry_counts_down_the_engines_retries(router: TaskRouter) -> None:
    with pytest.raises(PermanentError) as caught:
        call(router, "credit.score", attempt=7, retries=1, variables={"score": 5})
    assert not isinstance(caught.value, RetryableError)
    with pytest.raises(RetryableError):
        call(router, "credit.score", attempt=7, retries=2, variables={"score": 5})


def test_bpmn_error_is_a_business_error_with_typed_variables(router: TaskRouter) -> None:
    with pytest.raises(BusinessError) as caught:
        call(router, "credit.reject")
    assert caught.value.code == "BPMN_ERROR_CODE" and str(caught.value) == "BPMN Error occurred"
    assert caught.value.variables == {"var1": "value1", "success": False}


def test_the_task_shows_the_engines_view_of_variables_and_the_task(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _module(
        tmp_path,
        monkeypatch,
        """
        SEEN = {}

        def handle(task):
            SEEN.update(
                all=task.get_variables(), meta=task.get_variable("order", with_meta=True),
                missing=task.get_variable("nope"), ids=(task.get_task_id(), task.get_activity_id(),
                task.get_topic_name(), task.get_worker_id(), task.get_process_instance_id(),
                task.get_business_key(), task.get_tenant_id()),
                props=task.get_extension_properties(), tier=task.get_extension_property("tier"),
            )
            return task.complete()
        """,
    )
    router = create_router({"client_handlers": {"t": f"{name}:handle"}})
    obj = {
        "type": "Object",
        "value": '{"a": 1}',
        "valueInfo": {"serializationDataFormat": "application/json"},
    }
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    variables = {"n": 3, "doc": {"k": [1]}, "when": when}
    outcome = call(
        router, "t", variables=variables, properties={"tier": "gold"}, raw_variables={"order": obj}
    )
    assert completed(outcome) == {}
    seen = __import__(name).SEEN
    # Json stays its text and Date the engine's date text; an Object stored as JSON arrives as data.
    assert seen["all"] == {
        "n": 3,
        "doc": '{"k": [1]}',
        "when": "2026-01-02T03:04:05.000+0000",
        "order": {"a": 1},
    }
    assert seen["meta"]["type"] == "Object" and seen["missing"] is None
    assert seen["ids"] == ("task-1", "Activity_1", "t", "worker-1", "pi-1", None, None)
    assert seen["props"] == {"tier": "gold"} and seen["tier"] == "gold"
    raw = create_router({"client_handlers": {"t": f"{name}:handle"}, "client_deserialize_values": False})
    call(raw, "t", raw_variables={"order": obj})
    assert seen["all"] == {"order": '{"a": 1}'}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return None", "returned without calling task.complete()"),
        ("return task.complete({}, {'local': 1})", "local variables (local)"),
        ("return task.complete({'at': __import__('datetime').date.today()})", "variable 'at': a date"),
        ("return task.complete({'x': float('nan')})", "variable 'x'"),
        ("return task.complete({'d': {'at': object()}})", "variable 'd' cannot be sent"),
    ],
)
def test_results_the_library_could_not_send_are_incidents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    name = _module(tmp_path, monkeypatch, f"def handle(task):\n    {body}\n")
    router = create_router({"client_handlers": {"t": f"{name}:handle"}})
    with pytest.raises(PermanentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(router, "t")


def test_typed_values_pass_through_and_untyped_big_ints_are_longs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _module(
        tmp_path,
        monkeypatch,
        """
        def handle(task):
            task.complete({"j": {"value": '{"a": 1}', "type": "Json"}, "u": {"value": 2.5},
                           "big": 2**40, "none": None, "items": (1, 2)})
        """,
    )
    router = create_router({"client_handlers": {"t": f"{name}:handle"}})
    sent = typed(completed(call(router, "t")))  # no return: the recorded call is taken
    assert {k: v.type for k, v in sent.items()} == {
        "j": "Json",
        "u": "Double",
        "big": "Long",
        "none": "Null",
        "items": "Object",
    }
    assert sent["items"].valueInfo == {
        "objectTypeName": "java.util.ArrayList",
        "serializationDataFormat": "application/json",
    }


@pytest.mark.parametrize(
    ("handlers", "message"),
    [
        (["x"], "must map topics"),
        ({"t": "tests.support.client_handlers"}, 'is not "module:function"'),
        ({"t": "tests.support.client_handlers:nothing_here"}, "has no function 'nothing_here'"),
        ({"t": "no_such_module_anywhere:handle"}, "cannot be imported"),
    ],
)
def test_bad_registrations_stop_the_start(handlers: Any, message: str) -> None:
    with pytest.raises(SystemLoadError, match=message):
        create_router({"client_handlers": handlers})


def test_a_client_handler_on_a_builtin_topic_is_a_duplicate() -> None:
    with pytest.raises(DuplicateTopicError, match="echo"):
        create_router({"client_handlers": {"echo": f"{README}:handle_task"}})
