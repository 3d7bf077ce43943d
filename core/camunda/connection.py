"""What every engine connection is set up with: TLS trust, proxy and credentials, read once at start."""

from __future__ import annotations

import os

import certifi
import urllib3
from requests.utils import get_environ_proxies, select_proxy

from core.camunda.settings import CamundaSettings
from core.errors import ConfigError


def ca_bundle_path(settings: CamundaSettings) -> str:
    """What the engine's certificate is checked against: the configured CA bundle, else the one
    the environment names (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, as requests read them), else
    certifi's store (requests' default). Verification is never off."""
    environ = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return settings.ca_bundle or environ or certifi.where()


def require_ca_bundle(settings: CamundaSettings) -> None:
    """An https engine needs its CA bundle to exist: found at start, not as an "unreachable engine"
    on every request."""
    path = ca_bundle_path(settings)
    if settings.root.lower().startswith("https") and not os.path.exists(path):
        raise ConfigError(f"CA bundle {path} does not exist", key="ca_bundle")


def engine_proxy(root: str) -> str | None:
    """The proxy the environment names for the engine's URL, or None (also when NO_PROXY covers it).

    requests' helpers, so the rules (NO_PROXY with hosts, ports, CIDR ranges) stay the ones the
    services had; read once here rather than on every request."""
    proxy = select_proxy(root, get_environ_proxies(root))
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def auth_headers(settings: CamundaSettings) -> dict[str, str]:
    """Headers every engine request carries: JSON accepted; a bearer token wins over basic auth."""
    headers = {"Accept": "application/json"}
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    elif settings.username:
        basic = urllib3.make_headers(basic_auth=f"{settings.username}:{settings.password or ''}")
        headers["Authorization"] = basic["authorization"]
    return headers
