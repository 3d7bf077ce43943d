"""The one ledger read the operations need, so any ledger store (SQLite, later PostgreSQL) fits."""

from __future__ import annotations

from typing import Protocol

from core.ledger import LedgerEntry


class InstanceLedger(Protocol):
    def for_instance(self, process_instance_id: str) -> list[LedgerEntry]: ...
