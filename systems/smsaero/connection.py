"""The SMS Aero client of one process, built from the options and the environment.

The e-mail and API key come from the environment variables the options name; errors name
the variables, never the values, and the key is registered for redaction before any log line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import requests

from core.errors import ConfigError
from core.http import system_http
from core.redact import register_secret
from systems.smsaero.client import SmsAeroClient
from systems.smsaero.settings import KEY, SOURCE, SmsAeroSettings

SYSTEM = "smsaero"


def _secret(name: str, what: str, key: str, environ: Mapping[str, str]) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigError(
            f"the SMS Aero {what} is missing: set the environment variable {name}",
            key=f"{KEY}.{key}",
            source=SOURCE,
        )
    return value


def build_client(
    settings: SmsAeroSettings,
    *,
    session: requests.Session | None = None,
    environ: Mapping[str, str] | None = None,
) -> SmsAeroClient:
    """A client for this process; tests pass their own session or environment."""
    env = os.environ if environ is None else environ
    email = _secret(settings.email_env, "account e-mail", "email_env", env)
    api_key = _secret(settings.api_key_env, "API key", "api_key_env", env)
    register_secret(api_key)
    # Limits, circuit, timeout and CA bundle: the system's systems.yaml entry, via core.http.configure.
    http = system_http(SYSTEM, session=session)
    return SmsAeroClient(http, settings.gates, email, api_key, test_mode=settings.test_mode)
