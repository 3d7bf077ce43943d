"""What the API tests share: tokens, JWTs, an in-process app over the real parts, reply queues."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pika
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Authenticator
from api.context import ApiContext
from core import wiring
from core.config import AppSettings, load_settings
from core.intake import DirectIntake, DirectStore, TopicCatalog
from core.ledger import Ledger
from core.transport import BrokerSettings
from core.transport.connection import close_quietly, open_blocking
from core.transport.serial import SerialPublisher
from systems import registry
from tests.support.services import ENGINE_URLS

OPERATE_TOKEN = "op-token-0123456789abcdef"
READ_TOKEN = "read-token-0123456789abcdef"
JWT_KEY = "jwt-shared-secret-for-tests-0123456789"
AUDIENCE = "exchanger-api"
TOKENS = f"ops:operate:{OPERATE_TOKEN},viewer:read:{READ_TOKEN}"
WEBHOOK = "https://api-tests.example/rest/1/abcdefabcdef1234/"
OPERATE = {"Authorization": f"Bearer {OPERATE_TOKEN}"}
READ = {"Authorization": f"Bearer {READ_TOKEN}"}


def api_env(**extra: str) -> dict[str, str]:
    """The environment the API reads its secrets from."""
    return {
        "EXCHANGER_API_TOKENS": TOKENS,
        "EXCHANGER_API_JWT_KEY": JWT_KEY,
        "EXCHANGER_API_JWT_AUDIENCE": AUDIENCE,
        **extra,
    }


def signed(
    *, sub: str = "alice", roles: list[str] | None = None, expires_in: float = 300, audience: str = AUDIENCE
) -> str:
    claims = {"sub": sub, "roles": roles or ["read"], "exp": int(time.time() + expires_in), "aud": audience}
    return jwt.encode(claims, JWT_KEY, algorithm="HS256")


def write_config(
    config_dir: Path, *, state_dir: Path, prefix: str, systems: dict[str, Any], api: dict[str, Any]
) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    general = {
        "state_dir": str(state_dir),
        "camunda": {"url": ENGINE_URLS["camunda"]},
        "rabbitmq": {"prefix": prefix},
        "api": api,
    }
    (config_dir / "exchanger.yaml").write_text(yaml.safe_dump(general))
    (config_dir / "systems.yaml").write_text(yaml.safe_dump({"systems": systems}))
    (config_dir / "routing.yaml").write_text(yaml.safe_dump({"rules": []}))


@dataclass
class InProcessApi:
    """The app in this process over the real engine, broker and a ledger of its own."""

    client: TestClient
    settings: AppSettings
    records: DirectStore
    ledger: Ledger

    @property
    def broker(self) -> BrokerSettings:
        return wiring.broker_settings(self.settings)


@contextmanager
def in_process_api(config_dir: Path, env: dict[str, str]) -> Iterator[InProcessApi]:
    settings = load_settings(config_dir, env=env)
    transport = wiring.transport(settings)
    publisher = SerialPublisher(transport.publisher, name="api-test")
    ledger = wiring.ledger(settings)
    records = DirectStore.open(settings.ledger_dsn())
    catalog = TopicCatalog(settings, registry.create_router)
    intake = DirectIntake(catalog, records, ledger, publisher)
    engine = wiring.engine_admin(settings)
    context = ApiContext(settings, intake, records, catalog, ledger, engine)
    try:
        with TestClient(create_app(context, Authenticator(settings.api))) as client:
            yield InProcessApi(client, settings, records, ledger)
    finally:
        engine.close()
        publisher.close()
        records.close()
        ledger.close()


class ReplyQueue:
    """A submitter's own queue (no prefix: it is theirs), read with basic_get."""

    def __init__(self, broker: BrokerSettings, name: str) -> None:
        self.name = name
        self._connection = open_blocking(broker, "test-replies")
        self._channel = self._connection.channel()
        self._channel.queue_declare(name, durable=True)

    def take(self) -> list[tuple[str | None, dict[str, Any]]]:
        """(correlation id, reply) of every reply waiting now."""
        found = []
        while True:
            method, properties, body = self._channel.basic_get(self.name, auto_ack=True)
            if method is None:
                return found
            found.append((properties.correlation_id, json.loads(body)))

    def send(self, broker: BrokerSettings, body: bytes, **properties: Any) -> None:
        """Publish a submission to the intake queue with ``reply_to`` this queue."""
        props = pika.BasicProperties(reply_to=self.name, content_type="application/json", **properties)
        self._channel.basic_publish("", broker.name("intake.queue"), body, props)

    def close(self) -> None:
        try:
            self._channel.queue_delete(self.name)
        finally:
            close_quietly(self._connection)
