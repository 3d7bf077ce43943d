"""The python system: router assembly, user handler modules, and the echo handler."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.actions.context import TaskContext
from core.actions.errors import DuplicateTopicError, SystemLoadError
from core.actions.outcomes import BpmnError, Complete, HandlerOutcome
from core.actions.router import TaskRouter
from core.camunda.variables import TypedValue, encode_value
from core.contracts import TaskMessage
from core.contracts.base import TypedVariable
from core.contracts.result import typed
from core.contracts.task import ActivityInfo, ExternalTaskInfo, ProcessInfo, RoutingInfo
from core.errors import BusinessError, PermanentError
from systems.python import create_router

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "python_handlers"
BUILTIN_TOPICS = ("echo", "http.request", "data.aggregate", "data.filter", "data.transform")


# --- helpers (also used by the other test_python_* modules) ----------------------------


def make_message(
    topic: str,
    variables: Mapping[str, Any] | None = None,
    properties: Mapping[str, str] | None = None,
    *,
    raw_variables: Mapping[str, Mapping[str, Any]] | None = None,
) -> TaskMessage:
    """A task message; ``variables`` are Python values, ``raw_variables`` engine-typed ones."""
    typed_vars: dict[str, Mapping[str, Any]] = {
        name: encode_value(v) for name, v in (variables or {}).items()
    }
    typed_vars.update(raw_variables or {})
    return TaskMessage(
        message_id="msg-1",
        trace_id="trace-1",
        task=ExternalTaskInfo(id="task-1", topic=topic, worker_id="worker-1"),
        process=ProcessInfo(definition_id="proc:1:1", definition_key="proc", instance_id="pi-1"),
        activity=ActivityInfo(id="Activity_1", extension_properties=dict(properties or {})),
        variables={name: TypedVariable(**body) for name, body in typed_vars.items()},
        routing=RoutingInfo(system="python", routing_key="python"),
    )


def make_context(
    topic: str,
    variables: Mapping[str, Any] | None = None,
    properties: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> TaskContext:
    return TaskContext(make_message(topic, variables, properties, **kwargs), options=dict(options or {}))


def run(
    router: TaskRouter, topic: str, variables: Mapping[str, Any] | None = None, **kwargs: Any
) -> HandlerOutcome:
    """Route ``topic`` and call its handler with a fresh context."""
    handler = router.handler_for(topic)
    assert handler is not None, f"no handler for {topic}"
    return handler(make_context(topic, variables, **kwargs))


def completed(outcome: HandlerOutcome) -> dict[str, Any]:
    assert isinstance(outcome, Complete), outcome
    return dict(outcome.variables)


@pytest.fixture(scope="module")
def router() -> TaskRouter:
    return create_router({})


# --- create_router -----------------------------------------------------------------------


def test_create_router_registers_every_builtin_topic_with_its_python_alias(router: TaskRouter) -> None:
    expected = {*BUILTIN_TOPICS, *(f"python.{topic}" for topic in BUILTIN_TOPICS)}
    assert set(router.topics) == expected
    assert router.system == "python"
    for topic in BUILTIN_TOPICS:
        assert router.handler_for(topic) is router.handler_for(f"python.{topic}")


def test_config_default_options_build_a_router() -> None:
    assert len(create_router({"handler_modules": []}).topics) == 2 * len(BUILTIN_TOPICS)


def test_user_module_is_loaded_by_name_and_its_handlers_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FIXTURES))
    router = create_router({"handler_modules": ["sample_handlers"], "greeting": "Hi"})

    assert {"sample.greet", "sample.check_age", "echo"} <= set(router.topics)
    assert completed(run(router, "sample.greet", {"name": "Ann"})) == {"greeting": "Hi, Ann!"}
    outcome = run(router, "sample.greet", {}, properties={"sample.punctuation": "?"})
    assert isinstance(outcome, BpmnError) and outcome.code == "NO_NAME"
    with pytest.raises(BusinessError) as caught:
        run(router, "sample.check_age", {"age": 15})
    assert caught.value.code == "TOO_YOUNG" and caught.value.variables == {"min_age": 18}
    with pytest.raises(PermanentError, match="age"):
        run(router, "sample.check_age", {"age": "old"})


def _write_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str) -> str:
    """A throwaway module on sys.path under a unique name (imports are cached per name)."""
    name = f"user_handlers_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_user_module_claiming_a_builtin_topic_is_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = _write_module(
        tmp_path,
        monkeypatch,
        """
        from core.actions.outcomes import complete

        def register(router, options):
            router.add("echo", lambda task: complete({}))
        """,
    )
    with pytest.raises(DuplicateTopicError, match="echo"):
        create_router({"handler_modules": [name]})


def test_two_user_modules_with_one_topic_are_a_duplicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
        from core.actions.outcomes import complete

        def register(router, options):
            router.add("shared.topic", lambda task: complete({}))
        """
    first = _write_module(tmp_path, monkeypatch, source)
    second = _write_module(tmp_path, monkeypatch, source)
    with pytest.raises(DuplicateTopicError, match=r"shared\.topic"):
        create_router({"handler_modules": [first, second]})


@pytest.mark.parametrize("name", ["no_such_module_for_exchanger", "bad name!", "", ".relative", "os.path."])
def test_unloadable_module_names_raise_system_load_error(name: str) -> None:
    with pytest.raises(SystemLoadError) as caught:
        create_router({"handler_modules": [name]})
    assert repr(name) in str(caught.value)


def test_module_failing_at_import_names_the_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = _write_module(tmp_path, monkeypatch, "raise RuntimeError('broken at import')\n")
    with pytest.raises(SystemLoadError, match=f"{name}.*broken at import"):
        create_router({"handler_modules": [name]})


def test_module_without_register_names_the_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = _write_module(tmp_path, monkeypatch, "register = 'not a function'\n")
    with pytest.raises(SystemLoadError, match=f"{name}.*register"):
        create_router({"handler_modules": [name]})


def test_register_that_fails_names_the_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = _write_module(
        tmp_path, monkeypatch, "def register(router, options):\n    raise KeyError('api_url')\n"
    )
    with pytest.raises(SystemLoadError, match=f"{name}.*api_url"):
        create_router({"handler_modules": [name]})


@pytest.mark.parametrize(
    "options",
    [
        {"handler_modules": "sample_handlers"},
        {"handler_modules": [42]},
        {"ca_bundle": "/no/such/ca.pem"},
        {"http_timeout_s": 0},
        {"http_max_response_bytes": "big"},
    ],
)
def test_invalid_options_raise_system_load_error(options: dict[str, Any]) -> None:
    with pytest.raises(SystemLoadError):
        create_router(options)


def test_user_modules_receive_the_shared_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = _write_module(
        tmp_path,
        monkeypatch,
        """
        seen = []

        def register(router, options):
            seen.append(options["session"])
        """,
    )
    session = object()
    create_router({"handler_modules": [name], "session": session})
    module = __import__(name)
    assert module.seen == [session]


# --- echo --------------------------------------------------------------------------------


def test_echo_returns_every_variable_with_its_type(router: TaskRouter) -> None:
    when = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    raw: dict[str, dict[str, Any]] = {
        "big": {"type": "Long", "value": 5},
        "short": {"type": "Short", "value": 3},
        "ratio": {"type": "Double", "value": 2.0},
        "order": {
            "type": "Object",
            "value": '{"id": 1}',
            "valueInfo": {
                "objectTypeName": "java.util.HashMap",
                "serializationDataFormat": "application/json",
            },
        },
        "doc": {"type": "File", "value": None, "valueInfo": {"filename": "a.pdf"}},
    }
    values = {"name": "Ann", "count": 7, "ok": True, "nothing": None, "data": {"a": [1, 2]}, "at": when}
    outcome = run(router, "python.echo", values, raw_variables=raw)

    result = completed(outcome)
    assert "doc" not in result  # File content stays in the engine
    assert {k: result[k] for k in values} == values
    sent = {name: (var.type, var.value, var.valueInfo or {}) for name, var in typed(result).items()}
    given = make_message("echo", values, raw_variables=raw).variables
    assert sent == {
        name: (var.type, var.value, var.valueInfo or {}) for name, var in given.items() if name != "doc"
    }


def test_echo_of_no_variables_completes_empty(router: TaskRouter) -> None:
    assert completed(run(router, "echo")) == {}


def test_echo_keeps_a_long_as_a_typed_value(router: TaskRouter) -> None:
    result = completed(run(router, "echo", raw_variables={"n": {"type": "Long", "value": 1}}))
    assert result == {"n": TypedValue("Long", 1, {})}
