"""Personal data in logs: phone numbers and e-mail addresses masked in every line, names on request.

Every log line passes :func:`mask_personal` (after secret redaction), so a value a system or a
handler logs by accident is masked anyway. Names cannot be told from other words by shape,
so code that logs a name passes it through :func:`mask_name`.
"""

from __future__ import annotations

import re

# A Russian-style number (+7 / 8 and ten digits, any usual separators), or any +country number;
# never part of a longer token, so ids, UUIDs and timestamps are left alone.
_PHONE = re.compile(
    r"(?<![\w+-])(?:\+7|8|7)[\s(-]*(\d)(\d{2})[\s)-]*(\d{3})[\s-]*(\d{2})[\s-]*(\d{2})(?![\w-])"
    r"|(?<![\w+])\+(\d{1,3})[\s(-]*(\d[\d\s()-]{6,14}\d)(?![\w-])"
)
# Every phone above spans at least nine characters of digits and separators, first and last a
# digit; lines without such a run (most: short ids, durations) skip the costlier pattern.
_PHONE_SHAPE = re.compile(r"\d[\d\s()-]{7,}\d")
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")


def mask_personal(text: str) -> str:
    """Mask phone numbers (``+7 9** ***-**-67``) and e-mail addresses (``i***@example.com``)."""
    if "@" in text:
        text = _EMAIL.sub(r"\1***@\2", text)
    if _PHONE_SHAPE.search(text):
        text = _PHONE.sub(_masked_phone, text)
    return text


def mask_phone(value: str) -> str:
    return _PHONE.sub(_masked_phone, value)


def mask_name(value: str) -> str:
    """``Иван Петров`` → ``И*** П***``: enough to tell lines apart, not enough to identify."""
    return " ".join(f"{word[0]}***" for word in value.split() if word)


def _masked_phone(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return f"+7 {match.group(1)}** ***-**-{match.group(5)}"
    digits = re.sub(r"\D", "", match.group(7))
    return f"+{match.group(6)} {'*' * max(len(digits) - 2, 1)}{digits[-2:]}"
