"""The benchmark's defaults for its child processes (see ``tools.launcher``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tools import launcher

#: Short: a scenario ends when nothing of its topic is left, so what a child would still finish
#: is only the worker's idle long poll (up to 30 s), which held every suite scenario 10 s here.
STOP_TIMEOUT_S = 3.0
#: Variables of the caller that must not leak into a measured program's configuration.
FOREIGN_PREFIXES = (*launcher.FOREIGN_PREFIXES, "LEDGER_")


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return launcher.child_env(extra=extra, foreign=FOREIGN_PREFIXES)


def stop(children: Iterable[launcher.Child], timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM every child, wait for them together, then kill what is left.

    The measurement is over by now: a worker still in its long poll is not waited for. The
    engine answers that orphaned poll later with nothing: the scenario's topic is its own.
    """
    launcher.stop_all(children, timeout)
