"""Our exceptions as HTTP answers: one JSON shape, ``{"detail": …}`` (+ ``problems`` for 422).

Nothing here echoes a request body or a secret: messages name the cause, not the values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger

from core.contracts.base import validation_problems
from core.errors import (
    BrokerError,
    CamundaNotFound,
    CamundaRequestError,
    CamundaUnavailable,
    DirectTaskNotFound,
    IdempotencyConflict,
    LedgerError,
    OperationNotFound,
    OperationRefused,
    SubmissionInvalid,
)

Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]

# Most specific first: CamundaNotFound is a CamundaRequestError.
_STATUS: list[tuple[type[Exception], int]] = [
    (DirectTaskNotFound, status.HTTP_404_NOT_FOUND),
    (OperationNotFound, status.HTTP_404_NOT_FOUND),
    (CamundaNotFound, status.HTTP_404_NOT_FOUND),
    (IdempotencyConflict, status.HTTP_409_CONFLICT),
    (OperationRefused, status.HTTP_409_CONFLICT),
    (CamundaRequestError, status.HTTP_400_BAD_REQUEST),
    (CamundaUnavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
    (BrokerError, status.HTTP_503_SERVICE_UNAVAILABLE),
    (LedgerError, status.HTTP_503_SERVICE_UNAVAILABLE),
]


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SubmissionInvalid, _submission_invalid)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    for error_type, code in _STATUS:
        app.add_exception_handler(error_type, _answer_with(code))


def _answer_with(code: int) -> Handler:
    async def handler(request: Request, err: Exception) -> JSONResponse:
        if code >= 500:
            logger.warning("{} {} answered {}: {}", request.method, request.url.path, code, err)
        return JSONResponse({"detail": str(err)}, status_code=code)

    return handler


async def _submission_invalid(_request: Request, err: Exception) -> JSONResponse:
    return _unprocessable(err.problems if isinstance(err, SubmissionInvalid) else [str(err)])


async def _request_invalid(_request: Request, err: Exception) -> JSONResponse:
    errors = err.errors() if isinstance(err, RequestValidationError) else []
    return _unprocessable(validation_problems(errors) or [str(err)])


def _unprocessable(problems: list[str]) -> JSONResponse:
    body = {"detail": f"{len(problems)} problem(s) in the request", "problems": problems}
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
