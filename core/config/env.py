"""Environment variables that map onto settings (the configuration reference lists them)."""

from __future__ import annotations

# variable → dotted settings path
ENV_KEYS: dict[str, str] = {
    "EXCHANGER_ENV": "environment",
    "EXCHANGER_STATE_DIR": "state_dir",
    "CAMUNDA_URL": "camunda.url",
    "CAMUNDA_USERNAME": "camunda.username",
    "CAMUNDA_PASSWORD": "camunda.password",
    "CAMUNDA_TOKEN": "camunda.token",
    "CAMUNDA_CA_BUNDLE": "camunda.ca_bundle",
    "RABBITMQ_URL": "rabbitmq.url",
    "EXCHANGER_PREFIX": "rabbitmq.prefix",
    "RABBITMQ_QUEUE_TYPE": "rabbitmq.queue_type",
    "RABBITMQ_FAILOVER": "rabbitmq.failover",
    "LEDGER_DSN": "ledger.dsn",
    "LOG_FORMAT": "logging.format",
    "LOG_LEVEL": "logging.level",
    "WORKER_ID": "worker.worker_id",
    "WORKER_MAX_TASKS": "worker.max_tasks",
    "WORKER_ASYNC_RESPONSE_TIMEOUT_MS": "worker.async_response_timeout_ms",
    "EXCHANGER_API_HOST": "api.host",
    "EXCHANGER_API_PORT": "api.port",
    "EXCHANGER_API_TOKENS": "api.tokens",
    "EXCHANGER_API_JWT_KEY": "api.jwt_key",
    "EXCHANGER_API_JWT_AUDIENCE": "api.jwt_audience",
    "EXCHANGER_METRICS_ENABLED": "metrics.enabled",
    "EXCHANGER_METRICS_HOST": "metrics.host",
    "EXCHANGER_METRICS_PORT": "metrics.port",
}

# Values of these variables are secrets: registered for redaction as soon as they are read.
SECRET_ENV_KEYS = {
    "CAMUNDA_PASSWORD",
    "CAMUNDA_TOKEN",
    "RABBITMQ_URL",
    "LEDGER_DSN",
    "EXCHANGER_API_TOKENS",
    "EXCHANGER_API_JWT_KEY",
}

# Any other EXCHANGER_* variable is a typo or a leftover: refuse it rather than ignore it.
RESERVED_PREFIX = "EXCHANGER_"
