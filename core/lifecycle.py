"""Process lifecycle: signals, stop event, exit codes shared by every service.

The first SIGTERM/SIGINT asks for an orderly stop (stop intake, finish in-flight work,
close connections last); a second one exits at once with ``EXIT_FORCED``.
"""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

from loguru import logger

EXIT_OK = 0
EXIT_ERROR = 1  # crashed: an unexpected error stopped the service
EXIT_CONFIG = 2  # configuration is invalid; fix it before restarting
EXIT_FORCED = 3  # a second signal cut the orderly shutdown short
EXIT_UNHEALTHY = 1  # --check: the heartbeat is missing or stale


def install_stop_handlers(stop: threading.Event) -> None:
    """Route SIGTERM and SIGINT to ``stop``; a repeated signal forces an immediate exit."""

    def handle(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            logger.warning("{} again: exiting now without finishing in-flight work", name)
            os._exit(EXIT_FORCED)
        logger.info("{} received: stopping intake and finishing in-flight work", name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
