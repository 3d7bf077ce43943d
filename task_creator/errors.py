"""The task_creator exception tree (rooted in the kernel's).

    ExchangerError                      (core.errors)
    └── CreatorError
        ├── DuplicateTopicError         two handlers claim one topic (start-up)
        ├── UnknownTopicError           no handler for a message's topic (to the error queue)
        └── SystemLoadError             a system package or handler module cannot be loaded

Handlers raise the kernel's ``RetryableError`` / ``PermanentError`` / ``BusinessError``.
"""

from __future__ import annotations

from core.errors import ConfigError, ExchangerError


class CreatorError(ExchangerError):
    """Root of task_creator's own errors."""


class DuplicateTopicError(CreatorError, ConfigError):
    """Two handlers registered for the same topic."""


class UnknownTopicError(CreatorError):
    """A message arrived for a topic no handler serves."""


class SystemLoadError(CreatorError, ConfigError):
    """A system package or a configured handler module could not be imported."""
