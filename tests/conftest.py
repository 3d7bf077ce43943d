"""Shared fixtures: the real services for integration and e2e tests, and per-test isolation."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from core.camunda import CamundaClient, CamundaSettings
from core.metrics import expose
from tests.support.cluster import ensure_cluster, running_nodes, stop_cluster
from tests.support.postgres import fresh_schema
from tests.support.services import ENGINE_URLS, POSTGRES_DSN, ensure_service

# Services the tests start (in this process or as children) take any free metrics port, never
# the fixed defaults that a demo or an installed Exchanger on this machine may hold.
os.environ.setdefault("EXCHANGER_METRICS_PORT", "0")
SHIPPED_METRICS_PORTS = dict(expose.DEFAULT_PORTS)  # what operators get (the docs' test reads it)
expose.DEFAULT_PORTS = dict.fromkeys(expose.DEFAULT_PORTS, 0)


def _ensure(name: str) -> None:
    try:
        ensure_service(name)
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)


@pytest.fixture(scope="session")
def rabbitmq() -> str:
    """The real broker's URL; started through scripts/services.sh when it is not running."""
    _ensure("rabbitmq")
    return "amqp://guest:guest@127.0.0.1:5672/%2F"


@pytest.fixture(scope="session")
def rabbitmq_cluster() -> Iterator[str]:
    """The 3-node cluster's node URLs, comma-separated (scripts/services.sh cluster); started, or
    its stopped nodes restarted, when it is not healthy. Tests that stop a node start it again.

    A cluster this session started is stopped at its end: three nodes hold about 400 MB, and a
    cluster left behind by a checkout that is later removed cannot be stopped by another one
    (its cookie went with the checkout's state folder)."""
    started_here = not running_nodes()
    try:
        url = ensure_cluster()
    except RuntimeError as err:
        pytest.fail(str(err), pytrace=False)
    yield url
    if started_here:
        stop_cluster()


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The real PostgreSQL's DSN (database and user ``exchanger``); started through scripts/services.sh."""
    _ensure("postgres")
    return POSTGRES_DSN


@pytest.fixture
def postgres_dsn(postgres_server: str) -> Iterator[str]:
    """A DSN for this test alone: a fresh schema, dropped with its tables when the test ends."""
    with fresh_schema(postgres_server) as dsn:
        yield dsn


@pytest.fixture(scope="session", params=["camunda", "operaton"])
def engine_name(request: pytest.FixtureRequest) -> str:
    """Runs a test once per engine: Camunda 7.24 and Operaton."""
    name = str(request.param)
    _ensure(name)
    return name


@pytest.fixture(scope="session")
def camunda_engine() -> str:
    """Camunda 7.24 only, for tests that need just one engine."""
    _ensure("camunda")
    return ENGINE_URLS["camunda"]


@pytest.fixture
def engine(engine_name: str) -> Iterator[CamundaClient]:
    client = CamundaClient(CamundaSettings(base_url=ENGINE_URLS[engine_name]))
    yield client
    client.close()


@pytest.fixture
def camunda(camunda_engine: str) -> Iterator[CamundaClient]:
    client = CamundaClient(CamundaSettings(base_url=camunda_engine))
    yield client
    client.close()


@pytest.fixture
def unique() -> str:
    """A short unique token for process keys, topics and queue prefixes of one test."""
    return uuid.uuid4().hex[:10]
