"""Prometheus metrics: one catalog for every service, and the endpoint that serves it.

Services import the metric objects from :mod:`core.metrics.catalog` and count; the exposition
(``/metrics``, ``/healthz``, ``/readyz``) is :class:`core.metrics.server.MetricsServer`, or the
API's own FastAPI app. Label values are bounded sets (systems, topics, tenants, outcomes):
never ids, so a long run cannot grow the series without bound.
"""

from core.metrics.server import MetricsServer, ReadyCheck

__all__ = ["MetricsServer", "ReadyCheck"]
