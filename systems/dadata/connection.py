"""The DaData client of one process, built from the options and the environment.

The key and the secret are read from the environment variables the options name and
registered for redaction before anything can log them; errors name the variables only.
The secret is needed by the cleaner topics alone, so a process that only looks up parties
may leave it unset (a clean task then fails with an incident naming the variable).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import requests

from core.errors import ConfigError
from core.http import system_http
from core.redact import register_secret
from systems.dadata.client import DaDataClient
from systems.dadata.settings import KEY, SOURCE, DaDataSettings

SYSTEM = "dadata"


def read_key(name: str, setting: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name, "").strip()
    register_secret(value)
    if not value and setting == "api_key_env":
        raise ConfigError(
            f"the DaData API key is missing: set the environment variable {name}",
            key=f"{KEY}.{setting}",
            source=SOURCE,
        )
    return value or None


def build_client(
    settings: DaDataSettings,
    *,
    session: requests.Session | None = None,
    environ: Mapping[str, str] | None = None,
) -> DaDataClient:
    """A client on the system's shared limits and circuit (``core.http``); tests pass a session."""
    token = read_key(settings.api_key_env, "api_key_env", environ)
    secret = read_key(settings.xsecret_env, "xsecret_env", environ)
    assert token is not None  # read_key raised otherwise
    return DaDataClient(
        system_http(SYSTEM, session=session),
        token,
        secret,
        cleaner_url=settings.cleaner_url,
        suggestions_url=settings.suggestions_url,
        retry=settings.client_retry,
        key_names=f"{settings.api_key_env} / {settings.xsecret_env}",
    )
