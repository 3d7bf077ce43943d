"""The engine's connection pool: keep-alive size, TLS trust, proxy and credentials, read once at start."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote, urlsplit

import certifi
import urllib3
from requests.utils import get_environ_proxies, select_proxy

from core.camunda.settings import CamundaSettings
from core.errors import ConfigError


def build_pool(settings: CamundaSettings) -> urllib3.PoolManager:
    """A keep-alive pool of ``settings.pool_size`` connections that always verifies certificates.

    A ``ProxyManager`` when the environment names a proxy for the engine (``NO_PROXY`` honoured).
    """
    tls = tls_options(settings)
    proxy = engine_proxy(settings.root)
    if proxy is None:
        return urllib3.PoolManager(num_pools=2, maxsize=settings.pool_size, **tls)
    return urllib3.ProxyManager(
        proxy, num_pools=2, maxsize=settings.pool_size, proxy_headers=proxy_auth(proxy), **tls
    )


def ca_bundle_path(settings: CamundaSettings) -> str:
    """What the engine's certificate is checked against: the configured CA bundle, else the one
    the environment names (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, as requests read them), else
    certifi's store (requests' default). Verification is never off."""
    environ = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    return settings.ca_bundle or environ or certifi.where()


def tls_options(settings: CamundaSettings) -> dict[str, Any]:
    """urllib3's TLS arguments: verification required, the bundle as a file or a directory."""
    path = ca_bundle_path(settings)
    if settings.root.lower().startswith("https") and not os.path.exists(path):
        # Found at start instead of as an "unreachable engine" on every request.
        raise ConfigError(f"CA bundle {path} does not exist", key="ca_bundle")
    where = "ca_cert_dir" if os.path.isdir(path) else "ca_certs"
    return {"cert_reqs": "CERT_REQUIRED", where: path}


def engine_proxy(root: str) -> str | None:
    """The proxy the environment names for the engine's URL, or None (also when NO_PROXY covers it).

    requests' helpers, so the rules (NO_PROXY with hosts, ports, CIDR ranges) stay the ones the
    services had; read once here rather than on every request."""
    proxy = select_proxy(root, get_environ_proxies(root))
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def proxy_auth(proxy: str) -> dict[str, str] | None:
    """Basic ``Proxy-Authorization`` from credentials in the proxy URL, as requests sent it."""
    parts = urlsplit(proxy)
    if parts.username is None:
        return None
    credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return dict(urllib3.make_headers(proxy_basic_auth=credentials))


def auth_headers(settings: CamundaSettings) -> dict[str, str]:
    """Headers every engine request carries: JSON accepted; a bearer token wins over basic auth."""
    headers = {"Accept": "application/json"}
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    elif settings.username:
        basic = urllib3.make_headers(basic_auth=f"{settings.username}:{settings.password or ''}")
        headers["Authorization"] = basic["authorization"]
    return headers
