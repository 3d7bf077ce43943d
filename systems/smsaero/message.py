"""What to send: the number and the text of one task, from properties, templates or variables.

Number: the extension property ``sms.number`` (a template, e.g. ``{{ customer.phone }}``), else
the variable ``variables.number``. Text: the property ``sms.text`` (a template), else the
option ``text_template``, else the variable ``variables.text``. A number is sent as digits
only (``+7 (999) 000-00-00`` and ``8 999 000 00 00`` become ``79990000000``); an unusable one
is an incident that never quotes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.actions.context import TaskContext
from core.errors import PermanentError
from core.templates import PROSE, Scope, render
from systems.smsaero.settings import SmsAeroSettings

NUMBER_PROPERTY = "sms.number"
TEXT_PROPERTY = "sms.text"
MAX_TEXT = 1_000  # well above the API's own limit; a runaway template is stopped here


@dataclass(frozen=True)
class Sms:
    number: str
    text: str


def sms_of(ctx: TaskContext, settings: SmsAeroSettings) -> Sms:
    scope = Scope(ctx.variables, ctx.properties, activity=ctx.activity_label, style=PROSE)
    return Sms(_number(ctx, settings, scope), _text(ctx, settings, scope))


def _number(ctx: TaskContext, settings: SmsAeroSettings, scope: Scope) -> str:
    template = ctx.properties.get(NUMBER_PROPERTY)
    if template:
        raw = render(template, scope, f"property {NUMBER_PROPERTY}")
        origin = f"property {NUMBER_PROPERTY}"
    else:
        name = settings.variables.number
        raw = scope.text(name, f"variable {name}")
        origin = f"variable {name!r}"
    return normalise_number(raw, origin, ctx.activity_label)


def _text(ctx: TaskContext, settings: SmsAeroSettings, scope: Scope) -> str:
    template = ctx.properties.get(TEXT_PROPERTY)
    if template:
        text = render(template, scope, f"property {TEXT_PROPERTY}")
    elif settings.text_template:
        text = render(settings.text_template, scope, "options.text_template")
    else:
        name = settings.variables.text
        text = scope.text(name, f"variable {name}")
    text = text.strip()
    if not text or len(text) > MAX_TEXT:
        raise PermanentError(
            f"the SMS text for activity {ctx.activity_label} is {'empty' if not text else 'too long'} "
            f"({len(text)} characters)"
        )
    return text


def normalise_number(raw: str, origin: str, activity: str) -> str:
    """Digits only, with a Russian ``8…`` trunk prefix turned into ``7…``."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 11 and digits.startswith("8"):
        digits = "7" + digits[1:]
    elif len(digits) == 10 and digits.startswith("9"):
        digits = "7" + digits
    if not 11 <= len(digits) <= 15 or re.search(r"[A-Za-z]", raw):
        # Never the value: it is personal data, and masking a malformed number is unreliable.
        raise PermanentError(f"{origin} of activity {activity} is not a phone number ({len(digits)} digits)")
    return digits
