"""The YandexGPT client of one process, built from the options and the environment.

The folder id, API key and IAM token come from the environment variables the options name;
errors name the variables, never the values, and the key is registered for redaction.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import requests

from core.errors import ConfigError
from core.http import system_http
from core.redact import register_secret
from systems.yandexgpt.client import Credentials, YandexGptClient
from systems.yandexgpt.settings import KEY, SOURCE, YandexGptSettings

SYSTEM = "yandexgpt"


def credentials(settings: YandexGptSettings, environ: Mapping[str, str] | None = None) -> Credentials:
    env = os.environ if environ is None else environ
    folder = env.get(settings.folder_id_env, "").strip()
    key = env.get(settings.api_key_env, "").strip() or None
    token = env.get(settings.iam_env, "").strip() or None
    if not folder:
        raise ConfigError(
            f"the YandexGPT folder id is missing: set the environment variable {settings.folder_id_env}",
            key=f"{KEY}.folder_id_env",
            source=SOURCE,
        )
    if not key and not token:
        raise ConfigError(
            f"YandexGPT needs an API key or an IAM token: set {settings.api_key_env} or {settings.iam_env}",
            key=f"{KEY}.api_key_env",
            source=SOURCE,
        )
    register_secret(key)
    register_secret(token)
    return Credentials(folder, key, token)


def build_client(
    settings: YandexGptSettings,
    *,
    session: requests.Session | None = None,
    environ: Mapping[str, str] | None = None,
) -> YandexGptClient:
    """A client with the system's shared limits and circuit (its systems.yaml entry, given to
    ``core.http.configure`` by the service); tests pass a session or environment."""
    return YandexGptClient(
        system_http(SYSTEM, session=session),
        credentials(settings, environ),
        llm_url=settings.llm_url,
        operations_url=settings.operations_url,
        retry=settings.client_retry,
        data_logging=settings.data_logging,
    )
