"""A sandbox server run from a thread for one test, and a handle on its control API."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import HTTPServer
from typing import Any, TypeVar, cast

import requests

from tools.sandbox.openproject import DEFAULT_TOKEN
from tools.sandbox.openproject import make_server as make_openproject


class SandboxHandle:
    """A running sandbox: its base URL, its control API (``/_sandbox/…``) and its state."""

    def __init__(self, control_url: str) -> None:
        self.control_url = control_url
        self.http = requests.Session()

    def control(self, verb: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        response = self.http.request(verb, self.control_url + path, json=dict(body or {}), timeout=10)
        response.raise_for_status()
        return response.json()

    def state(self) -> dict[str, Any]:
        return dict(self.control("GET", "state"))

    def close(self) -> None:
        self.http.close()


def base_url(server: HTTPServer) -> str:
    host, port = cast(tuple[str, int], server.server_address[:2])
    return f"http://{host}:{port}"


Handle = TypeVar("Handle", bound=SandboxHandle)


@contextmanager
def serving(server: HTTPServer, handle: Callable[[HTTPServer], Handle]) -> Iterator[Handle]:
    """Serve ``server`` from a thread until the block ends; then close it and its socket."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    sandbox = handle(server)
    try:
        yield sandbox
    finally:
        sandbox.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class OpenProjectSandbox(SandboxHandle):
    """The OpenProject sandbox: its API base and token, and people's actions through its control API."""

    def __init__(self, server: HTTPServer, token: str) -> None:
        self.base = base_url(server)
        self.api = f"{self.base}/api/v3"
        self.token = token
        super().__init__(f"{self.base}/_sandbox/")

    def work_package(self, wp_id: int) -> dict[str, Any]:
        return dict(self.control("GET", f"work_packages/{wp_id}"))

    def work_packages(self) -> list[dict[str, Any]]:
        return list(self.state()["work_packages"])

    def set_status(self, wp_id: int, status: str | int, by: int | None = None) -> dict[str, Any]:
        return dict(self.control("POST", f"work_packages/{wp_id}/status", _by({"status": status}, by)))

    def comment(self, wp_id: int, text: str, by: int | None = None) -> dict[str, Any]:
        return dict(self.control("POST", f"work_packages/{wp_id}/comment", _by({"text": text}, by)))

    def assign(self, wp_id: int, user: int | None, by: int | None = None) -> dict[str, Any]:
        return dict(self.control("POST", f"work_packages/{wp_id}/assignee", _by({"user": user}, by)))

    def set_custom_field(self, wp_id: int, field: str, value: Any) -> dict[str, Any]:
        body = {"field": field, "value": value}
        return dict(self.control("POST", f"work_packages/{wp_id}/custom_field", body))

    def delete(self, wp_id: int) -> None:
        self.control("DELETE", f"work_packages/{wp_id}")

    def settings(self, **values: Any) -> dict[str, Any]:
        return dict(self.control("POST", "settings", values))

    def project(self, ref: str | int, **values: Any) -> dict[str, Any]:
        return dict(self.control("POST", f"projects/{ref}", values))

    def fault(self, kind: str, **spec: Any) -> None:
        self.control("POST", "faults", {"kind": kind, **spec})

    def auto(self, *rules: Mapping[str, Any]) -> None:
        self.control("POST", "auto", {"rules": [dict(rule) for rule in rules]})

    def requests(self) -> dict[str, int]:
        return dict(self.state()["counters"]["requests"])


def _by(body: dict[str, Any], by: int | None) -> dict[str, Any]:
    return body if by is None else {**body, "by": by}


@contextmanager
def openproject_sandbox(token: str = DEFAULT_TOKEN, **settings: Any) -> Iterator[OpenProjectSandbox]:
    """The OpenProject sandbox on an ephemeral port (``settings``: make_server's keywords)."""
    server = make_openproject(token=token, **settings)
    with serving(server, lambda started: OpenProjectSandbox(started, token)) as sandbox:
        yield sandbox
