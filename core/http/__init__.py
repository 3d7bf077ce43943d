"""What every HTTP system shares: limits per system, a circuit breaker, Retry-After, one call path."""

from core.http.bucket import LeakyBucket
from core.http.circuit import CircuitBreaker, CircuitState
from core.http.client import SystemHttp, configure, system_http
from core.http.limits import CallLimits
from core.http.retry_after import retry_after_s

__all__ = [
    "CallLimits",
    "CircuitBreaker",
    "CircuitState",
    "LeakyBucket",
    "SystemHttp",
    "configure",
    "retry_after_s",
    "system_http",
]
