"""uvicorn on a thread of its own, so the service's main thread keeps the heartbeat and chores.

uvicorn installs signal handlers only on the main thread; ours (core.lifecycle) stay in charge
and stopping sets ``should_exit``. A server that cannot start (port taken, bad certificate)
stops the whole service with an error that says so.
"""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

from core.config.models import ApiConfig
from core.errors import ExchangerError

STOP_WAIT_S = 30.0
START_WAIT_S = 30.0


class HttpServer:
    def __init__(self, app: FastAPI, config: ApiConfig) -> None:
        self._config = config
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host=config.host,
                port=config.port,
                log_config=None,  # our logging stays as configured; uvicorn's errors still reach stderr
                access_log=False,  # operating calls are logged by the operations, with who made them
                ssl_certfile=config.certfile,
                ssl_keyfile=config.keyfile,
                server_header=False,
            )
        )
        self._thread: threading.Thread | None = None
        self._failed: str | None = None

    @property
    def started(self) -> bool:
        return self._server.started

    @property
    def url(self) -> str:
        scheme = "https" if self._config.certfile else "http"
        return f"{scheme}://{self._config.host}:{self._config.port}"

    def start(self, stop: threading.Event) -> None:
        def serve() -> None:
            try:
                self._server.run()
            except BaseException as err:  # uvicorn exits with SystemExit when it cannot bind
                self._failed = f"{type(err).__name__}: {err}"
            if not stop.is_set():
                self._failed = self._failed or "it stopped on its own"
                stop.set()

        self._thread = threading.Thread(target=serve, name="http", daemon=True)
        self._thread.start()

    def wait_started(self, stop: threading.Event, timeout_s: float = START_WAIT_S) -> bool:
        """True once it listens; False if the service stops first (the failure is raised by stop)."""
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if stop.wait(0.05):
                return False
            if time.monotonic() > deadline:
                raise ExchangerError(f"the HTTP server on {self.url} did not start within {timeout_s:.0f} s")
        return True

    def stop(self) -> None:
        """Stop taking requests, let those under way finish, then return."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=STOP_WAIT_S)
        if self._failed:
            raise ExchangerError(
                f"the HTTP server on {self.url} failed (port taken? certificate?): {self._failed}"
            )
