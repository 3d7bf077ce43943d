"""A sandbox server run from a thread for one test, and a handle on its control API."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import HTTPServer
from typing import Any, TypeVar, cast

import requests


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
