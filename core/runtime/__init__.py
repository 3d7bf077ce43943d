"""The shared service runtime: every service is a small composition over :class:`ServiceRuntime`."""

from core.runtime.loops import run_every
from core.runtime.service import ServiceRuntime

__all__ = ["ServiceRuntime", "run_every"]
