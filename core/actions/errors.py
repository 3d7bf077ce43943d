"""The exception tree of the handler API (rooted in the kernel's).

    ExchangerError                      (core.errors)
    └── ActionError
        ├── DuplicateTopicError         two handlers claim one topic (start-up)
        ├── UnknownTopicError           no handler for a message's topic (to the error queue)
        └── SystemLoadError             a system or a handler module cannot be loaded

Handlers raise the kernel's ``RetryableError`` / ``PermanentError`` / ``BusinessError``.
"""

from __future__ import annotations

from core.errors import ConfigError, ExchangerError


class ActionError(ExchangerError):
    """Root of the handler API's own errors."""


class DuplicateTopicError(ActionError, ConfigError):
    """Two handlers registered for the same topic."""


class UnknownTopicError(ActionError):
    """A message arrived for a topic no handler serves."""


class SystemLoadError(ActionError, ConfigError):
    """A system is not registered, or a configured handler module could not be loaded."""
