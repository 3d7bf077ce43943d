"""Typed options of the ``dadata`` system (``systems.dadata.options`` in ``systems.yaml``).

Validated once at start-up: an unknown or wrong key stops the process with a message that
names the key and the file. The API key and the secret are never here, only the names of
the environment variables that hold them (``api_key_env``, ``xsecret_env``). Limits, circuit
and timeout are the entry's own ``limits`` / ``circuit`` / ``timeout_s`` (core.http).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.actions.options import parse_options

SOURCE = "config/systems.yaml"
KEY = "systems.dadata.options"

CleanKind = Literal["phone", "email", "name", "address"]
CLEAN_KINDS: tuple[CleanKind, ...] = ("phone", "email", "name", "address")
Verdict = Literal["ok", "check", "invalid"]


class Strict(BaseModel):
    """Unknown keys are errors; instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class QualityPolicy(Strict):
    """What a ``qc`` code means for the process; a code in no list needs a human check."""

    ok: list[int] = Field(default_factory=lambda: [0])
    check: list[int] = Field(default_factory=lambda: [1])
    invalid: list[int] = Field(default_factory=lambda: [2])

    @model_validator(mode="after")
    def _disjoint(self) -> QualityPolicy:
        seen: set[int] = set()
        for codes in (self.ok, self.check, self.invalid):
            if seen & set(codes):
                raise ValueError(f"qc {sorted(seen & set(codes))[0]} is in two lists")
            seen |= set(codes)
        return self

    def verdict(self, qc: int | None) -> Verdict:
        if qc in self.ok:
            return "ok"
        if qc in self.invalid:
            return "invalid"
        return "check"


class Quality(Strict):
    """Per topic. Phone 7 is a foreign number recognised confidently; e-mail 3 is disposable."""

    phone: QualityPolicy = QualityPolicy(ok=[0, 7], check=[1, 3], invalid=[2])
    email: QualityPolicy = QualityPolicy(ok=[0, 3], check=[1, 4], invalid=[2])
    name: QualityPolicy = QualityPolicy(ok=[0], check=[1], invalid=[2])
    address: QualityPolicy = QualityPolicy(ok=[0], check=[1, 3], invalid=[2])

    def of(self, kind: CleanKind) -> QualityPolicy:
        policy: QualityPolicy = getattr(self, kind)
        return policy


class ClientRetry(Strict):
    """Retries inside one call (429, 5xx, lost connections) on the same kept-alive pool.

    When they run out, or the wait asked for is longer than ``max_wait_s``, the task goes
    to the creator's delay queues (``systems.dadata.retry``).
    """

    attempts: int = Field(3, ge=1, le=10)
    base_delay_s: float = Field(0.5, ge=0)
    max_delay_s: float = Field(4.0, ge=0)
    max_wait_s: float = Field(10.0, ge=0)


class PartyOptions(Strict):
    """``dadata.party``: findById/party by INN or OGRN."""

    input: str = "inn"  # the variable holding the INN or OGRN
    prefix: str = "party"  # result variables: party_found, party_name, party_record…
    branch_type: Literal["MAIN", "BRANCH"] | None = "MAIN"


class DaDataSettings(Strict):
    """Everything under ``systems.dadata.options``."""

    cleaner_url: str = "https://cleaner.dadata.ru/api/v1/clean"
    suggestions_url: str = "https://suggestions.dadata.ru/suggestions/api/4_1/rs"
    api_key_env: str = "DADATA_API_KEY"
    xsecret_env: str = "DADATA_SECRET_KEY"
    client_retry: ClientRetry = ClientRetry()
    quality: Quality = Quality()
    party: PartyOptions = PartyOptions()


def load_settings(options: Mapping[str, Any]) -> DaDataSettings:
    """Validate the options; a ConfigError names the first bad key and the file."""
    return parse_options(DaDataSettings, options, "dadata")
