"""The OpenProject client of one process, built from the options and the environment.

The base URL comes from ``options.base_url`` or the environment variable ``url_env``; the
API token from the variable ``token_env``. Errors name the variables, never the token, and
the token is registered for redaction (with the Basic credentials it makes) before any log.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests

from core.errors import ConfigError
from core.http import system_http
from core.redact import register_secret
from systems.openproject.client import OpenProjectClient
from systems.openproject.settings import KEY, SOURCE, OpenProjectSettings

SYSTEM = "openproject"


def base_url(settings: OpenProjectSettings, environ: Mapping[str, str]) -> str:
    """``https://host[/prefix]`` without a trailing ``/api/v3``."""
    url = (settings.base_url or environ.get(settings.url_env, "")).strip().rstrip("/")
    if not url:
        raise ConfigError(
            f"the OpenProject URL is missing: set options.base_url or the environment variable {settings.url_env}",
            key=f"{KEY}.base_url",
            source=SOURCE,
        )
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(
            f"the OpenProject URL is not an http(s) URL: {parts.scheme or '?'}://…",
            key=f"{KEY}.base_url",
            source=SOURCE,
        )
    return url.removesuffix("/api/v3")


def api_token(settings: OpenProjectSettings, environ: Mapping[str, str]) -> str:
    name = settings.token_env
    token = environ.get(name, "").strip()
    if not token:
        raise ConfigError(
            f"the OpenProject API token is missing: set the environment variable {name}",
            key=f"{KEY}.token_env",
            source=SOURCE,
        )
    register_secret(token)
    register_secret(base64.b64encode(f"apikey:{token}".encode()).decode())
    return token


def build_client(
    settings: OpenProjectSettings,
    *,
    session: requests.Session | None = None,
    environ: Mapping[str, str] | None = None,
) -> OpenProjectClient:
    """A client on the system's shared limits and circuit (``core.http``); tests pass a session."""
    env = os.environ if environ is None else environ
    return OpenProjectClient(
        system_http(SYSTEM, session=session),
        base_url(settings, env),
        api_token(settings, env),
        token_env=settings.token_env,
        notify=settings.notify,
    )
