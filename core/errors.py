"""The exception tree of the shared kernel.

Every error the kernel raises derives from :class:`ExchangerError`; process packages
derive their own trees from it, so a service's top level can catch one type.

    ExchangerError
    ├── ConfigError                    bad or missing setting (names key and file)
    ├── ContractError                  a message that breaks its JSON contract
    ├── XmlError                       XML refused or unreadable
    │   ├── UnsafeXmlError             DTD / entity / size limits
    │   └── MalformedXmlError          not well-formed (carries line)
    ├── BpmnModelError                 well-formed XML that is not usable BPMN
    ├── CamundaError                   anything from the engine's REST API
    │   ├── CamundaUnavailable         connection refused, timeout, 5xx "shutting down"
    │   └── CamundaRequestError        engine answered with an error status
    │       ├── CamundaNotFound        404: task or instance gone
    │       └── CamundaConflict        400 on a task locked by another worker / lock expired
    ├── BrokerError                    anything from RabbitMQ
    │   ├── BrokerUnavailable          cannot connect / connection lost
    │   └── PublishError               publish not confirmed
    │       ├── PublishNacked          broker nacked
    │       └── PublishUnroutable      returned as unroutable (mandatory)
    ├── LedgerError                    the ledger store failed
    ├── OperationError                 an operator's request (tools, API) cannot be carried out
    │   ├── OperationNotFound          no such process, instance, task or incident
    │   └── OperationRefused           it exists, but the operation does not apply (nothing failed)
    └── HandlerError                   raised by system handlers
        ├── RetryableError             transient; may carry retry_after seconds
        └── PermanentError             retrying will not help
            └── BusinessError          a business outcome with a BPMN error code
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ExchangerError(Exception):
    """Root of every error Exchanger raises on purpose."""


class ConfigError(ExchangerError):
    """A setting is missing, unknown or invalid; the message names the key and its source."""

    def __init__(self, message: str, *, key: str | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.source = source


class ContractError(ExchangerError):
    """A message does not satisfy its JSON contract."""


class XmlError(ExchangerError):
    """XML was refused or could not be read."""


class UnsafeXmlError(XmlError):
    """XML uses a DTD, entities or exceeds a size limit."""


class MalformedXmlError(XmlError):
    """XML is not well-formed; ``line`` points at the problem when known."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class BpmnModelError(ExchangerError):
    """Well-formed XML that is not BPMN the tools can use."""


class CamundaError(ExchangerError):
    """The engine's REST API failed."""


class CamundaUnavailable(CamundaError):
    """The engine could not be reached or is not serving requests."""


class CamundaRequestError(CamundaError):
    """The engine answered with an error status."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"HTTP {status} {error_type}: {message}")
        self.status = status
        self.error_type = error_type
        self.engine_message = message
        # Structured extras from the engine, e.g. a deployment's parse errors per resource.
        self.details: Mapping[str, Any] | None = None


class CamundaNotFound(CamundaRequestError):
    """404: the task, instance or definition does not exist (any more)."""


class CamundaConflict(CamundaRequestError):
    """400 on a task command: locked by another worker, or the lock already expired."""


class BrokerError(ExchangerError):
    """RabbitMQ failed."""


class BrokerUnavailable(BrokerError):
    """No connection to RabbitMQ, or it was lost."""


class PublishError(BrokerError):
    """A publish was not confirmed by the broker."""


class PublishNacked(PublishError):
    """The broker nacked the publish."""


class PublishUnroutable(PublishError):
    """The broker returned a mandatory publish as unroutable."""


class LedgerError(ExchangerError):
    """The ledger store failed."""


class OperationError(ExchangerError):
    """An operator's request (``python -m tools``, the HTTP API) cannot be carried out."""


class OperationNotFound(OperationError):
    """The process, instance, external task or incident named does not exist (any more).

    Raised by :mod:`core.operations` for every unknown id, also when the engine answered 404,
    so a caller maps one type to "not found"; the engine's error is the ``__cause__``.
    """


class OperationRefused(OperationError):
    """The target exists but the operation does not apply to it, e.g. retry where nothing failed."""


class HandlerError(ExchangerError):
    """Raised by a system handler; decides whether the task is retried."""


class RetryableError(HandlerError):
    """A transient failure; ``retry_after`` (seconds) is a hint from the remote side."""

    #: False for waits that are nobody's failure (an open circuit): the task waits, its retries stay.
    spends_attempt = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransportFailure(RetryableError):
    """The system could not be reached, or the connection broke: try again later."""


class CircuitOpenError(RetryableError):
    """The system failed too often lately; calls wait until its circuit lets a probe through."""

    spends_attempt = False

    def __init__(self, system: str, *, retry_after: float) -> None:
        super().__init__(
            f"the circuit of {system} is open: calls wait {retry_after:.0f}s", retry_after=retry_after
        )
        self.system = system


class PermanentError(HandlerError):
    """Retrying will not help; the task becomes a failure (incident) or a BPMN error."""

    def __init__(self, message: str, *, details: str | None = None) -> None:
        super().__init__(message)
        self.details = details


class BusinessError(PermanentError):
    """A business outcome that a BPMN boundary event may catch by ``code``."""

    def __init__(self, code: str, message: str, *, variables: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.variables = dict(variables or {})


class DirectTaskError(ExchangerError):
    """A direct task (submitted without a process) cannot be taken or found as asked."""


class SubmissionInvalid(DirectTaskError):
    """The submission names an unknown system or topic, or its variables miss the action's inputs."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class IdempotencyConflict(DirectTaskError):
    """An idempotency key already names a different submission."""


class DirectTaskNotFound(DirectTaskError):
    """No direct task has this id."""
