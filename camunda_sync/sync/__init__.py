"""StormBPMN → engine synchronisation with change detection and a state file."""

from camunda_sync.sync.runner import DiagramOutcome, SyncRunner
from camunda_sync.sync.selection import is_selected, process_key, resource_name
from camunda_sync.sync.state import DiagramState, SyncState, sync_lock

__all__ = [
    "DiagramOutcome",
    "DiagramState",
    "SyncRunner",
    "SyncState",
    "is_selected",
    "process_key",
    "resource_name",
    "sync_lock",
]
