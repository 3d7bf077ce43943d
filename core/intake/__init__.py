"""Direct tasks: submitted without a process, run by the same creators, settled by record and reply."""

from core.intake.catalog import TopicCatalog
from core.intake.records import DirectRecord, DirectState, DirectStore, Page, Submitter
from core.intake.replies import ReplySender, reply_for
from core.intake.submit import DirectIntake

__all__ = [
    "DirectIntake",
    "DirectRecord",
    "DirectState",
    "DirectStore",
    "Page",
    "ReplySender",
    "Submitter",
    "TopicCatalog",
    "reply_for",
]
