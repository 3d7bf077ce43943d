"""Seller accounts and their API tokens, each token with its categories.

WB tokens are JWTs scoped by category; the sandbox keeps a plain map token → (account,
categories). Defaults: the account ``main`` (12 campaigns) with a token for Продвижение and
Статистика (``SANDBOX_WB_TOKEN``) and one for Статистика only; the account ``second``
(5 campaigns) with a token for both. The control API adds or replaces tokens.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

ADVERT = "Продвижение"
STATISTICS = "Статистика"
CATEGORIES = (ADVERT, STATISTICS, "Маркетплейс", "Аналитика", "Контент")
# Fake tokens the sandbox accepts (not secrets: the real API knows none of them).
DEFAULT_TOKEN = "sandbox-wb-token"  # noqa: S105
STATS_ONLY_TOKEN = "sandbox-wb-stats-token"  # noqa: S105
SECOND_TOKEN = "sandbox-wb-token-second"  # noqa: S105


@dataclass(frozen=True)
class Account:
    name: str
    seed: int
    campaigns: int


@dataclass(frozen=True)
class Grant:
    account: Account
    categories: frozenset[str]


ACCOUNTS = {"main": Account("main", 1, 12), "second": Account("second", 2, 5)}


class Tokens:
    """Which token opens which account for which categories; thread-safe."""

    def __init__(self, main_token: str = DEFAULT_TOKEN) -> None:
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}
        self.grant(main_token, "main", (ADVERT, STATISTICS))
        self.grant(STATS_ONLY_TOKEN, "main", (STATISTICS,))
        self.grant(SECOND_TOKEN, "second", (ADVERT, STATISTICS))

    def grant(self, token: str, account: str, categories: tuple[str, ...] | list[str]) -> Grant:
        """Add or replace a token; ValueError for an unknown account or category."""
        if account not in ACCOUNTS:
            raise ValueError(f"account must be one of {', '.join(ACCOUNTS)}")
        unknown = set(categories) - set(CATEGORIES)
        if unknown or not token:
            raise ValueError(f"a token and categories from {', '.join(CATEGORIES)} are needed")
        grant = Grant(ACCOUNTS[account], frozenset(categories))
        with self._lock:
            self._grants[token] = grant
        return grant

    def find(self, header: str) -> Grant | None:
        """The grant of an ``Authorization`` value: the raw token, or ``Bearer <token>``."""
        token = header.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        with self._lock:
            return self._grants.get(token)

    def listing(self) -> list[dict[str, object]]:
        """Accounts and categories per token, for the state (the tokens themselves are not shown)."""
        with self._lock:
            grants = list(self._grants.values())
        return [{"account": g.account.name, "categories": sorted(g.categories)} for g in grants]
