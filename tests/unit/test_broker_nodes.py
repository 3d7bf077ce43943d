"""Broker settings naming a cluster's nodes: their order, validation and what logs show."""

from __future__ import annotations

import pytest

from core.config import load_settings
from core.errors import ConfigError
from core.transport.settings import BrokerSettings
from core.wiring import broker_settings

NODES = "amqp://u:pw1@n1:5672/%2F, amqp://u:pw2@n2:5673/%2F,amqp://u:pw3@n3:5674/%2F"


def test_nodes_are_tried_in_the_order_given() -> None:
    settings = BrokerSettings(url=NODES, prefix="p.")
    nodes = settings.nodes()
    assert [node.url for node in nodes] == [
        "amqp://u:pw1@n1:5672/%2F",
        "amqp://u:pw2@n2:5673/%2F",
        "amqp://u:pw3@n3:5674/%2F",
    ]
    assert {node.prefix for node in nodes} == {"p."} and settings.host == "n1"


def test_random_failover_spreads_the_first_node_over_the_cluster() -> None:
    settings = BrokerSettings(url=NODES, failover="random")
    firsts = {settings.nodes()[0].url for _ in range(200)}
    assert len(firsts) == 3  # each node comes first sometimes (chance of failing: 3 * (2/3)^200)
    assert sorted(node.url for node in settings.nodes()) == sorted(BrokerSettings(url=NODES).urls)


def test_one_url_is_one_node_as_before() -> None:
    settings = BrokerSettings(url="amqp://guest:guest@127.0.0.1:5672/%2F")
    assert [node.url for node in settings.nodes()] == [settings.url]


def test_every_node_url_is_checked_and_no_password_is_shown() -> None:
    with pytest.raises(ConfigError, match="'http'"):
        BrokerSettings(url="amqp://u:p@n1/%2F,http://n2/")
    shown = BrokerSettings(url=NODES).redacted_url
    assert "pw1" not in shown and "pw2" not in shown and "pw3" not in shown
    assert shown.count("amqp://") == 3


def test_the_environment_names_the_nodes_and_the_failover(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(tmp_path, env={"RABBITMQ_URL": NODES, "RABBITMQ_FAILOVER": "random"})
    broker = broker_settings(settings)
    assert broker.failover == "random" and len(broker.nodes()) == 3
    assert "pw2" not in settings.rabbitmq.display_url()
