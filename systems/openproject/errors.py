"""The OpenProject exception tree, and reading a HAL error answer into it.

    OpenProjectError (ExchangerError)        anything from the API; ``status`` and ``identifier``
    ├── OpenProjectTransient (+RetryableError)   429 TooManyRequests, 5xx; ``retry_after`` when sent
    └── OpenProjectRejected (+PermanentError)    retrying the same request will not help
        ├── OpenProjectAuthError                 401 Unauthenticated, 403 MissingPermission
        ├── OpenProjectNotFound                  404: missing, or not visible to the token's user
        ├── OpenProjectConflict                  409 UpdateConflict: a stale lockVersion
        ├── OpenProjectInvalid                   422: PropertyConstraintViolation, MultipleErrors…
        └── OpenProjectProtocolError             an answer that is not the documented JSON
    WorkPackageIncomplete (PermanentError)   the project's form requires fields the task leaves empty

Error bodies are ``{"_type": "Error", "errorIdentifier": "urn:openproject-org:api:v3:errors:<Name>",
"message": …}``; ``MultipleErrors`` carries one such error per field in ``_embedded.errors``,
each naming its field in ``_embedded.details.attribute``. Messages quote the API's words (they
name fields and permissions, not values) and never the token: a 401 names its variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import ExchangerError, PermanentError, RetryableError

URN = "urn:openproject-org:api:v3:errors:"
MEDIA_HINTS = {
    406: "the request lacked Content-Type: application/json",
    415: "the request's Content-Type is not application/json",
}


class OpenProjectError(ExchangerError):
    """Root of the tree; ``status`` (HTTP) and ``identifier`` (``UpdateConflict``…) when known."""

    status: int | None = None
    identifier: str = ""


class OpenProjectTransient(OpenProjectError, RetryableError):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        identifier: str = "",
        retry_after: float | None = None,
    ) -> None:
        RetryableError.__init__(self, message, retry_after=retry_after)
        self.status, self.identifier = status, identifier


class OpenProjectRejected(OpenProjectError, PermanentError):
    def __init__(
        self, message: str, *, status: int | None = None, identifier: str = "", details: str | None = None
    ) -> None:
        PermanentError.__init__(self, message, details=details)
        self.status, self.identifier = status, identifier


class OpenProjectAuthError(OpenProjectRejected):
    """The token is wrong or expired, or its user lacks a permission in the project."""


class OpenProjectNotFound(OpenProjectRejected):
    """No such resource, or the token's user may not see it (OpenProject does not tell which)."""


class OpenProjectConflict(OpenProjectRejected):
    """409 UpdateConflict: someone changed the work package since its lockVersion was read."""


class OpenProjectInvalid(OpenProjectRejected):
    """422: the work package breaks a rule of the project (a required field, a bad value…)."""


class OpenProjectProtocolError(OpenProjectRejected):
    """The answer is not the JSON the API documents (a proxy's page, a wrong shape)."""


class WorkPackageIncomplete(PermanentError):
    """The project's form requires fields that the task does not fill."""


def read_error(payload: Any) -> tuple[str, str, list[str]]:
    """(identifier, message, per-field messages) of a HAL error; empty parts when absent."""
    if not isinstance(payload, Mapping):
        return "", "", []
    urn = str(payload.get("errorIdentifier") or "")
    identifier = urn.removeprefix(URN)
    message = str(payload.get("message") or "")
    embedded = payload.get("_embedded")
    inner = embedded.get("errors") if isinstance(embedded, Mapping) else None
    fields = (
        [_field_message(error) for error in inner if isinstance(error, Mapping)]
        if isinstance(inner, list)
        else []
    )
    return identifier, message, [text for text in fields if text]


def _field_message(error: Mapping[str, Any]) -> str:
    """``subject: Subject can't be blank.`` from one error inside MultipleErrors."""
    message = str(error.get("message") or "")
    embedded = error.get("_embedded")
    details = embedded.get("details") if isinstance(embedded, Mapping) else None
    attribute = details.get("attribute") if isinstance(details, Mapping) else None
    return f"{attribute}: {message}" if attribute and message else message


def error_for(
    what: str, status: int, payload: Any, *, token_env: str, retry_after: float | None = None
) -> OpenProjectError:
    """The exception for one error answer; ``what`` names the call (``create work package``)."""
    identifier, message, fields = read_error(payload)
    said = "; ".join(fields) if fields else message
    label = f"OpenProject {what}: HTTP {status}" + (f" {identifier}" if identifier else "")
    text = f"{label}: {said}" if said else label
    if status == 429 or status >= 500:
        return OpenProjectTransient(text, status=status, identifier=identifier, retry_after=retry_after)
    if status == 401:
        hint = f"the API token in {token_env} is not accepted ({identifier or 'Unauthenticated'})"
        return OpenProjectAuthError(f"OpenProject {what}: {hint}", status=status, identifier=identifier)
    if status == 403:
        hint = message or "the token's user lacks a permission"
        return OpenProjectAuthError(
            f"OpenProject {what}: permission missing: {hint}", status=status, identifier=identifier
        )
    if status in MEDIA_HINTS:  # a bug of ours in the request, spelled out
        text = f"{label}: {MEDIA_HINTS[status]}" + (f" ({said})" if said else "")
    return _rejection(status)(text, status=status, identifier=identifier, details=said or None)


def _rejection(status: int) -> type[OpenProjectRejected]:
    if status == 404:
        return OpenProjectNotFound
    if status == 409:
        return OpenProjectConflict
    if status == 422:
        return OpenProjectInvalid
    return OpenProjectRejected
