"""Every metric Exchanger exports, in one place (docs/monitoring.md explains each).

The default registry is used: one service per process, and the process collectors
(CPU, memory, open files) come with it. Labels:

- ``system``: a key of systems.yaml; ``topic``: an external-task topic; ``tenant``: the
  engine's tenant id or ``""``;
- ``outcome``: a fixed, small vocabulary named on each metric.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Seconds, from a few milliseconds (immediate systems) to a day (people-work settles late).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86400)
CALL_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

TASK = ("system", "topic", "tenant")

# -- the worker ------------------------------------------------------------------------------
TASKS_FETCHED = Counter("exchanger_tasks_fetched", "External tasks fetched and locked", ("topic", "tenant"))
TASKS_PUBLISHED = Counter("exchanger_tasks_published", "Task messages confirmed by the broker", TASK)
TASKS_UNROUTED = Counter(
    "exchanger_tasks_unrouted",
    "Fetched tasks no routing rule matched (unlocked: they wait for a rule)",
    ("topic", "tenant"),
)
FETCH_TO_PUBLISH = Histogram(
    "exchanger_fetch_to_publish_seconds",
    "From fetchAndLock's answer to the broker's confirm",
    ("system",),
    buckets=LATENCY_BUCKETS,
)

# -- the creators ----------------------------------------------------------------------------
PUBLISH_TO_RESULT = Histogram(
    "exchanger_publish_to_result_seconds",
    "From the task message's publication to its result's",
    ("system",),
    buckets=LATENCY_BUCKETS,
)
TASK_RETRIES = Counter(
    "exchanger_task_retries", "Task messages sent to a delay queue for another attempt", TASK
)
TASKS_POISON = Counter(
    "exchanger_tasks_poison",
    "Messages moved to the error queue (unreadable or hopeless)",
    ("component", "queue"),
)
EXTERNAL_CALLS = Counter(
    "exchanger_external_calls",
    "Calls to external systems by outcome: ok, 4xx, 429, 5xx, transport",
    ("system", "outcome"),
)
EXTERNAL_CALL_SECONDS = Histogram(
    "exchanger_external_call_seconds",
    "Latency of calls to external systems (answered or not)",
    ("system",),
    buckets=CALL_BUCKETS,
)
RATE_LIMIT_WAITS = Counter(
    "exchanger_rate_limit_waits", "Calls that waited for the system's rate limit", ("system",)
)
RATE_LIMIT_WAIT_SECONDS = Counter(
    "exchanger_rate_limit_wait_seconds", "Time calls spent waiting for the system's rate limit", ("system",)
)
RATE_LIMIT_HEADROOM = Gauge(
    "exchanger_rate_limit_headroom_ratio",
    "Share of the system's burst free now (1: idle, 0: at the limit)",
    ("system",),
)
CIRCUIT_STATE = Gauge(
    "exchanger_circuit_state",
    "The system's circuit: 0 closed, 1 half-open, 2 open",
    ("system",),
)

# -- the tracker (and the creator, for the immediate tasks it completes itself) ----------------
TASKS_SETTLED = Counter(
    "exchanger_tasks_settled",
    "Tasks settled, by outcome: completed, failed (retries left), incident, bpmn_error; origin engine or direct",
    ("system", "topic", "outcome", "origin"),  # the result carries no tenant
)
RESULT_TO_SETTLED = Histogram(
    "exchanger_result_to_settled_seconds",
    "From the result's publication to its settlement",
    ("system",),
    buckets=LATENCY_BUCKETS,
)
END_TO_END = Histogram(
    "exchanger_task_end_to_end_seconds",
    "From the task's creation (engine) or submission (direct) to settlement",
    ("system",),
    buckets=LATENCY_BUCKETS,
)
LOCK_EXTENSIONS = Counter(
    "exchanger_lock_extensions", "Engine locks extended for work still under way", ("system",)
)
LOCK_LOSSES = Counter(
    "exchanger_lock_losses", "Locks found lost (the task is gone, or another worker holds it)", ("system",)
)

# -- the API ---------------------------------------------------------------------------------
API_REQUESTS = Counter(
    "exchanger_api_requests",
    "HTTP requests the API answered, by route template (never an id), method and status",
    ("route", "method", "status"),
)
DASHBOARD_STREAMS = Gauge("exchanger_dashboard_streams", "Dashboard live streams open now")
DASHBOARD_SNAPSHOT_SECONDS = Histogram(
    "exchanger_dashboard_snapshot_seconds",
    "Time to assemble one dashboard snapshot (engine, ledger, broker, metrics targets)",
    buckets=CALL_BUCKETS,
)
