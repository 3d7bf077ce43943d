"""Typed process variables both ways: Python values ↔ the engine's typed-value JSON (no services)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core.camunda.variables import (
    FileRef,
    TypedValue,
    decode_value,
    decode_variables,
    encode_value,
    encode_variables,
    format_date,
    parse_date,
    variable_types,
)
from core.errors import ContractError

PLUS_TWO = timezone(timedelta(hours=2))


def round_trip(value: Any) -> Any:
    """Encode as the engine expects, pass through JSON like the wire does, decode again."""
    wire = json.loads(json.dumps(encode_variables({"v": value})))
    return decode_variables(wire)["v"]


# -- encoding: which engine type each Python value gets ---------------------------------------


@pytest.mark.parametrize(
    ("value", "engine_type"),
    [
        (None, "Null"),
        (True, "Boolean"),
        (False, "Boolean"),
        (0, "Integer"),
        (-(2**31), "Integer"),
        (2**31 - 1, "Integer"),
        (2**31, "Long"),
        (-(2**31) - 1, "Long"),
        (2**40, "Long"),
        (1.5, "Double"),
        (3.0, "Double"),
        ("text", "String"),
        ("", "String"),
        ({"a": 1}, "Json"),
        ([1, 2], "Json"),
        ((1, 2), "Json"),
        (b"\x00\x01", "Bytes"),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "Date"),
        (date(2026, 1, 2), "Date"),
    ],
)
def test_each_python_value_gets_its_engine_type(value: Any, engine_type: str) -> None:
    assert encode_value(value)["type"] == engine_type


def test_a_bool_is_a_boolean_never_an_integer() -> None:
    # bool is a subclass of int in Python; the engine must still see a Boolean
    assert encode_value(True) == {"type": "Boolean", "value": True}
    assert encode_value(False) == {"type": "Boolean", "value": False}
    assert round_trip(True) is True
    assert round_trip(False) is False


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, 7, -(2**31), 2**31 - 1, 2**31, 2**53, -(2**63), 0.1, -2.5, "", "Пётр", "a\nb"],
)
def test_scalars_survive_the_round_trip_with_their_python_type(value: Any) -> None:
    back = round_trip(value)

    assert back == value
    assert type(back) is type(value)


@pytest.mark.parametrize(
    "value",
    [
        {"items": [1, 2, {"deep": None}], "name": "Пётр", "ok": True},
        [1, "two", 3.5, None, [], {}],
        {},
        [],
    ],
)
def test_json_values_survive_the_round_trip(value: Any) -> None:
    encoded = encode_value(value)

    assert isinstance(encoded["value"], str), "Json travels as a JSON string"
    assert round_trip(value) == value


def test_json_text_keeps_cyrillic_readable() -> None:
    assert encode_value({"name": "Пётр"}) == {"type": "Json", "value": '{"name": "Пётр"}'}


def test_bytes_survive_the_round_trip_as_base64() -> None:
    payload = bytes(range(256))

    assert encode_value(b"hi") == {"type": "Bytes", "value": "aGk="}
    assert round_trip(payload) == payload


def test_a_dict_holding_dates_is_sent_as_json_with_iso_dates() -> None:
    value = {"when": datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), "day": date(2026, 3, 4)}

    encoded = encode_value(value)

    assert json.loads(encoded["value"]) == {"when": "2026-03-04T05:06:07+00:00", "day": "2026-03-04"}


@pytest.mark.parametrize(
    "value", [object(), {1, 2}, Decimal("1.5"), {"x": Decimal("1.5")}, {"x": float("nan")}]
)
def test_a_value_the_engine_cannot_hold_is_a_contract_error(value: Any) -> None:
    with pytest.raises(ContractError):
        encode_value(value)


def test_a_typed_value_is_sent_exactly_as_given() -> None:
    value = TypedValue("Short", 5, {"transient": True})

    assert encode_value(value) == {"type": "Short", "value": 5, "valueInfo": {"transient": True}}


def test_encode_variables_types_every_value_by_name() -> None:
    assert encode_variables({"n": 1, "s": "x"}) == {
        "n": {"type": "Integer", "value": 1},
        "s": {"type": "String", "value": "x"},
    }


# -- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2015, 10, 6, 16, 34, 42, tzinfo=PLUS_TWO), "2015-10-06T16:34:42.000+0200"),
        (datetime(2026, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC), "2026-01-02T03:04:05.678+0000"),
        (datetime(2026, 1, 2, 3, 4, 5, 999, tzinfo=UTC), "2026-01-02T03:04:05.000+0000"),
        (
            datetime(2026, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30))),
            "2026-07-01T09:00:00.000-0330",
        ),
        (datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Moscow")), "2026-07-01T12:00:00.000+0300"),
    ],
)
def test_dates_are_written_in_the_engine_format_with_milliseconds_and_offset(
    value: datetime, text: str
) -> None:
    assert format_date(value) == text
    assert encode_value(value) == {"type": "Date", "value": text}


def test_the_engine_date_format_reads_back_as_an_aware_datetime() -> None:
    parsed = parse_date("2015-10-06T16:34:42.000+0200")

    assert parsed == datetime(2015, 10, 6, 16, 34, 42, tzinfo=PLUS_TWO)
    assert parsed.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-02T03:04:05.123+0000", datetime(2026, 1, 2, 3, 4, 5, 123_000, tzinfo=UTC)),
        ("2026-01-02T03:04:05.123+03:00", datetime(2026, 1, 2, 0, 4, 5, 123_000, tzinfo=UTC)),
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_other_iso_shapes_of_a_date_also_read_as_aware_datetimes(text: str, expected: datetime) -> None:
    parsed = parse_date(text)

    assert parsed == expected
    assert parsed.tzinfo is not None


def test_an_aware_datetime_survives_the_round_trip_at_millisecond_precision() -> None:
    value = datetime(2026, 3, 4, 5, 6, 7, 123_456, tzinfo=PLUS_TWO)

    back = round_trip(value)

    assert back == value.replace(microsecond=123_000)
    assert back.utcoffset() == timedelta(hours=2)


class NoOffset(tzinfo):
    """A tzinfo that knows no offset: the datetime is still naive."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None

    def dst(self, dt: datetime | None) -> None:
        return None

    def tzname(self, dt: datetime | None) -> None:
        return None


@pytest.mark.parametrize("value", [datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 1, 2, tzinfo=NoOffset())])
def test_a_naive_datetime_is_refused(value: datetime) -> None:
    with pytest.raises(ContractError, match="time zone"):
        encode_value(value)


def test_a_date_is_sent_as_midnight_utc_and_reads_back_as_that_day() -> None:
    encoded = encode_value(date(2026, 5, 9))

    assert encoded == {"type": "Date", "value": "2026-05-09T00:00:00.000+0000"}
    back = round_trip(date(2026, 5, 9))
    assert back == datetime(2026, 5, 9, tzinfo=UTC)
    assert back.date() == date(2026, 5, 9)


# -- decoding what the engine sends ----------------------------------------------------------------


def test_engine_variables_of_every_plain_type_decode_to_python_values() -> None:
    raw = {
        "nothing": {"type": "Null", "value": None, "valueInfo": {}},
        "flag": {"type": "Boolean", "value": True, "valueInfo": {}},
        "small": {"type": "Integer", "value": 42, "valueInfo": {}},
        "short": {"type": "Short", "value": 7, "valueInfo": {}},
        "big": {"type": "Long", "value": 1099511627776, "valueInfo": {}},
        "ratio": {"type": "Double", "value": 0.25, "valueInfo": {}},
        "name": {"type": "String", "value": "Пётр", "valueInfo": {}},
        "when": {"type": "Date", "value": "2015-10-06T16:34:42.000+0200", "valueInfo": {}},
        "payload": {"type": "Json", "value": '{"a": [1, 2]}', "valueInfo": {}},
        "blob": {"type": "Bytes", "value": "aGk=", "valueInfo": {}},
        "empty_string_typed": {"type": "String", "value": None},
    }

    values = decode_variables(raw)

    assert values == {
        "nothing": None,
        "flag": True,
        "small": 42,
        "short": 7,
        "big": 2**40,
        "ratio": 0.25,
        "name": "Пётр",
        "when": datetime(2015, 10, 6, 16, 34, 42, tzinfo=PLUS_TWO),
        "payload": {"a": [1, 2]},
        "blob": b"hi",
        "empty_string_typed": None,
    }
    assert variable_types(raw)["big"] == "Long"
    assert variable_types(raw)["when"] == "Date"


def test_an_object_serialised_as_json_is_read_as_data() -> None:
    raw = {
        "type": "Object",
        "value": '{"customer": {"id": 7, "name": "ООО Ромашка"}}',
        "valueInfo": {"objectTypeName": "java.util.HashMap", "serializationDataFormat": "application/json"},
    }

    assert decode_value("order", raw) == {"customer": {"id": 7, "name": "ООО Ромашка"}}


def test_a_java_serialised_object_is_kept_intact_for_the_round_trip() -> None:
    info = {
        "objectTypeName": "com.acme.Order",
        "serializationDataFormat": "application/x-java-serialized-object",
    }
    raw = {"type": "Object", "value": "rO0ABXNyABFqYXZh", "valueInfo": info}

    decoded = decode_value("order", raw)

    assert decoded == TypedValue("Object", "rO0ABXNyABFqYXZh", info)
    assert encode_value(decoded) == raw, "sending it back gives the engine the same typed value"


def test_a_file_variable_is_read_as_metadata_only() -> None:
    raw = {
        "type": "File",
        "value": None,
        "valueInfo": {"filename": "invoice.pdf", "mimeType": "application/pdf", "encoding": "UTF-8"},
    }

    ref = decode_value("invoice", raw, process_instance_id="pi-1")

    assert ref == FileRef(
        name="invoice",
        filename="invoice.pdf",
        mime_type="application/pdf",
        encoding="UTF-8",
        process_instance_id="pi-1",
    )


def test_file_references_carry_the_instance_they_belong_to() -> None:
    raw = {"doc": {"type": "File", "value": None, "valueInfo": {"filename": "a.txt"}}}

    (ref,) = decode_variables(raw, "pi-9").values()

    assert isinstance(ref, FileRef)
    assert ref.process_instance_id == "pi-9"
    assert ref.mime_type is None


def test_a_json_value_the_engine_already_parsed_is_taken_as_is() -> None:
    assert decode_value("x", {"type": "Json", "value": {"a": 1}}) == {"a": 1}


@pytest.mark.parametrize(
    "raw",
    [
        {"type": "Json", "value": "{not json"},
        {"type": "Date", "value": "yesterday"},
        {
            "type": "Object",
            "value": "{broken",
            "valueInfo": {"serializationDataFormat": "application/json"},
        },
    ],
)
def test_a_value_that_does_not_read_as_its_type_is_a_contract_error_naming_the_variable(
    raw: dict[str, Any],
) -> None:
    with pytest.raises(ContractError, match="'amount'"):
        decode_value("amount", raw)


def test_no_variables_decode_to_an_empty_mapping() -> None:
    assert decode_variables(None) == {}
    assert variable_types(None) == {}
