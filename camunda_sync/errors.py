"""The exception tree of ``camunda_sync``.

Every error this package raises on purpose derives from :class:`SyncError`, so the CLI turns
each of them into one clear message without a traceback.

    SyncError (core.errors.ExchangerError)
    ├── SyncConfigError          bad camunda_sync.yaml / environment (also a core ConfigError)
    ├── BpmnRefused              input that cannot become an executable process (with reason)
    ├── ValidationFailed         structural or engine errors in a converted file (carries issues)
    │   └── DeploymentRejected   the engine refused the deployment (its parse errors as issues)
    ├── StormError               StormBPMN API
    │   ├── StormUnavailable     network failure or 5xx after the allowed retries
    │   ├── StormAuthError       401/403: wrong or expired API key / token
    │   ├── StormNotFound        404: no such diagram
    │   ├── StormRateLimited     429 again after waiting as told (never hammer: the account gets blocked)
    │   └── StormResponseError   any other error status or an unreadable body
    └── StateError               the sync state file is unreadable or another sync holds the lock
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.errors import ConfigError, ExchangerError

if TYPE_CHECKING:
    from camunda_sync.validate.issues import Issue


class SyncError(ExchangerError):
    """Root of every error ``camunda_sync`` raises on purpose."""


class SyncConfigError(SyncError, ConfigError):
    """A camunda_sync setting is missing, unknown or invalid (names the key and its source)."""


class BpmnRefused(SyncError):
    """The input cannot be converted; the message says why (and where, when known)."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class ValidationFailed(SyncError):
    """A BPMN file has errors; ``issues`` lists them all, errors and warnings."""

    def __init__(self, message: str, issues: Sequence[Issue]) -> None:
        super().__init__(message)
        self.issues = list(issues)

    def __str__(self) -> str:
        lines = [super().__str__()]
        lines += [f"  {issue}" for issue in self.issues if issue.is_error]
        return "\n".join(lines)


class DeploymentRejected(ValidationFailed):
    """The engine refused a deployment; ``issues`` are its parse errors (line, column, element)."""


class StormError(SyncError):
    """The StormBPMN API failed. Messages never contain the API key or token."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class StormUnavailable(StormError):
    """StormBPMN could not be reached, or kept answering 5xx."""


class StormAuthError(StormError):
    """StormBPMN refused the credentials (401/403)."""


class StormNotFound(StormError):
    """StormBPMN has no such diagram (404)."""


class StormRateLimited(StormError):
    """StormBPMN answered 429 again after the client waited as told; stop before the account is blocked."""

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message, status=429)
        self.retry_after_s = retry_after_s


class StormResponseError(StormError):
    """StormBPMN answered with an unexpected status or body."""


class StateError(SyncError):
    """The sync state could not be read or written, or another sync holds its lock."""
