"""Log output of ``python -m tools``: warnings and errors only, DEBUG with ``--verbose``.

Without this, loguru's default sink (DEBUG, stderr) printed every library line, e.g. the
broker's "connected to …" in ``tools health``. Lines go through the same redaction as the
services' (core.logs).
"""

from __future__ import annotations

import sys
from typing import TextIO, cast

from core.logs import setup_logging


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the moment (click's test runner swaps it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure(verbose: bool) -> None:
    stream = cast(TextIO, _CurrentStderr())
    setup_logging("tools", fmt="text", level="DEBUG" if verbose else "WARNING", stream=stream)
