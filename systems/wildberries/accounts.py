"""The seller accounts of one process, and which one a task works for.

A task names its account with the extension property ``wb.account`` or the process variable
``wb_account``; otherwise ``default_account`` serves it. Tokens are read from the variables
the options name when the process starts; the default account's must be set (the process
stops with a ConfigError naming the variable), another account's only when a task needs it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import requests

from core.actions.context import TaskContext
from core.errors import ConfigError, PermanentError
from core.http import system_http
from core.redact import register_secret
from systems.wildberries.client import Account, WildberriesClient
from systems.wildberries.pacing import Pacer
from systems.wildberries.settings import KEY, SOURCE, WildberriesSettings

SYSTEM = "wildberries"
ACCOUNT_PROPERTY = "wb.account"
ACCOUNT_VARIABLE = "wb_account"


class Accounts:
    def __init__(
        self, clients: Mapping[str, WildberriesClient], missing: Mapping[str, str], default: str
    ) -> None:
        self.clients = dict(clients)
        self.missing = dict(missing)  # account → the variable that is not set
        self.default = default

    def name_for(self, task: TaskContext) -> str:
        named = task.properties.get(ACCOUNT_PROPERTY, "").strip()
        if not named:
            value = task.variables.get(ACCOUNT_VARIABLE)
            named = value.strip() if isinstance(value, str) else ""
        return named or self.default

    def for_task(self, task: TaskContext) -> WildberriesClient:
        """The client of the task's account; PermanentError for an unknown or unconfigured one."""
        name = self.name_for(task)
        if name in self.clients:
            return self.clients[name]
        if name in self.missing:
            raise PermanentError(
                f"{task.topic}: the Wildberries account {name!r} has no token: set the environment "
                f"variable {self.missing[name]}"
            )
        known = ", ".join(sorted([*self.clients, *self.missing]))
        raise PermanentError(
            f"{task.topic}: activity {task.activity_label} names the Wildberries account {name!r} "
            f"({ACCOUNT_PROPERTY} / {ACCOUNT_VARIABLE}); configured accounts: {known}"
        )


def build_accounts(
    settings: WildberriesSettings,
    pacer: Pacer,
    *,
    session: requests.Session | None = None,
    environ: Mapping[str, str] | None = None,
) -> Accounts:
    """One client per account with a token, all on the system's shared call path (core.http)."""
    env = os.environ if environ is None else environ
    http = system_http(SYSTEM, session=session)
    clients: dict[str, WildberriesClient] = {}
    missing: dict[str, str] = {}
    for name, account in settings.accounts.items():
        token = env.get(account.token_env, "").strip()
        register_secret(token)
        if not token:
            missing[name] = account.token_env
            continue
        clients[name] = WildberriesClient(
            http,
            Account(name, token, account.token_env),
            pacer,
            advert_url=settings.advert_url,
            statistics_url=settings.statistics_url,
        )
    if settings.default_account in missing:
        raise ConfigError(
            f"the token of the default Wildberries account {settings.default_account!r} is missing: "
            f"set the environment variable {missing[settings.default_account]}",
            key=f"{KEY}.accounts.{settings.default_account}.token_env",
            source=SOURCE,
        )
    return Accounts(clients, missing, settings.default_account)
