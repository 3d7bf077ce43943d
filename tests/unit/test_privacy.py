"""Personal data is masked in log lines; ids, UUIDs and times are not mistaken for it."""

from __future__ import annotations

import random

import pytest

from core.privacy import mask_name, mask_personal, mask_phone


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("phone +7 916 123-45-67 cleaned", "phone +7 9** ***-**-67 cleaned"),
        ("phone 89161234567", "phone +7 9** ***-**-67"),
        ("call +7(916)123-45-67.", "call +7 9** ***-**-67."),
        ("foreign +44 20 7946 0958", "foreign +44 ********58"),
        ("mail ivan.petrov@example.com ok", "mail i***@example.com ok"),
        ("task=acf3dd2a-f11b-11f1-a86f-02fc00000001 item=134 1622650986", None),
        ("2026-12-06T02:29:15.737506+00:00 took 1505ms", None),
        ("amqp://guest:***@127.0.0.1:5672/%2F", None),
        # the shortest phones the shape check must still let through
        ("short foreign +1 23456789", "short foreign +1 ******89"),
        ("bracketed +1(23456789", "bracketed +1 ******89"),
        ("too short +12345678", None),
    ],
)
def test_phones_and_emails_are_masked_and_nothing_else(line: str, masked: str | None) -> None:
    assert mask_personal(line) == (masked if masked is not None else line)


def test_a_name_keeps_only_initials() -> None:
    assert mask_name("Иван  Петров") == "И*** П***"


def test_the_quick_shape_check_never_skips_a_phone() -> None:
    """Lines the shape check lets through unmasked are exactly those the phone pattern leaves alone."""
    rng = random.Random(20261207)
    alphabet = "0123456789      +-()x"
    lines = ["".join(rng.choices(alphabet, k=rng.randint(6, 24))) for _ in range(20_000)]
    changed = 0
    for line in lines:
        full = mask_phone(line)  # the phone pattern alone, without the shape check
        assert mask_personal(line) == full, line
        changed += full != line
    assert changed > 200  # the sample really holds phones (376 of 20,000), so the check is tested
