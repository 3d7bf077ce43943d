"""Topology, settings, wire format and reconnect backoff: everything testable without a broker."""

from __future__ import annotations

import random
from typing import Any

import pika.exceptions
import pytest

from core.errors import BrokerError, BrokerUnavailable, ConfigError, PublishNacked, PublishUnroutable
from core.transport import (
    ERRORS_QUEUE,
    INTAKE_QUEUE,
    RESPONSES_QUEUE,
    TASKS_EXCHANGE,
    UNROUTED_EXCHANGE,
    UNROUTED_QUEUE,
    Backoff,
    BrokerSettings,
    OutgoingMessage,
    Topology,
)
from core.transport.connection import connection_parameters
from core.transport.wire import error_for, to_wire


class RecordingChannel:
    """Stands in for a pika BlockingChannel and records the declare calls."""

    def __init__(self, fail_with: BaseException | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.fail_with = fail_with

    def _record(self, name: str, *args: Any, **kwargs: Any) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.calls.append((name, args, kwargs))

    def exchange_declare(self, *args: Any, **kwargs: Any) -> None:
        self._record("exchange_declare", *args, **kwargs)

    def queue_declare(self, *args: Any, **kwargs: Any) -> None:
        self._record("queue_declare", *args, **kwargs)

    def queue_bind(self, *args: Any, **kwargs: Any) -> None:
        self._record("queue_bind", *args, **kwargs)

    def declared(self, kind: str) -> dict[str, dict[str, Any]]:
        return {args[0]: kwargs for name, args, kwargs in self.calls if name == kind}


def test_standard_layout_names_every_queue_of_the_design_table() -> None:
    topology = Topology.for_systems(["bitrix24", "dadata"])

    assert topology.queue_names() == [
        UNROUTED_QUEUE,
        "bitrix24.queue",
        "bitrix24.sent.queue",
        "dadata.queue",
        "dadata.sent.queue",
        RESPONSES_QUEUE,
        ERRORS_QUEUE,
        INTAKE_QUEUE,
    ]
    assert {(e.name, e.type, e.alternate) for e in topology.exchanges} == {
        (UNROUTED_EXCHANGE, "fanout", None),
        (TASKS_EXCHANGE, "topic", UNROUTED_EXCHANGE),
    }


def test_system_queues_are_bound_by_system_name_and_sent_queues_are_not_bound() -> None:
    topology = Topology.for_systems(["bitrix24"])

    assert topology.queue("bitrix24.queue").bindings == ((TASKS_EXCHANGE, "bitrix24"),)
    assert topology.queue("bitrix24.sent.queue").bindings == ()
    assert topology.queue(UNROUTED_QUEUE).bindings == ((UNROUTED_EXCHANGE, ""),)


def test_duplicate_systems_are_declared_once() -> None:
    topology = Topology.for_systems(["a", "b", "a"])

    assert topology.queue_names().count("a.queue") == 1


def test_retry_delays_add_one_delay_queue_per_delay_that_dead_letters_back() -> None:
    topology = Topology.for_systems(["dadata"], {"dadata.queue": [5000, 300, 300]})

    assert topology.retry_delays("dadata.queue") == (300, 5000)
    assert topology.retry_queue("dadata.queue", 300) == "dadata.queue.retry.300"
    delay = topology.queue("dadata.queue.retry.300")
    assert (delay.dead_letter_to, delay.message_ttl_ms, delay.bindings) == ("dadata.queue", 300, ())


def test_retry_queue_refuses_a_delay_that_was_not_declared() -> None:
    topology = Topology.for_systems(["dadata"], {"dadata.queue": [300]})

    with pytest.raises(KeyError, match="no 1000 ms delay queue"):
        topology.retry_queue("dadata.queue", 1000)
    with pytest.raises(KeyError, match="not part of the topology"):
        topology.retry_queue("nosuch.queue", 300)


@pytest.mark.parametrize(
    ("delays", "message"),
    [({"dadata": [300]}, "unknown queues"), ({"dadata.queue": [0]}, "must be positive")],
)
def test_bad_retry_delays_are_rejected(delays: dict[str, list[int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Topology.for_systems(["dadata"], delays)


def test_declare_prefixes_names_and_arguments_and_makes_everything_durable() -> None:
    settings = BrokerSettings(prefix="dev.", queue_type="quorum")
    topology = Topology.for_systems(["wb"], {"wb.queue": [1000]})
    channel = RecordingChannel()

    topology.declare(channel, settings)

    exchanges = channel.declared("exchange_declare")
    assert exchanges["dev.camunda.external.tasks"] == {
        "exchange_type": "topic",
        "durable": True,
        "arguments": {"alternate-exchange": "dev.camunda.unrouted.tasks"},
    }
    assert exchanges["dev.camunda.unrouted.tasks"]["exchange_type"] == "fanout"
    queues = channel.declared("queue_declare")
    assert set(queues) == {f"dev.{name}" for name in topology.queue_names()}
    assert all(kw["durable"] and kw["arguments"]["x-queue-type"] == "quorum" for kw in queues.values())
    assert queues["dev.wb.queue.retry.1000"]["arguments"] == {
        "x-queue-type": "quorum",
        "x-message-ttl": 1000,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "dev.wb.queue",
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }
    binds = [(args, kw) for name, args, kw in channel.calls if name == "queue_bind"]
    assert (("dev.wb.queue", "dev.camunda.external.tasks"), {"routing_key": "wb"}) in binds


def test_declare_without_settings_uses_plain_names_and_classic_queues() -> None:
    channel = RecordingChannel()

    Topology.for_systems(["wb"]).declare(channel)

    assert channel.declared("queue_declare")["wb.queue"]["arguments"] == {"x-queue-type": "classic"}


def test_a_classic_delay_queue_keeps_its_arguments_only_quorum_dead_letters_at_least_once() -> None:
    # Existing classic queues must be redeclared with exactly the arguments they have.
    channel = RecordingChannel()

    Topology.for_systems(["wb"], {"wb.queue": [1000]}).declare(channel)

    assert channel.declared("queue_declare")["wb.queue.retry.1000"]["arguments"] == {
        "x-queue-type": "classic",
        "x-message-ttl": 1000,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "wb.queue",
    }


def test_declare_is_repeatable() -> None:
    topology = Topology.for_systems(["wb"])
    first, second = RecordingChannel(), RecordingChannel()

    topology.declare(first)
    topology.declare(second)

    assert first.calls == second.calls


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (pika.exceptions.ChannelClosedByBroker(406, "PRECONDITION_FAILED - inequivalent arg"), BrokerError),
        (pika.exceptions.StreamLostError("eof"), BrokerUnavailable),
    ],
)
def test_declare_wraps_pika_errors(error: BaseException, expected: type[BrokerError]) -> None:
    with pytest.raises(expected) as caught:
        Topology.for_systems(["wb"]).declare(RecordingChannel(fail_with=error))

    assert caught.value.__cause__ is error


def test_settings_apply_the_prefix_but_keep_the_default_exchange_empty() -> None:
    settings = BrokerSettings(prefix="t1.")

    assert settings.name("camunda.responses.queue") == "t1.camunda.responses.queue"
    assert settings.name("") == ""


def test_settings_never_show_the_password() -> None:
    settings = BrokerSettings(url="amqp://svc:s3cr%40t@rabbit.example:5672/prod")

    for text in (repr(settings), str(settings), settings.redacted_url):
        assert "s3cr" not in text
        assert "svc:***@rabbit.example:5672" in text
    assert settings.vhost == "prod"
    assert BrokerSettings().vhost == "/"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"url": "http://x"}, "url"),
        ({"queue_type": "stream"}, "queue_type"),
        ({"prefix": "amq.x"}, "prefix"),
        ({"heartbeat_s": -1}, "heartbeat_s"),
        ({"connect_timeout_s": 0}, "connect_timeout_s"),
        ({"reconnect_min_s": 5, "reconnect_max_s": 1}, "reconnect_max_s"),
    ],
)
def test_invalid_settings_name_the_key(kwargs: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        BrokerSettings(**kwargs)

    assert caught.value.key == key


def test_connection_parameters_carry_the_settings() -> None:
    settings = BrokerSettings(heartbeat_s=15, connect_timeout_s=2.5)

    params = connection_parameters(settings, "unit")

    assert (params.heartbeat, params.socket_timeout, params.connection_attempts) == (15, 2.5, 1)
    assert params.client_properties["connection_name"] == "unit"
    assert params.ssl_options is None


def test_amqps_always_verifies_the_certificate() -> None:
    params = connection_parameters(BrokerSettings(url="amqps://u:p@rabbit.example/%2F"), "unit")

    assert params.ssl_options.context.verify_mode.name == "CERT_REQUIRED"
    assert params.ssl_options.server_hostname == "rabbit.example"


def test_backoff_grows_to_the_cap_with_jitter_and_resets() -> None:
    backoff = Backoff(0.5, 4.0, rng=random.Random(7))

    delays = [backoff.next_delay() for _ in range(8)]

    steps = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0]
    assert all(step / 2 <= delay <= step for delay, step in zip(delays, steps, strict=True))
    backoff.reset()
    assert backoff.next_delay() <= 0.5


def test_on_the_wire_the_default_exchange_prefixes_the_queue_name_and_a_topic_key_stays() -> None:
    settings = BrokerSettings(prefix="dev.")

    direct = to_wire(OutgoingMessage("", "wb.sent.queue", b"{}", "m1"), settings)
    routed = to_wire(OutgoingMessage(TASKS_EXCHANGE, "wb", b"{}", "m2", headers={"n": 1}), settings)

    assert direct[:2] == ("", "dev.wb.sent.queue")
    assert routed[:2] == ("dev.camunda.external.tasks", "wb")
    properties = routed[3]
    assert (properties.delivery_mode, properties.message_id, properties.headers) == (2, "m2", {"n": 1})


def test_header_values_amqp_cannot_carry_are_refused_before_sending() -> None:
    with pytest.raises(TypeError, match="header values"):
        to_wire(OutgoingMessage("", "q", b"{}", "m1", headers={"ratio": 0.5}), BrokerSettings())


def test_confirm_outcomes_map_to_the_publish_errors() -> None:
    item = OutgoingMessage("", "q", b"{}", "m1")
    settings = BrokerSettings(prefix="dev.")

    assert error_for("ack", item, settings) is None
    assert isinstance(error_for("nack", item, settings), PublishNacked)
    unroutable = error_for("returned", item, settings)
    assert isinstance(unroutable, PublishUnroutable) and "'dev.q'" in str(unroutable)
