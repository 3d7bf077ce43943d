"""The ledger: one durable record per external task (what happened to it, and its result)."""

from core.ledger.model import FINAL_STATES, LedgerEntry, RoutedTask, TaskState
from core.ledger.open import open_ledger
from core.ledger.protocol import Ledger
from core.ledger.sqlite import SqliteLedger

__all__ = ["FINAL_STATES", "Ledger", "LedgerEntry", "RoutedTask", "SqliteLedger", "TaskState", "open_ledger"]
