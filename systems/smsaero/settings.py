"""Typed options of the ``smsaero`` system (``systems.smsaero.options`` in ``systems.yaml``).

Validated once at start-up: an unknown or wrong key stops the process with a message naming
the key and the file. The e-mail and API key are never here, only the names of the
environment variables that hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.actions.options import parse_options

SOURCE = "config/systems.yaml"
KEY = "systems.smsaero.options"
# The official clients' gate order: the first host, then the fallbacks on connection errors.
DEFAULT_GATES = (
    "https://gate.smsaero.ru/v2/",
    "https://gate.smsaero.org/v2/",
    "https://gate.smsaero.net/v2/",
)


class Strict(BaseModel):
    """Unknown keys are errors; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Variables(Strict):
    """Process variables read when the activity's extension properties say nothing."""

    number: str = "phone"
    text: str = "sms_text"


class Lookup(Strict):
    """How a resumed task looks for an SMS an earlier run may have sent (``sms/list``)."""

    window_s: int = Field(86_400, ge=60)  # only SMS created this recently are adopted
    max_pages: int = Field(5, ge=1, le=50)


class SmsAeroSettings(Strict):
    """Everything under ``systems.smsaero.options``."""

    email_env: str = "SMSAERO_EMAIL"
    api_key_env: str = "SMSAERO_API_KEY"
    gates: list[str] = Field(default_factory=lambda: list(DEFAULT_GATES), min_length=1)
    sign: str = Field("SMS Aero", min_length=1)
    test_mode: bool = False  # sms/testsend, sms/teststatus, sms/testlist: nothing is sent or billed
    topic: str = "sms.send"
    variables: Variables = Variables()
    text_template: str | None = None  # used when the activity has no sms.text property
    not_delivered_code: str = "SMS_NOT_DELIVERED"
    lookup: Lookup = Lookup()

    @field_validator("gates")
    @classmethod
    def _slash(cls, gates: list[str]) -> list[str]:
        for gate in gates:
            if not gate.startswith(("https://", "http://")):
                raise ValueError(f"a gate is an http(s) URL, not {gate!r}")
        return [gate if gate.endswith("/") else f"{gate}/" for gate in gates]


def load_settings(options: Mapping[str, Any]) -> SmsAeroSettings:
    """Validate the options; a ConfigError names the first bad key and the file."""
    return parse_options(SmsAeroSettings, options, "smsaero")
