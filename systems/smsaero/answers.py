"""Reading SMS Aero answers: ``{"success": true, "data": …, "message": null}`` or a refusal.

- 401/403: wrong e-mail or API key → an incident that says what to fix;
- 429 and 5xx: retryable, with the wait the answer asks for (core.http);
- ``success: false`` (any other status), or the older ``result: "no credits"`` / ``"reject"``:
  final, never retried; the API's message is kept but phone numbers in it are masked;
- an answer that is not JSON: retryable (a proxy's error page); a send is then looked up.
"""

from __future__ import annotations

from typing import Any

import requests

from core.errors import RetryableError
from core.http import SystemHttp
from core.privacy import mask_personal
from systems.smsaero.errors import SmsAeroAuthFailed, SmsAeroNoCredits, SmsAeroRefused

NO_MONEY_WORDS = ("no credits", "not enough money", "insufficient", "недостаточно")


def read_answer(http: SystemHttp, response: requests.Response, selector: str) -> Any:
    """The ``data`` of a successful answer; raises the error class the answer calls for."""
    status = response.status_code
    if status in (401, 403):
        raise SmsAeroAuthFailed(
            f"SMS Aero refused the credentials (HTTP {status} on {selector}): check the e-mail and "
            "API key in the environment variables named by email_env and api_key_env"
        )
    http.raise_retryable(response, selector)
    try:
        content = response.json()
    except ValueError:
        raise RetryableError(f"smsaero {selector}: HTTP {status} with a body that is not JSON") from None
    if not isinstance(content, dict):
        raise RetryableError(f"smsaero {selector}: HTTP {status} with a JSON {type(content).__name__}")
    refusal = _refusal(content)
    if refusal is not None:
        raise _refused(selector, status, refusal)
    return content.get("data")


def _refusal(content: dict[str, Any]) -> str | None:
    """The reason of a refusal, or None when the answer is a success."""
    result = content.get("result")
    if result == "no credits":
        return "no credits"
    if result == "reject":
        return str(content.get("reason") or "reject")
    if content.get("success") is True:
        return None
    return str(content.get("message") or "no message")


def _refused(selector: str, status: int, reason: str) -> SmsAeroRefused:
    said = mask_personal(reason)[:300]  # the API may quote the number back
    if any(word in reason.casefold() for word in NO_MONEY_WORDS):
        return SmsAeroNoCredits(
            f"SMS Aero has no money for {selector}: top up the account's balance ({said})",
            details=f"HTTP {status} success=false: {said}",
        )
    return SmsAeroRefused(
        f"SMS Aero refused {selector}: {said}", details=f"HTTP {status} success=false: {said}"
    )
