"""Secret redaction and the logging setup: text and JSON lines, stdlib records (no services)."""

from __future__ import annotations

import io
import json
import logging
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from loguru import logger

from core.logs import LogFormat, setup_logging
from core.redact import MASK, redact, redact_url, register_secret


class TtyStream(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def unique_secret() -> str:
    return f"s3cr3t-{uuid.uuid4().hex}"


# -- redaction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("amqp://exchanger:pa55word@mq.local:5672/%2F", "amqp://exchanger:***@mq.local:5672/%2F"),
        (
            "connect to https://demo:demo-pw@camunda.local/engine-rest failed",
            "connect to https://demo:***@camunda.local/engine-rest failed",
        ),
        ("postgresql://ledger:p%40ss@db/exchanger", "postgresql://ledger:***@db/exchanger"),
        ("redis://:hunter22@cache:6379/0", "redis://:***@cache:6379/0"),
        ("amqp://user:p@ss@mq/vhost", "amqp://user:***@mq/vhost"),
        ('{"url":"amqp://u:pw@h","mail":"x@y"}', '{"url":"amqp://u:***@h","mail":"x@y"}'),
    ],
)
def test_passwords_in_urls_are_masked_and_user_and_host_stay_readable(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_bitrix_webhook_code_is_masked_and_the_method_stays_readable() -> None:
    url = "https://acme.bitrix24.ru/rest/1/abcdef123456/crm.lead.add.json"

    assert redact(f"POST {url} -> 500") == "POST https://acme.bitrix24.ru/rest/1/***/crm.lead.add.json -> 500"
    assert redact_url(url) == "https://acme.bitrix24.ru/rest/1/***/crm.lead.add.json"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer eyJhbGciOi.eyJzdWIi.SflKxwRJ", "Authorization: Bearer ***"),
        ("Authorization: Token 0123456789abcdef", "Authorization: Token ***"),
        ("Authorization: Api-Key AQVN1234567890", "Authorization: Api-Key ***"),
        ("Authorization: Basic ZGVtbzpkZW1v", "Authorization: Basic ***"),
        ("X-Api-Key: 0123456789", "X-Api-Key: ***"),
    ],
)
def test_authorization_headers_keep_their_scheme_and_lose_their_credential(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login with password=hunter2 failed", "login with password=*** failed"),
        ('{"password": "hunter2", "user": "demo"}', '{"password": "***", "user": "demo"}'),
        ("passwd: hunter2", "passwd: ***"),
        ("secret='abc123'", "secret='***'"),
        ("api_key=QWERTY99&q=1", "api_key=***&q=1"),
        ("PASSWORD=hunter2", "PASSWORD=***"),
        ("grant access_token=abc.def.ghi expires_in=3600", "grant access_token=*** expires_in=3600"),
        ("client_secret: zzzzzz", "client_secret: ***"),
        ('{"iamToken": "t1.9euelZqL"}', '{"iamToken": "***"}'),
    ],
)
def test_secret_looking_key_value_pairs_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "max_tokens=100 and token_count=5",
        "the token expired at 12:00",
        "http://camunda.local:8080/engine-rest/external-task/fetchAndLock",
        "mail demo@example.com about task 42",
        "Процесс «Заявка» завершён",
    ],
)
def test_harmless_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_registered_secret_is_masked_wherever_it_appears() -> None:
    # Given a secret registered at start-up
    value = unique_secret()
    register_secret(value)

    # When it shows up in any shape of text
    text = redact(f"calling with {value}; again:{value}!")

    # Then every occurrence is masked
    assert text == f"calling with {MASK}; again:{MASK}!"


def test_a_longer_secret_containing_a_shorter_one_is_masked_whole() -> None:
    short = unique_secret()
    longer = f"{short}-suffix"
    register_secret(short)
    register_secret(longer)

    assert redact(f"[{longer}]") == f"[{MASK}]"


def test_values_too_short_to_be_secrets_are_not_registered() -> None:
    register_secret("ab")
    register_secret("")
    register_secret(None)

    assert redact("tab ab cab") == "tab ab cab"


# -- logging setup ---------------------------------------------------------------------------


@pytest.fixture
def log_to() -> Iterator[Callable[..., io.StringIO]]:
    """Configures logging into a StringIO; undoes the global changes afterwards."""
    root = logging.getLogger()
    level = root.level
    pika_level = logging.getLogger("pika").level

    def setup(
        fmt: LogFormat = "json", *, level: str = "INFO", stream: io.StringIO | None = None
    ) -> io.StringIO:
        out = stream if stream is not None else io.StringIO()
        setup_logging("test-service", fmt=fmt, level=level, stream=out)
        return out

    yield setup
    logger.remove()
    logger.configure(extra={}, patcher=lambda record: None)
    logger.add(sys.stderr)
    for handler in root.handlers[:]:
        if type(handler).__name__ == "_InterceptHandler":
            root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("pika").setLevel(pika_level)


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_are_valid_json_with_time_level_service_and_message(
    log_to: Callable[..., io.StringIO],
) -> None:
    # Given JSON logging
    out = log_to("json")

    # When two records are logged
    logger.info("task {} routed", "t-1")
    logger.warning("Заявка отклонена")

    # Then each is one JSON object on its own line with the standard fields
    first, second = json_lines(out)
    assert first["msg"] == "task t-1 routed"
    assert first["level"] == "INFO"
    assert first["service"] == "test-service"
    assert datetime.fromisoformat(first["ts"]).tzinfo is not None
    assert second["level"] == "WARNING"
    assert second["msg"] == "Заявка отклонена"
    assert "Заявка" in out.getvalue()  # readable, not \\u-escaped


def test_json_lines_mask_secrets_in_the_message(log_to: Callable[..., io.StringIO]) -> None:
    registered = unique_secret()
    register_secret(registered)
    out = log_to("json")

    logger.info(
        "calling https://acme.bitrix24.ru/rest/7/q1w2e3r4t5y6/tasks.task.add with password=hunter2, "
        "Authorization: Bearer abcdefghijkl, key {}, broker amqp://u:pw-123@mq/",
        registered,
    )

    (line,) = json_lines(out)
    assert line["msg"] == (
        "calling https://acme.bitrix24.ru/rest/7/***/tasks.task.add with password=***, "
        "Authorization: Bearer ***, key ***, broker amqp://u:***@mq/"
    )


def test_json_lines_mask_secrets_in_bound_fields(log_to: Callable[..., io.StringIO]) -> None:
    registered = unique_secret()
    register_secret(registered)
    out = log_to("json")

    logger.bind(
        url="amqp://u:pw-123@mq/",
        headers={"Authorization": f"Token {registered}"},
        attempt=2,
        path=Path("/x"),
    ).info("connecting")

    (line,) = json_lines(out)
    assert line["url"] == "amqp://u:***@mq/"
    assert line["headers"] == {"Authorization": "Token ***"}
    assert line["attempt"] == 2
    assert line["path"] == "/x"
    assert registered not in json.dumps(line)


def test_exception_text_in_json_lines_is_redacted(log_to: Callable[..., io.StringIO]) -> None:
    out = log_to("json")

    try:
        raise RuntimeError("POST https://x.bitrix24.ru/rest/1/abcdef123456/ failed: password=hunter2")
    except RuntimeError:
        logger.exception("call failed")

    (line,) = json_lines(out)
    assert line["level"] == "ERROR"
    assert line["msg"] == "call failed"
    assert line["exception"] == "POST https://x.bitrix24.ru/rest/1/***/ failed: password=***"
    assert "hunter2" not in out.getvalue()
    assert "abcdef123456" not in out.getvalue()


def test_standard_library_records_reach_the_json_sink_redacted(log_to: Callable[..., io.StringIO]) -> None:
    # Given JSON logging set up for the process
    out = log_to("json")

    # When a library logs through the standard logging module
    logging.getLogger("urllib3.connectionpool").warning(
        "Retrying %s", "https://demo:demo-pw@camunda/engine-rest"
    )

    # Then the record arrives in the same sink, redacted
    (line,) = json_lines(out)
    assert line["level"] == "WARNING"
    assert line["msg"] == "Retrying https://demo:***@camunda/engine-rest"
    assert line["service"] == "test-service"


def test_standard_library_exceptions_are_carried_into_the_sink(log_to: Callable[..., io.StringIO]) -> None:
    out = log_to("json")

    try:
        raise ConnectionError("broker said token=abcdef")
    except ConnectionError:
        logging.getLogger("some.library").error("connection failed", exc_info=True)

    (line,) = json_lines(out)
    assert line["level"] == "ERROR"
    assert line["exception"] == "broker said token=***"


def test_records_below_the_configured_level_are_dropped(log_to: Callable[..., io.StringIO]) -> None:
    out = log_to("json", level="warning")

    logger.info("hidden")
    logger.warning("shown")

    assert [line["msg"] for line in json_lines(out)] == ["shown"]


def test_text_lines_are_one_per_record_with_level_and_service(log_to: Callable[..., io.StringIO]) -> None:
    out = log_to("text")

    logger.info("first")
    logger.warning("second")

    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("| INFO    | test-service | first")
    assert lines[1].endswith("| WARNING | test-service | second")


def test_text_lines_mask_secrets_in_message_and_traceback(log_to: Callable[..., io.StringIO]) -> None:
    out = log_to("text")

    try:
        raise RuntimeError("refused: password=hunter2")
    except RuntimeError:
        logger.exception("login with amqp://u:pw-123@mq/ failed")

    text = out.getvalue()
    assert "login with amqp://u:***@mq/ failed" in text
    assert "RuntimeError: refused: password=***" in text
    assert text.count("RuntimeError: refused") == 1, "the traceback is written once"
    assert "hunter2" not in text
    assert "pw-123" not in text


def test_auto_format_writes_json_to_a_pipe_and_text_to_a_terminal(log_to: Callable[..., io.StringIO]) -> None:
    pipe = log_to("auto")
    logger.info("to a pipe")
    terminal = log_to("auto", stream=TtyStream())
    logger.info("to a terminal")

    assert json_lines(pipe)[0]["msg"] == "to a pipe"
    assert terminal.getvalue().rstrip("\n").endswith("| test-service | to a terminal")
    assert not terminal.getvalue().lstrip().startswith("{")
