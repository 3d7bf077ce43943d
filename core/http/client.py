"""One system's HTTP call path: its limits, its circuit, timeouts and TLS, on a kept-alive session.

System clients (``systems/<name>/client.py``) call :meth:`SystemHttp.request` and read the
answer; :meth:`SystemHttp.raise_retryable` turns 429 and 5xx into a ``RetryableError`` with
the system's own wait. Limits and circuit are one per system per process: every thread of a
creator or tracker shares them, so a system that refuses one thread slows them all down.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from core.config.models import SystemConfig
from core.errors import PermanentError, RetryableError, TransportFailure
from core.http.bucket import LeakyBucket
from core.http.circuit import CircuitBreaker, CircuitState
from core.http.limits import CallLimits
from core.http.retry_after import retry_after_s
from core.metrics.catalog import (
    CIRCUIT_STATE,
    EXTERNAL_CALL_SECONDS,
    EXTERNAL_CALLS,
    RATE_LIMIT_HEADROOM,
    RATE_LIMIT_WAIT_SECONDS,
    RATE_LIMIT_WAITS,
)
from core.redact import redact


class SystemHttp:
    def __init__(
        self,
        system: str,
        session: requests.Session,
        limits: CallLimits,
        circuit: CircuitBreaker,
        *,
        timeout_s: float = 30.0,
        ca_bundle: str | None = None,
    ) -> None:
        self.system = system
        self.session = session
        self.limits = limits
        self.circuit = circuit
        self._timeout_s = timeout_s
        self._verify: bool | str = ca_bundle or True  # a CA bundle adds trust; nothing turns checking off

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """Send one request within the limits.

        Raises CircuitOpenError, TransportFailure (unreachable, timed out, cut off: the cause is
        the requests exception) or PermanentError (a request that cannot be sent at all).
        """
        self.circuit.check()
        kwargs.setdefault("timeout", self._timeout_s)
        asked = kwargs.get("verify")
        kwargs["verify"] = asked if isinstance(asked, str) and asked else self._verify  # never off
        with self.limits.slot() as waited:
            count_wait(self.system, waited)
            started = time.perf_counter()
            try:
                response = self.session.request(method, url, **kwargs)
            except TRANSPORT_ERRORS as err:
                self._count("transport", started)
                self.circuit.failure()
                raise TransportFailure(f"{self.system}: {type(err).__name__}: {redact(str(err))}") from err
            except requests.RequestException as err:  # bad URL, header or body: nothing went out
                raise PermanentError(
                    f"{self.system}: the request cannot be sent: {type(err).__name__}"
                ) from err
        self._count(call_outcome(response.status_code), started)
        if response.status_code >= 500:
            self.circuit.failure()
        else:
            self.circuit.success()
        if response.status_code == 429:
            self.limits.saturate()
        return response

    def _count(self, outcome: str, started: float) -> None:
        count_call(self.system, outcome, time.perf_counter() - started)

    def raise_retryable(self, response: requests.Response, what: str = "") -> None:
        """429 and 5xx become a RetryableError carrying the wait the system asked for."""
        status = response.status_code
        if status == 429 or status >= 500:
            hint = retry_after_s(response.headers)
            label = f"{self.system} {what}".strip()
            raise RetryableError(f"{label} answered HTTP {status}", retry_after=hint)


def count_call(system: str, outcome: str, seconds: float) -> None:
    """One call that went out (systems with a transport of their own count through this too)."""
    EXTERNAL_CALLS.labels(system, outcome).inc()
    EXTERNAL_CALL_SECONDS.labels(system).observe(seconds)


def count_wait(system: str, waited_s: float) -> None:
    """A call held back by the system's limits (rate or concurrency); under a millisecond is no wait."""
    if waited_s >= 0.001:
        RATE_LIMIT_WAITS.labels(system).inc()
        RATE_LIMIT_WAIT_SECONDS.labels(system).inc(waited_s)


def export_headroom(system: str, bucket: LeakyBucket) -> None:
    """The share of the bucket's burst free now, read when scraped."""
    burst = float(bucket.burst)
    RATE_LIMIT_HEADROOM.labels(system).set_function(lambda: max(0.0, 1.0 - bucket.level / burst))


def call_outcome(status: int) -> str:
    """The outcome label of an answered call: ok, 4xx, 429 or 5xx (redirects count as ok)."""
    if status == 429:
        return "429"
    if status >= 500:
        return "5xx"
    return "4xx" if status >= 400 else "ok"


TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
_shared_lock = threading.Lock()
_shared: dict[str, tuple[CallLimits, CircuitBreaker]] = {}
_configured: dict[str, SystemConfig] = {}


def configure(system: str, config: SystemConfig) -> None:
    """Remember the system's ``systems.yaml`` entry for :func:`system_http` calls that pass none.

    A service calls it before it builds the system's router: routers get only ``options``,
    while limits, circuit and timeout live one level up in the entry.
    """
    with _shared_lock:
        if _configured.get(system) != config:
            _configured[system] = config
            _shared.pop(system, None)  # new numbers: new bucket and circuit


def system_http(
    system: str,
    config: SystemConfig | None = None,
    session: requests.Session | None = None,
    *,
    configured_as: str | None = None,
) -> SystemHttp:
    """The system's call path; its limits and circuit are shared by every caller in this process.

    Without ``config``, the one given to :func:`configure` for ``configured_as`` (default: the
    system itself) applies, or the defaults. ``configured_as`` lets one system keep separate
    limits and circuits per remote host (the python system's ``http.request``).
    """
    with _shared_lock:
        config = config or _configured.get(configured_as or system) or SystemConfig()
        parts = _shared.get(system)
        if parts is None:
            limits = CallLimits(config.limits.rate, config.limits.burst, config.limits.max_concurrent)
            circuit = CircuitBreaker(system, config.circuit.failures, config.circuit.cooldown_s)
            parts = _shared[system] = (limits, circuit)
            _export_state(system, limits, circuit)
    return SystemHttp(
        system,
        session or pooled_session(config.limits.max_concurrent),
        *parts,
        timeout_s=config.timeout_s,
        ca_bundle=config.ca_bundle,
    )


def _export_state(system: str, limits: CallLimits, circuit: CircuitBreaker) -> None:
    """Circuit state and rate headroom, read when scraped (a later configuration replaces them)."""
    CIRCUIT_STATE.labels(system).set_function(lambda: CIRCUIT_CODES[circuit.state])
    export_headroom(system, limits.bucket)


CIRCUIT_CODES = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}


def pooled_session(connections: int) -> requests.Session:
    """Kept-alive connections, as many as calls may be in flight (DaData: ≤ 60 new per minute)."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(connections, 1))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def forget_shared() -> None:
    """Drop every system's shared limits and circuit (tests that build several configurations)."""
    with _shared_lock:
        _shared.clear()
        _configured.clear()
