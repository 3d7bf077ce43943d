"""The seller accounts of one process: credentials from the environment, a client each.

Every account's Client-Id and Api-Key are read at start-up (a missing one stops the creator
with a ConfigError naming the variable, never a value) and the key is registered for
redaction. Each account gets its own ``core.http`` call path (``ozon:<account>``, configured
as ``ozon``): Ozon limits requests per Client-Id, so the entry's ``limits`` hold per account.
A task picks its account with the extension property ``ozon.account`` or the process
variable ``ozon_account``; without either, ``default_account``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import requests

from core.actions.context import TaskContext
from core.errors import ConfigError, PermanentError
from core.http import system_http
from core.redact import register_secret
from systems.ozon.client import Credentials, OzonClient
from systems.ozon.settings import KEY, SOURCE, Account, OzonSettings

SYSTEM = "ozon"
ACCOUNT_PROPERTY = "ozon.account"
ACCOUNT_VARIABLE = "ozon_account"


def credentials(name: str, account: Account, environ: Mapping[str, str] | None = None) -> Credentials:
    env = os.environ if environ is None else environ
    where = f"{KEY}.accounts.{name}"
    client_id = (account.client_id or env.get(account.client_id_env, "")).strip()
    api_key = env.get(account.api_key_env, "").strip()
    if not client_id:
        raise ConfigError(
            f"the Ozon Client-Id of account {name!r} is missing: set the environment variable "
            f"{account.client_id_env}",
            key=f"{where}.client_id_env",
            source=SOURCE,
        )
    if not client_id.isdigit():
        source = "client_id" if account.client_id else account.client_id_env
        raise ConfigError(
            f"the Ozon Client-Id of account {name!r} must be a number (check {source})",
            key=f"{where}.client_id",
            source=SOURCE,
        )
    if not api_key:
        raise ConfigError(
            f"the Ozon Api-Key of account {name!r} is missing: set the environment variable {account.api_key_env}",
            key=f"{where}.api_key_env",
            source=SOURCE,
        )
    register_secret(api_key)
    names = f"account {name!r}: {account.client_id_env if not account.client_id else 'client_id'} / {account.api_key_env}"
    return Credentials(name, client_id, api_key, names)


class Accounts:
    """One client per configured account, built once; tests pass a session and an environment."""

    def __init__(
        self,
        settings: OzonSettings,
        *,
        session: requests.Session | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.default = settings.default_account
        self._clients = {
            name: OzonClient(
                system_http(f"{SYSTEM}:{name}", session=session, configured_as=SYSTEM),
                credentials(name, account, environ),
                base_url=settings.base_url,
            )
            for name, account in settings.accounts.items()
        }

    @property
    def names(self) -> list[str]:
        return sorted(self._clients)

    def client(self, name: str) -> OzonClient:
        return self._clients[name]

    def pick(self, task: TaskContext) -> str:
        """The task's account: property ``ozon.account``, variable ``ozon_account``, or the default."""
        chosen = task.properties.get(ACCOUNT_PROPERTY, "").strip()
        if not chosen:
            value = task.variables.get(ACCOUNT_VARIABLE)
            chosen = str(value).strip() if value is not None else ""
        chosen = chosen or self.default
        if chosen not in self._clients:
            raise PermanentError(
                f"{task.topic}: Ozon account {chosen!r} (activity {task.activity_label}) is not configured "
                f"in {KEY}.accounts (known: {', '.join(self.names)})"
            )
        return chosen
