"""Samples memory and CPU of the measured processes every half second, on a background thread.

Peak RSS comes from the samples; CPU seconds over any window are read from the cumulative
CPU series. The machine's total busy time is sampled too, so a run disturbed by someone
else's work on the shared machine can be recognised.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psutil

INTERVAL_S = 0.5
MB = 1024 * 1024


@dataclass
class Series:
    """One process: (time, cumulative CPU seconds) and (time, RSS bytes) samples."""

    cpu: list[tuple[float, float]] = field(default_factory=list)
    rss: list[tuple[float, float]] = field(default_factory=list)

    @property
    def peak_rss_mb(self) -> float:
        return max((value for _, value in self.rss), default=0.0) / MB


class Sampler:
    def __init__(self, pids: dict[str, int], interval_s: float = INTERVAL_S) -> None:
        self._processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.series: dict[str, Series] = {name: Series() for name in pids}
        self.machine = Series()  # cpu: busy seconds of all cores; rss unused
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def add(self, name: str, pid: int) -> None:
        """Watch one more process (a worker started after the sampler)."""
        self._processes[name] = psutil.Process(pid)
        self.series[name] = Series()

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and take a last sample (before the processes are ended)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.sample()

    def sample(self) -> None:
        now = time.time()
        for name, process in list(self._processes.items()):
            try:
                with process.oneshot():
                    cpu = process.cpu_times()
                    rss = process.memory_info().rss
            except psutil.Error:
                continue  # it exited; its last sample stands
            self.series[name].cpu.append((now, cpu.user + cpu.system))
            self.series[name].rss.append((now, float(rss)))
        total = psutil.cpu_times()
        self.machine.cpu.append((now, total.user + total.system + getattr(total, "softirq", 0.0)))


def listening_pid(port: int) -> int | None:
    """The process listening on local TCP ``port`` (the engine, the broker), if it can be seen."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.Error:
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
            return int(conn.pid)
    return None
