"""The ``sms.send`` action: send one SMS and hand its id to the tracker.

SMS Aero has no idempotency key, so a task whose earlier run may have reached the API
(``ctx.resumed``: a claim taken over after a crash, or a failed attempt) first looks in
``sms/list`` for an SMS to the same number with the same text and sign, created within
``lookup.window_s``, and adopts the newest one instead of sending again. What remains is
documented in docs/smsaero.md: two tasks sending the same text to the same number inside the
window share one SMS after a crash, and an SMS the list does not show yet is sent again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from loguru import logger

from core.actions.context import TaskContext
from core.actions.outcomes import Tracked, tracked
from core.privacy import mask_phone
from systems.smsaero.client import SmsAeroClient
from systems.smsaero.message import Sms, sms_of
from systems.smsaero.records import SmsRecord
from systems.smsaero.settings import SmsAeroSettings


class SendSms:
    def __init__(
        self, client: SmsAeroClient, settings: SmsAeroSettings, clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.settings = settings
        self._clock = clock

    def __call__(self, ctx: TaskContext) -> Tracked:
        sms = sms_of(ctx, self.settings)
        if ctx.resumed:
            earlier = self.find_sent(sms)
            if earlier is not None:
                logger.info(
                    "task={} SMS {} to {}: an earlier attempt sent it; tracking that one",
                    ctx.external_task_id,
                    earlier.id,
                    mask_phone("+" + sms.number),
                )
                return tracked(str(earlier.id))
        record = self.client.send(sms.number, sms.text, self.settings.sign)
        logger.info(
            "task={} SMS {} to {} accepted ({})",
            ctx.external_task_id,
            record.id,
            mask_phone("+" + sms.number),
            record.status_word,
        )
        return tracked(str(record.id))

    def find_sent(self, sms: Sms) -> SmsRecord | None:
        """The newest SMS like this one created within the window, from ``sms/list``."""
        since = self._clock() - self.settings.lookup.window_s
        found: list[SmsRecord] = []
        for page in range(1, self.settings.lookup.max_pages + 1):
            listing = self.client.list(sms.number, sms.text, page=page)
            found += [r for r in listing.records if self._same(r, sms) and r.date_create >= since]
            older = any(r.date_create < since for r in listing.records)
            if not listing.has_next or older:  # pages run newest first
                break
        return max(found, key=lambda r: (r.date_create, r.id), default=None)

    def _same(self, record: SmsRecord, sms: Sms) -> bool:
        sign_matches = not record.sign or record.sign == self.settings.sign
        return record.number == sms.number and record.text == sms.text and sign_matches
