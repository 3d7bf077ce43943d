"""The sms.send action: number and text sources, and the look-before-sending of a resumed task."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from core.actions.outcomes import Tracked
from core.errors import PermanentError
from systems.smsaero.records import SmsPage, SmsRecord
from systems.smsaero.sending import SendSms
from tests.fixtures.smsaero.support import context, settings

NOW = 1_700_000_000.0


def record(sms_id: int, *, number: str = "79990000000", text: str = "Hi", age_s: float = 60) -> SmsRecord:
    return SmsRecord(sms_id, number, text, "SMS Aero", 0, "queue", 4.99, int(NOW - age_s))


@dataclass
class FakeClient:
    """Records calls; ``pages`` is what sms/list answers, page by page."""

    pages: list[SmsPage] = field(default_factory=list)
    sent: list[tuple[str, str, str]] = field(default_factory=list)
    listed: list[tuple[str | None, str | None, int]] = field(default_factory=list)

    def send(self, number: str, text: str, sign: str) -> SmsRecord:
        self.sent.append((number, text, sign))
        return record(900 + len(self.sent), number=number, text=text, age_s=0)

    def list(self, number: str | None = None, text: str | None = None, page: int = 1) -> SmsPage:
        self.listed.append((number, text, page))
        return self.pages[page - 1] if page <= len(self.pages) else SmsPage([], False)


def action(fake: FakeClient, **options: object) -> SendSms:
    return SendSms(fake, settings(**options), clock=lambda: NOW)  # type: ignore[arg-type]


VARS = {"phone": "+7 (999) 000-00-00", "sms_text": "Hi"}


def test_a_first_run_sends_without_looking_and_tracks_the_sms_id() -> None:
    fake = FakeClient()
    outcome = action(fake)(context(variables=VARS))
    assert outcome == Tracked("901") and fake.sent == [("79990000000", "Hi", "SMS Aero")]
    assert fake.listed == []


def test_a_resumed_run_adopts_the_sms_an_earlier_run_sent() -> None:
    fake = FakeClient(pages=[SmsPage([record(77, age_s=5), record(70, age_s=50)], False)])
    outcome = action(fake)(context(variables=VARS, resumed=True))
    assert outcome == Tracked("77") and fake.sent == []
    assert fake.listed == [("79990000000", "Hi", 1)]


def test_a_resumed_run_sends_when_the_list_has_only_other_texts_or_old_sms() -> None:
    fake = FakeClient(
        pages=[SmsPage([record(80, text="Hi there"), record(70, age_s=90_000)], True), SmsPage([], False)]
    )
    outcome = action(fake)(context(variables=VARS, resumed=True))
    assert outcome == Tracked("901") and len(fake.sent) == 1
    assert [page for _, _, page in fake.listed] == [1]  # page 1 already reached past the window


def test_the_lookup_reads_further_pages_within_the_window_and_its_page_limit() -> None:
    full = SmsPage([record(60, text="other")], True)
    fake = FakeClient(pages=[full, full, SmsPage([record(50, age_s=100)], False)])
    assert action(fake)(context(variables=VARS, resumed=True)) == Tracked("50")
    fake = FakeClient(pages=[full, full, SmsPage([record(50, age_s=100)], False)])
    assert action(fake, lookup={"max_pages": 2})(context(variables=VARS, resumed=True)) == Tracked("901")


def test_number_and_text_can_come_from_templates_in_properties() -> None:
    fake = FakeClient()
    props = {"sms.number": "{{ customer.phone }}", "sms.text": "Hello {{ customer.name }}, order {{ order }}"}
    variables = {"customer": {"phone": "8 999 111-22-33", "name": "Anna"}, "order": 17}
    action(fake)(context(variables=variables, properties=props))
    assert fake.sent == [("79991112233", "Hello Anna, order 17", "SMS Aero")]


def test_the_options_text_template_and_variable_names_are_used_without_properties() -> None:
    fake = FakeClient()
    options = {"variables": {"number": "mobile"}, "text_template": "Code {{ code }}", "sign": "Shop"}
    action(fake, **options)(context(variables={"mobile": "9990000000", "code": "1234"}))
    assert fake.sent == [("79990000000", "Code 1234", "Shop")]


def test_a_bad_number_is_an_incident_that_never_quotes_it() -> None:
    with pytest.raises(PermanentError) as caught:
        action(FakeClient())(context(variables={"phone": "12-34-567", "sms_text": "Hi"}))
    assert "not a phone number (7 digits)" in str(caught.value) and "34" not in str(caught.value)


def test_a_missing_variable_names_it_and_the_activity() -> None:
    with pytest.raises(PermanentError, match=r"'sms_text' is missing.*Confirm by SMS"):
        action(FakeClient())(context(variables={"phone": "+79990000000"}))


def test_an_empty_text_is_refused_before_calling_the_api() -> None:
    fake = FakeClient()
    with pytest.raises(PermanentError, match="empty"):
        action(fake)(context(variables={"phone": "+79990000000", "sms_text": "  "}))
    assert fake.sent == []
