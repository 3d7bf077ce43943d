"""Typed options of the ``wildberries`` system (``systems.wildberries.options`` in ``systems.yaml``).

Tokens are never here: each seller account names the environment variable holding its token.
Pacing is WB's own limits per method group (period, requests, burst), kept per account in
this process; ``time_scale`` speeds them up for a sandbox run with the same ``--wb-time-scale``.
The entry's ``limits`` (core.http) are set high so they never wait before these buckets do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.actions.options import parse_options
from systems.wildberries.periods import relative

SOURCE = "config/systems.yaml"
KEY = "systems.wildberries.options"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Account(Strict):
    """One seller account: the variable holding its token (categories Продвижение and/or Статистика)."""

    token_env: str


class RateGroup(Strict):
    """WB's table for one method group: ``requests`` per ``period_s``, at most ``burst`` at once."""

    period_s: float = Field(gt=0)
    requests: int = Field(ge=1)
    burst: int = Field(ge=1)

    def rate(self, time_scale: float) -> float:
        """Requests per second, sped up by ``time_scale``."""
        return self.requests / self.period_s * time_scale


class Pacing(Strict):
    """Per account and method group. Waits (pacing, 429) keep the engine lock alive and spend
    no retry; past ``max_wait_s`` in one task the task goes to the delay queues instead."""

    campaigns: RateGroup = RateGroup(period_s=1, requests=5, burst=5)  # promotion/count, adverts
    fullstats: RateGroup = RateGroup(period_s=60, requests=3, burst=1)  # one per 20 s
    orders: RateGroup = RateGroup(period_s=60, requests=1, burst=1)
    sales: RateGroup = RateGroup(period_s=60, requests=1, burst=1)
    time_scale: float = Field(1.0, gt=0)
    max_wait_s: float = Field(1800.0, gt=0)
    keep_alive_every_s: float = Field(5.0, gt=0)
    max_rate_limited: int = Field(20, ge=1)  # 429s in a row on one call before giving up

    def group(self, name: str) -> RateGroup:
        found: RateGroup = getattr(self, name)
        return found


class CampaignFilter(Strict):
    """Defaults of ``wb.campaigns`` (an activity overrides them with ``wb.statuses`` and friends)."""

    statuses: list[int] = Field(default_factory=lambda: [7, 9, 11])
    types: list[int] = Field(default_factory=lambda: [8, 9])
    payment_type: Literal["cpm", "cpc"] | None = None


class ResultNames(Strict):
    """The variables a topic writes: the dataset reference (Json) and its row count."""

    reference: str
    count: str


class Results(Strict):
    campaigns: ResultNames = ResultNames(reference="wb_campaigns", count="wb_campaign_count")
    fullstats: ResultNames = ResultNames(reference="wb_fullstats", count="wb_fullstats_rows")
    orders: ResultNames = ResultNames(reference="wb_orders", count="wb_orders_rows")
    sales: ResultNames = ResultNames(reference="wb_sales", count="wb_sales_rows")

    def of(self, topic: str) -> ResultNames:
        found: ResultNames = getattr(self, topic)
        return found


class WildberriesSettings(Strict):
    """Everything under ``systems.wildberries.options``."""

    # The name of a variable, not a token; built from a mapping so no linter takes it for one.
    accounts: dict[str, Account] = Field(
        default_factory=lambda: {"main": Account.model_validate({"token_env": "WB_TOKEN_MAIN"})}
    )
    default_account: str = "main"
    advert_url: str = "https://advert-api.wildberries.ru"
    statistics_url: str = "https://statistics-api.wildberries.ru"
    pacing: Pacing = Pacing()
    campaigns: CampaignFilter = CampaignFilter()
    # Period of a task that names none: "yesterday", "today" or "last N days" (ending yesterday).
    default_period: str = "yesterday"
    campaigns_input: str = "wb_campaigns"  # the variable wb.fullstats reads campaign ids from
    results: Results = Results()

    @field_validator("default_period")
    @classmethod
    def _a_relative_period(cls, value: str) -> str:
        relative(value, date(2026, 1, 31))  # ValueError names the accepted forms
        return value

    @model_validator(mode="after")
    def _default_is_an_account(self) -> WildberriesSettings:
        if self.default_account not in self.accounts:
            raise ValueError(f"default_account {self.default_account!r} is not one of accounts")
        return self


def load_settings(options: Mapping[str, Any]) -> WildberriesSettings:
    """Validate the options; a ConfigError names the first bad key and the file."""
    return parse_options(WildberriesSettings, options, "wildberries")
