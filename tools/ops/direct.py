"""The API's direct intake, composed for one command: the same checks, records and queue.

``tools submit`` holds no intake of its own: it opens the :class:`DirectIntake` the API
builds (catalog, records, ledger, a confirming publisher) and closes it when done.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from core import wiring
from core.config import AppSettings
from core.contracts.base import validation_problems
from core.contracts.direct import Submission
from core.errors import SubmissionInvalid
from core.intake import DirectIntake, DirectRecord, DirectStore, TopicCatalog
from core.ledger import Ledger
from systems import registry

POLL_INTERVAL_S = 0.2


@dataclass(frozen=True)
class OpenIntake:
    intake: DirectIntake
    records: DirectStore
    ledger: Ledger


@contextmanager
def open_intake(settings: AppSettings) -> Iterator[OpenIntake]:
    """The intake over the configured broker and ledger; everything it opened is closed after."""
    with ExitStack() as stack:
        catalog = TopicCatalog(settings, registry.create_router)
        records = DirectStore.open(settings.ledger_dsn())
        stack.callback(records.close)
        ledger = wiring.ledger(settings)
        stack.callback(ledger.close)
        publisher = wiring.transport(settings).publisher()  # declares the topology first
        stack.callback(publisher.close)
        yield OpenIntake(DirectIntake(catalog, records, ledger, publisher), records, ledger)


def submission_of(fields: dict[str, Any]) -> Submission:
    """The submission, or SubmissionInvalid naming every field it refused (like the API's 422)."""
    try:
        return Submission.model_validate(fields)
    except ValidationError as err:
        raise SubmissionInvalid(validation_problems(err.errors())) from None


def wait_final(records: DirectStore, record_id: str, timeout_s: float) -> DirectRecord:
    """The record once final, or as it stands when ``timeout_s`` ran out (the caller checks)."""
    deadline = time.monotonic() + timeout_s
    record = records.get(record_id)
    while not record.final and time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL_S)  # the tracker settles records; nothing here to wake on
        record = records.get(record_id)
    return record


def attempts_of(opened: OpenIntake, record: DirectRecord) -> int | None:
    """The record's attempts, or while it runs the creator's count in the ledger (as the API)."""
    return record.attempts_so_far(opened.ledger.get(record.id))
