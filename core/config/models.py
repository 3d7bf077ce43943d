"""The settings tree. Field names are the YAML keys; secrets are ``SecretStr``."""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.camunda.settings import CamundaSettings
from core.dsn import SQLITE_PREFIX, sqlite_path
from core.redact import redact_url


class Strict(BaseModel):
    """Unknown keys are errors; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CamundaConfig(Strict):
    url: str = "http://127.0.0.1:8080/engine-rest"
    username: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None
    ca_bundle: str | None = None
    connect_timeout_s: float = Field(5.0, gt=0)
    pool_size: int = Field(10, ge=1)

    def client_settings(self) -> CamundaSettings:
        return CamundaSettings(
            base_url=self.url,
            username=self.username,
            password=self.password.get_secret_value() if self.password else None,
            token=self.token.get_secret_value() if self.token else None,
            ca_bundle=self.ca_bundle,
            connect_timeout_s=self.connect_timeout_s,
            pool_size=self.pool_size,
        )


class BrokerConfig(Strict):
    # One node, or a cluster's nodes separated by commas (tried in order, or at random: failover).
    url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/%2F")
    failover: Literal["in_order", "random"] = "in_order"
    prefix: str = ""
    queue_type: Literal["classic", "quorum"] = "classic"
    heartbeat_s: int = Field(30, ge=0)

    def display_url(self) -> str:
        return ",".join(redact_url(url.strip()) for url in self.url.get_secret_value().split(","))


class LedgerConfig(Strict):
    # sqlite:////absolute/path.db (one host), or postgresql://USER:PASSWORD@HOST:PORT/DB when the
    # processes run on several hosts (docs/ledger.md). None: ledger.sqlite3 under state_dir.
    dsn: SecretStr | None = None


class LoggingConfig(Strict):
    format: Literal["auto", "text", "json"] = "auto"
    level: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class RetryConfig(Strict):
    """Bounded retries with exponential backoff and jitter, carried out with delay queues."""

    attempts: int = Field(3, ge=1, le=50)
    min_delay_ms: int = Field(1_000, ge=0)
    max_delay_ms: int = Field(60_000, ge=0)
    multiplier: float = Field(2.0, ge=1.0)
    jitter: float = Field(0.2, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> RetryConfig:
        if self.max_delay_ms < self.min_delay_ms:
            raise ValueError("max_delay_ms must not be below min_delay_ms")
        return self


class LimitsConfig(Strict):
    """Calls to one system from one process: a request rate (rate/s, burst) and calls in flight."""

    rate: float = Field(10.0, gt=0)
    burst: int = Field(20, ge=1)
    max_concurrent: int = Field(8, ge=1, le=256)


class CircuitConfig(Strict):
    """Open after ``failures`` transport or 5xx failures in a row; probe after ``cooldown_s``."""

    failures: int = Field(5, ge=1)
    cooldown_s: float = Field(30.0, gt=0)


class SystemConfig(Strict):
    """One external system: how its tasks are locked, consumed, retried and tracked."""

    kind: Literal["immediate", "tracked"] = "immediate"
    lock_duration_ms: int = Field(60_000, ge=1_000)
    concurrency: int = Field(4, ge=1, le=256)
    prefetch: int | None = Field(None, ge=1)
    retry: RetryConfig = RetryConfig()
    # Process variables to fetch for this system's tasks; None fetches all of them.
    variables: list[str] | None = None
    poll_interval_s: float = Field(30.0, gt=0)
    batch_size: int = Field(50, ge=1, le=50)
    # HTTP systems (core.http): limits, circuit breaker, timeout and an extra CA bundle.
    limits: LimitsConfig = LimitsConfig()
    circuit: CircuitConfig = CircuitConfig()
    timeout_s: float = Field(30.0, gt=0)
    ca_bundle: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @property
    def effective_prefetch(self) -> int:
        return self.prefetch or self.concurrency * 2


class RoutingRule(Strict):
    """Matches a task to a system. Every given condition must hold; globs use fnmatch syntax."""

    system: str
    topic: str | None = None
    process: str | None = None
    tenant: str | None = None
    # Activity extension property: ``{name: value-glob}``; value "*" just needs it present.
    property: dict[str, str] | None = None
    variables: list[str] | None = None

    @model_validator(mode="after")
    def _has_condition(self) -> RoutingRule:
        if not (self.topic or self.process or self.tenant or self.property):
            raise ValueError("a rule needs at least one of topic, process, tenant, property")
        return self

    def matches(
        self, topic: str, process_key: str | None, tenant_id: str | None, properties: Mapping[str, str]
    ) -> bool:
        """Whether every condition holds (the worker routes by it; camunda_sync checks models by it)."""
        conditions = [(self.topic, topic), (self.process, process_key), (self.tenant, tenant_id)]
        conditions += [(pattern, properties.get(name)) for name, pattern in (self.property or {}).items()]
        return all(_glob_matches(pattern, value) for pattern, value in conditions)


def _glob_matches(pattern: str | None, value: str | None) -> bool:
    """No pattern matches anything; a pattern never matches a missing value."""
    return pattern is None or (value is not None and fnmatchcase(value, pattern))


class WorkerConfig(Strict):
    worker_id: str | None = None
    async_response_timeout_ms: int = Field(30_000, ge=0, le=1_800_000)
    max_tasks: int = Field(100, ge=1, le=1_000)
    # Order fetches by task priority. Sorting costs the engine about half as much again per
    # fetchAndLock (docs/performance.md), for nothing when every priority is the default 0;
    # "auto" asks for it once fetched tasks carry priorities, and for PRIORITY_MEMORY_S after.
    use_priority: bool | Literal["auto"] = "auto"
    topic_discovery_interval_s: float = Field(60.0, gt=0)
    bpmn_cache_size: int = Field(256, ge=1)
    tenant_ids: list[str] = Field(default_factory=list)
    without_tenant_id: bool = False
    process_definition_keys: list[str] = Field(default_factory=list)
    heartbeat_timeout_s: float = Field(120.0, gt=0)
    # Lock no more tasks per system than its creators start within the lock (universal_worker.backpressure).
    backpressure: bool = True
    # After a fetch that was not full, let tasks gather this long before the next one: each
    # fetchAndLock costs the engine several CPU-ms, so under light load fetching one task at a
    # time doubles the engine's CPU per task. Adds at most this much to a task's pickup; 0: off.
    fetch_gather_ms: int = Field(20, ge=0, le=1_000)


class CreatorConfig(Strict):
    # How long a creator's claim on a running task lives unless renewed (every third of it): a
    # killed creator's tasks wait this long before another creator takes them over.
    claim_lease_s: float = Field(30.0, gt=0)
    # Complete an immediate task's engine task here, as soon as its handler returns, instead of
    # sending the result through <system>.sent.queue for the tracker: one confirmed hop less per
    # task. Anything but a plain completion still goes to the tracker. Off for a creator that
    # cannot reach the engine.
    complete_in_engine: bool = True


class TrackerConfig(Strict):
    concurrency: int = Field(8, ge=1, le=256)
    lock_check_interval_s: float = Field(5.0, gt=0)
    heartbeat_timeout_s: float = Field(60.0, gt=0)


class ApiConfig(Strict):
    """``python -m api``: the HTTP API and the intake queue (docs/api.md)."""

    host: str = "127.0.0.1"  # behind a reverse proxy by default; 0.0.0.0 to serve the network
    port: int = Field(8088, ge=1, le=65535)
    # Bearer tokens, "name:role:token" comma-separated (roles: read, operate); from the environment.
    tokens: SecretStr | None = None
    jwt_key: SecretStr | None = None  # HS* shared secret or RS*/ES* public key (PEM); None: no JWT
    jwt_audience: str | None = None
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["HS256"])
    jwt_roles_claim: str = "roles"
    max_body_bytes: int = Field(1_048_576, ge=1_024)  # larger request bodies get 413
    cors_origins: list[str] = Field(default_factory=list)  # none: CORS off
    page_limit: int = Field(100, ge=1, le=500)  # the most items one page may ask for
    retention_days: float = Field(30.0, gt=0)  # finished direct-task records are kept this long
    intake_concurrency: int = Field(4, ge=1, le=64)
    certfile: str | None = None  # TLS served by uvicorn itself (else: a reverse proxy terminates it)
    keyfile: str | None = None
    heartbeat_timeout_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _tls_pair(self) -> ApiConfig:
        if bool(self.certfile) != bool(self.keyfile):
            raise ValueError("api.certfile and api.keyfile go together")
        return self


class MetricsConfig(Strict):
    """``/metrics``, ``/healthz`` and ``/readyz`` of each service (docs/monitoring.md)."""

    enabled: bool = True
    host: str = "127.0.0.1"  # scraped from this host; 0.0.0.0 lets a Prometheus elsewhere reach it
    # None: the service's own default port (worker 9401, creator 9402, tracker 9403); 0: any free
    # port (the heartbeat records which). Two creators on one host need a port each.
    port: int | None = Field(None, ge=0, le=65535)
    # Metrics endpoints the API's dashboard reads; none: those the heartbeats in state_dir name.
    targets: list[str] = Field(default_factory=list)


class AppSettings(Strict):
    """Everything a process may need; each service reads its part."""

    state_dir: Path = Path(".state")
    environment: str = "dev"
    camunda: CamundaConfig = CamundaConfig()
    rabbitmq: BrokerConfig = BrokerConfig()
    ledger: LedgerConfig = LedgerConfig()
    logging: LoggingConfig = LoggingConfig()
    worker: WorkerConfig = WorkerConfig()
    creator: CreatorConfig = CreatorConfig()
    tracker: TrackerConfig = TrackerConfig()
    api: ApiConfig = ApiConfig()
    metrics: MetricsConfig = MetricsConfig()
    systems: dict[str, SystemConfig] = Field(default_factory=dict)
    routing: list[RoutingRule] = Field(default_factory=list)

    # A field validator (not a model validator) so the error's location is ``routing`` and the
    # loader can name the file the rules came from; ``systems`` is declared first, so it is known.
    @field_validator("routing")
    @classmethod
    def _rules_name_known_systems(cls, routing: list[RoutingRule], info: ValidationInfo) -> list[RoutingRule]:
        systems = info.data.get("systems")
        if systems is None:  # systems failed validation; that error is reported instead
            return routing
        for index, rule in enumerate(routing):
            if rule.system not in systems:
                raise ValueError(
                    f"routing rule {index + 1} names system {rule.system!r}, not defined in systems"
                )
        return routing

    def ledger_dsn(self) -> str:
        if self.ledger.dsn:
            return self.ledger.dsn.get_secret_value()
        return f"sqlite:///{(self.state_dir / 'ledger.sqlite3').resolve()}"

    def datasets_dsn(self) -> str:
        """Datasets live in the ledger's database family: an SQLite file beside it, or its PostgreSQL."""
        ledger = self.ledger_dsn()
        if ledger.startswith(SQLITE_PREFIX):
            return f"{SQLITE_PREFIX}{Path(sqlite_path(ledger)).parent / 'datasets.sqlite3'}"
        return ledger
