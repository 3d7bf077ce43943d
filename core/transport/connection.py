"""Opening pika connections and pacing reconnects.

pika is not thread-safe: every connection made here belongs to the thread that opened it.
"""

from __future__ import annotations

import ssl
from typing import Any

import pika
import pika.exceptions
from loguru import logger

from core.errors import BrokerUnavailable
from core.transport.settings import BrokerSettings

#: pika errors that mean "the connection (or the broker) is gone": reconnect, then carry on.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    pika.exceptions.AMQPConnectionError,
    pika.exceptions.ConnectionWrongStateError,
    pika.exceptions.StreamLostError,
    ConnectionError,
    OSError,
)


def connection_parameters(settings: BrokerSettings, connection_name: str) -> pika.URLParameters:
    """pika parameters for one connection to one node (``settings.nodes()`` gives each node's);
    ``connection_name`` shows in the management UI."""
    params = pika.URLParameters(settings.url)
    params.heartbeat = settings.heartbeat_s
    params.socket_timeout = settings.connect_timeout_s
    params.stack_timeout = settings.connect_timeout_s * 2
    # A broker under a resource alarm blocks publishers; give up instead of hanging forever.
    params.blocked_connection_timeout = settings.confirm_timeout_s
    params.connection_attempts = 1  # retries are ours (backoff with jitter), not pika's
    params.client_properties = {"connection_name": connection_name, "product": "exchanger"}
    if settings.url.startswith("amqps:"):
        # Always verify the certificate; only the CA bundle is configurable.
        context = ssl.create_default_context(cafile=settings.ca_file)
        params.ssl_options = pika.SSLOptions(context, server_hostname=settings.host)
    return params


def open_blocking(settings: BrokerSettings, connection_name: str) -> Any:
    """Open a ``BlockingConnection`` owned by the calling thread, to the first node that answers.

    Raises:
        BrokerUnavailable: no node can be reached or each refused the login (every reason named).
    """
    return open_blocking_on_node(settings, connection_name)[0]


def open_blocking_on_node(settings: BrokerSettings, connection_name: str) -> tuple[Any, BrokerSettings]:
    """:func:`open_blocking`, also returning the settings of the node it reached (for logs)."""
    failures: list[str] = []
    last: BaseException | None = None
    for node in settings.nodes():
        try:
            connection = pika.BlockingConnection(connection_parameters(node, connection_name))
        except (pika.exceptions.AMQPError, *CONNECTION_ERRORS) as err:
            failures.append(f"cannot connect to {node.redacted_url}: {describe(err)}")
            last = err
            continue
        logger.debug("connected to {} as {}", node.redacted_url, connection_name)
        return connection, node
    raise BrokerUnavailable("; ".join(failures)) from last


def close_quietly(connection: Any) -> None:
    """Close a BlockingConnection, ignoring errors from one that is already dead."""
    try:
        if connection is not None and connection.is_open:
            connection.close()
    except (pika.exceptions.AMQPError, *CONNECTION_ERRORS) as err:
        logger.debug("ignored error while closing a broker connection: {}", describe(err))


def describe(err: BaseException | None) -> str:
    """A short, password-free description of a pika error (some have an empty ``str``)."""
    if err is None:
        return "unknown reason"
    text = str(err) or repr(err)
    return f"{type(err).__name__}: {text}" if type(err).__name__ not in text else text
