"""Typed options of the ``ozon`` system (``systems.ozon.options`` in ``systems.yaml``).

Secrets are never here: each account names the environment variables holding its Client-Id
and Api-Key. Limits, circuit and timeout are the entry's own ``limits`` / ``circuit`` /
``timeout_s`` (``core.http``); they apply per account, i.e. per Client-Id, as Ozon counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.actions.options import parse_options

SOURCE = "config/systems.yaml"
KEY = "systems.ozon.options"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Account(Strict):
    """One seller account: where its Client-Id and Api-Key come from."""

    client_id_env: str = "OZON_CLIENT_ID"
    api_key_env: str = "OZON_API_KEY"
    # The Client-Id itself (a number, not a secret) instead of an environment variable.
    client_id: str | None = None


class Waiting(Strict):
    """429 answers waited out inside the action (the task's retries stay untouched).

    Waits grow from ``base_delay_s`` by doubling up to ``max_delay_s`` (a ``Retry-After``
    wins when longer); once a run has waited ``max_wait_s`` in all, the next 429 becomes a
    RetryableError and the task goes to the delay queues, resuming where it stopped.
    """

    max_wait_s: float = Field(120.0, ge=0)
    base_delay_s: float = Field(1.0, gt=0)
    max_delay_s: float = Field(10.0, gt=0)
    keep_alive_every_s: float = Field(5.0, gt=0)  # keep_alive() at least this often while waiting


class ProductsOptions(Strict):
    """``ozon.products``: ``/v3/product/list`` paged by ``last_id``."""

    topic: str = "ozon.products"
    visibility: str = "ALL"
    page_size: int = Field(1000, ge=1, le=1000)
    result_variable: str = "ozon_products"  # the reference; ``<name>_rows`` holds the row count


class PostingsOptions(Strict):
    """``ozon.postings``: ``/v3/posting/fbs/list`` for a period, paged by offset."""

    topic: str = "ozon.postings"
    page_size: int = Field(1000, ge=1, le=1000)
    # Periods are asked for in windows of at most this many days (Ozon allows a year per call;
    # shorter windows keep offsets small and each window's pages stable).
    window_days: int = Field(31, ge=1, le=365)
    status: str | None = None  # filter.status for every pull (the property ozon.status overrides it)
    timezone: str = "Europe/Moscow"  # the days of date_from/date_to, and "yesterday"
    result_variable: str = "ozon_postings"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class OzonSettings(Strict):
    """Everything under ``systems.ozon.options``."""

    base_url: str = "https://api-seller.ozon.ru"
    accounts: dict[str, Account] = Field(default_factory=lambda: {"main": Account()})
    default_account: str = "main"
    waiting: Waiting = Waiting()
    products: ProductsOptions = ProductsOptions()
    postings: PostingsOptions = PostingsOptions()

    @model_validator(mode="after")
    def _default_is_an_account(self) -> OzonSettings:
        if self.default_account not in self.accounts:
            known = ", ".join(sorted(self.accounts)) or "none"
            raise ValueError(f"default_account {self.default_account!r} is not in accounts (known: {known})")
        return self


def load_settings(options: Mapping[str, Any]) -> OzonSettings:
    """Validate the options; a ConfigError names the first bad key and the file."""
    return parse_options(OzonSettings, options, "ozon")
