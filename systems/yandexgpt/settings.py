"""Typed options of the ``yandexgpt`` system (``systems.yandexgpt.options`` in ``systems.yaml``).

Secrets are never here: the options name the environment variables that hold the folder id,
the API key and the IAM token. Limits, circuit, timeout and CA bundle are the system's own
``systems.yaml`` keys (``limits``, ``circuit``, ``timeout_s``, ``ca_bundle``), as for every HTTP system.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.actions.options import parse_options

SOURCE = "config/systems.yaml"
KEY = "systems.yandexgpt.options"
Mode = Literal["sync", "async", "auto"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClientRetry(Strict):
    """Retries of 429 RESOURCE_EXHAUSTED and 503 UNAVAILABLE inside one call (the SDK's policy, shorter)."""

    attempts: int = Field(3, ge=1, le=10)
    base_delay_s: float = Field(1.0, ge=0)
    multiplier: float = Field(1.5, ge=1)
    max_delay_s: float = Field(10.0, ge=0)


class ResultVariables(Strict):
    """Names of the variables an answer writes; null leaves one out."""

    text: str = "gpt_text"
    status: str | None = "gpt_status"
    input_tokens: str | None = "gpt_input_tokens"
    completion_tokens: str | None = "gpt_completion_tokens"
    total_tokens: str | None = "gpt_total_tokens"
    model_version: str | None = "gpt_model_version"
    parsed: str = "gpt_json"  # the parsed answer when the activity sets a JSON schema


class ErrorCodes(Strict):
    content_filter: str = "GPT_CONTENT_FILTER"
    bad_json: str = "GPT_BAD_JSON"


class YandexGptSettings(Strict):
    """Everything under ``systems.yandexgpt.options``."""

    folder_id_env: str = "YANDEXGPT_FOLDER_ID"
    api_key_env: str = "YANDEXGPT_API_KEY"  # Authorization: Api-Key …
    iam_env: str = "YANDEXGPT_IAM_TOKEN"  # Authorization: Bearer … (used when no API key is set)
    llm_url: str = "https://llm.api.cloud.yandex.net"
    operations_url: str = "https://operation.api.cloud.yandex.net"
    topic: str = "yandexgpt.completion"
    model: str = "yandexgpt-lite/latest"  # gpt://<folder>/<model>
    temperature: float = Field(0.3, ge=0, le=1)
    max_tokens: int = Field(2000, ge=1)
    mode: Mode = "auto"
    # In auto mode a prompt (system + user text) longer than this goes through completionAsync.
    async_threshold_chars: int = Field(4000, ge=0)
    data_logging: bool = False  # x-data-logging-enabled: let Yandex keep the request data
    json_schemas: dict[str, dict[str, Any]] = Field(default_factory=dict)  # named, for activities
    results: ResultVariables = ResultVariables()
    errors: ErrorCodes = ErrorCodes()
    client_retry: ClientRetry = ClientRetry()


def load_settings(options: Mapping[str, Any]) -> YandexGptSettings:
    """Validate the options; a ConfigError names the first bad key and the file."""
    return parse_options(YandexGptSettings, options, "yandexgpt")
