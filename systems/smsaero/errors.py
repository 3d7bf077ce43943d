"""SMS Aero errors, all inside the core tree so the creator and tracker know what to do.

RetryableError (core)          429, 5xx, every gate unreachable, an unreadable answer
PermanentError (core)
└── SmsAeroRefused             ``success: false``: final, never retried (an incident)
    ├── SmsAeroNoCredits       the account has no money left
    └── SmsAeroAuthFailed      401/403: the e-mail or API key is wrong
"""

from __future__ import annotations

from core.errors import PermanentError


class SmsAeroRefused(PermanentError):
    """SMS Aero answered ``success: false`` (bad number, text, sign…): sending again will not help."""


class SmsAeroNoCredits(SmsAeroRefused):
    """The account's balance does not cover the SMS."""


class SmsAeroAuthFailed(SmsAeroRefused):
    """HTTP Basic auth was refused."""
