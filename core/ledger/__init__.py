"""The ledger: one durable record per external task (what happened to it, and its result)."""

from core.ledger.model import FINAL_STATES, LedgerEntry, RoutedTask, TaskState
from core.ledger.sqlite import SqliteLedger, open_ledger

__all__ = ["FINAL_STATES", "LedgerEntry", "RoutedTask", "SqliteLedger", "TaskState", "open_ledger"]
