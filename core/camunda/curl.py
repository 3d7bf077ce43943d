"""libcurl (pycurl) under the engine client: a pool of reusable handles, each with its kept-alive connection.

A keep-alive engine call costs about 90 CPU-µs through libcurl against about 400 through
urllib3 and http.client, and the tracker makes one per task (docs/performance.md). Everything
the pool needs is read once at start: TLS trust, the proxy, the pool's size.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from urllib.parse import unquote, urlsplit, urlunsplit

import pycurl

from core.camunda.connection import ca_bundle_path, engine_proxy, require_ca_bundle
from core.camunda.response import EngineResponse
from core.camunda.settings import CamundaSettings
from core.errors import CamundaUnavailable

# libcurl's errors, named as an operator reads them in "engine at … unreachable: <name>".
CURL_ERRORS = {
    pycurl.E_COULDNT_RESOLVE_HOST: "HostNotFound",
    pycurl.E_COULDNT_RESOLVE_PROXY: "ProxyNotFound",
    pycurl.E_COULDNT_CONNECT: "ConnectionRefused",
    pycurl.E_OPERATION_TIMEDOUT: "Timeout",
    pycurl.E_GOT_NOTHING: "ConnectionDropped",
    pycurl.E_RECV_ERROR: "ConnectionDropped",
    pycurl.E_SEND_ERROR: "ConnectionDropped",
    pycurl.E_PARTIAL_FILE: "ConnectionDropped",
    pycurl.E_SSL_CONNECT_ERROR: "TLSError",
    pycurl.E_PEER_FAILED_VERIFICATION: "TLSError: certificate not trusted",
}


# Methods sent without a body when the caller gives none (the others get Content-Length: 0).
BODILESS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class HandleOptions:
    """What every handle is set up with: verification always on, no redirects, the proxy or none."""

    ca_file: str | None
    ca_dir: str | None
    proxy: str  # "" turns off the proxies the environment names (engine_proxy already applied NO_PROXY)
    proxy_username: str | None
    proxy_password: str | None

    @classmethod
    def read(cls, settings: CamundaSettings) -> HandleOptions:
        require_ca_bundle(settings)
        ca = ca_bundle_path(settings)
        directory = os.path.isdir(ca)
        proxy, username, password = _split_proxy(engine_proxy(settings.root))
        return cls(None if directory else ca, ca if directory else None, proxy, username, password)

    def apply(self, handle: pycurl.Curl) -> None:
        handle.setopt(pycurl.NOSIGNAL, 1)  # timeouts without SIGALRM: handles run on many threads
        handle.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_1_1)
        handle.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        handle.setopt(pycurl.FOLLOWLOCATION, 0)  # a redirect is reported, never followed
        handle.setopt(pycurl.MAXCONNECTS, 1)  # one kept-alive connection per handle
        handle.setopt(pycurl.SSL_VERIFYPEER, 1)
        handle.setopt(pycurl.SSL_VERIFYHOST, 2)
        if self.ca_file is not None:
            handle.setopt(pycurl.CAINFO, self.ca_file)
        if self.ca_dir is not None:
            handle.setopt(pycurl.CAPATH, self.ca_dir)
        handle.setopt(pycurl.PROXY, self.proxy)
        if self.proxy_username is not None:
            handle.setopt(pycurl.PROXYUSERNAME, self.proxy_username)
            handle.setopt(pycurl.PROXYPASSWORD, self.proxy_password or "")


class CurlPool:
    """Up to ``settings.pool_size`` idle handles kept for reuse; a busier moment opens more and
    closes the surplus afterwards (as urllib3's pool did). A handle serves one thread at a time."""

    def __init__(self, settings: CamundaSettings) -> None:
        self.options = HandleOptions.read(settings)
        self.size = settings.pool_size
        self._root = settings.root
        self._idle: list[pycurl.Curl] = []
        self._lock = threading.Lock()

    def send(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        timeout_s: float,
        connect_timeout_s: float,
    ) -> EngineResponse:
        """One request; ``timeout_s`` bounds the whole exchange. Transport failures raise
        ``CamundaUnavailable``; the request is never sent again by this layer."""
        handle = self._take()
        received = BytesIO()
        try:
            _prepare(handle, method, url, body, headers, received)
            handle.setopt(pycurl.CONNECTTIMEOUT_MS, max(1, int(connect_timeout_s * 1000)))
            handle.setopt(pycurl.TIMEOUT_MS, max(1, int(timeout_s * 1000)))
            handle.perform()
            # types-pycurl leaves getinfo untyped: RESPONSE_CODE is an int, CONTENT_TYPE str or None
            status = int(handle.getinfo(pycurl.RESPONSE_CODE))  # type: ignore[no-untyped-call]
            content_type = handle.getinfo(pycurl.CONTENT_TYPE) or ""  # type: ignore[no-untyped-call]
        except pycurl.error as err:
            handle.close()  # its connection is in an unknown state
            raise CamundaUnavailable(f"engine at {self._root} unreachable: {_describe(err)}") from None
        self._give_back(handle)
        return EngineResponse(status, _reason(status), received.getvalue(), content_type)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for handle in idle:
            handle.close()

    def _take(self) -> pycurl.Curl:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        handle = pycurl.Curl()
        self.options.apply(handle)
        return handle

    def _give_back(self, handle: pycurl.Curl) -> None:
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(handle)
                return
        handle.close()


def _prepare(
    handle: pycurl.Curl,
    method: str,
    url: str,
    body: bytes | None,
    headers: Mapping[str, str],
    received: BytesIO,
) -> None:
    """Per-request options. Every one a previous request set is set again, so nothing carries over."""
    handle.setopt(pycurl.URL, url)
    handle.setopt(pycurl.WRITEDATA, received)
    # "Expect:" keeps libcurl from waiting for 100-continue before a large body.
    lines = [f"{name}: {value}" for name, value in headers.items()] + ["Expect:"]
    handle.setopt(pycurl.NOBODY, 1 if method == "HEAD" else 0)
    if body is None and method in BODILESS:
        handle.setopt(pycurl.HTTPHEADER, lines)
        handle.setopt(pycurl.HTTPGET, 1)
        handle.setopt(pycurl.CUSTOMREQUEST, None if method in ("GET", "HEAD") else method)
        return
    if body is None:  # an empty POST or PUT: Content-Length 0, and not libcurl's form content type
        lines.append("Content-Type:")
    handle.setopt(pycurl.HTTPHEADER, lines)
    handle.setopt(pycurl.POSTFIELDSIZE, len(body or b""))
    handle.setopt(pycurl.COPYPOSTFIELDS, body or b"")
    handle.setopt(pycurl.CUSTOMREQUEST, None if method == "POST" else method)


def _describe(err: pycurl.error) -> str:
    code, message = err.args[0], err.args[1] if len(err.args) > 1 else ""
    name = CURL_ERRORS.get(code, f"TransportError {code}")
    return f"{name} ({message})" if message else name


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _split_proxy(proxy: str | None) -> tuple[str, str | None, str | None]:
    """The proxy URL without its credentials, and the credentials decoded (libcurl sends them as
    Basic ``Proxy-Authorization``)."""
    if proxy is None:
        return "", None, None
    parts = urlsplit(proxy)
    if parts.username is None:
        return proxy, None, None
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, unquote(parts.username), unquote(parts.password or "")
