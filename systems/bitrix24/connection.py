"""The Bitrix24 client of one process, built from the options and the environment.

The webhook URL (it holds the secret code) is read from the environment variable the options
name and never shown: errors name the variable only, and the client registers the code for
redaction before anything can log it.
The creator and the tracker run as separate processes against the one bucket of the portal,
so each gets its share of the rate (``rate_limit.tracker_share`` for the tracker).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal
from urllib.parse import urlsplit

import requests

from core.errors import ConfigError
from systems.bitrix24.client import Bitrix24Client, RetryPolicy, Webhook
from systems.bitrix24.ratelimit import LeakyBucket, shared_bucket
from systems.bitrix24.settings import KEY, SOURCE, Bitrix24Settings

Role = Literal["creator", "tracker"]


def webhook_url(settings: Bitrix24Settings, environ: Mapping[str, str] | None = None) -> str:
    """The webhook URL from the environment; ConfigError names the variable, never the value."""
    name = settings.webhook_env
    value = (os.environ if environ is None else environ).get(name, "").strip()
    if not value:
        raise ConfigError(
            f"the Bitrix24 webhook URL is missing: set the environment variable {name}",
            key=f"{KEY}.webhook_env",
            source=SOURCE,
        )
    return value


def bucket_for(settings: Bitrix24Settings, portal: str, role: Role) -> LeakyBucket:
    """This process's share of the portal's leaky bucket."""
    limit = settings.rate_limit
    share = limit.tracker_share if role == "tracker" else 1 - limit.tracker_share
    return shared_bucket(portal, limit.rate * share, max(1, int(limit.burst * share)))


def build_client(
    settings: Bitrix24Settings,
    role: Role,
    *,
    session: requests.Session | None = None,
    environ: Mapping[str, str] | None = None,
    limiter: LeakyBucket | None = None,
) -> Bitrix24Client:
    """A client for ``role``; tests pass their own session, environment or limiter."""
    url = webhook_url(settings, environ)
    if settings.ca_bundle and not os.path.isfile(settings.ca_bundle):
        raise ConfigError(
            f"options.ca_bundle {settings.ca_bundle!r} is not a file", key=f"{KEY}.ca_bundle", source=SOURCE
        )
    try:
        portal = Webhook(url).portal
    except ValueError as err:  # the message never quotes the URL
        raise ConfigError(
            f"environment variable {settings.webhook_env}: {err}", key=f"{KEY}.webhook_env", source=SOURCE
        ) from None
    retry = settings.client_retry
    return Bitrix24Client(
        url,
        session or requests.Session(),
        timeout=(settings.connect_timeout_s, settings.read_timeout_s),
        ca_bundle=settings.ca_bundle,
        limiter=limiter or bucket_for(settings, portal, role),
        retry=RetryPolicy(retry.attempts, retry.base_delay_s, retry.max_delay_s, retry.max_wait_s),
    )


def portal_base(client: Bitrix24Client) -> str:
    """``https://portal.example`` of the client's webhook (for links to tasks)."""
    parts = urlsplit(client.webhook.base)
    return f"{parts.scheme}://{parts.netloc}"
