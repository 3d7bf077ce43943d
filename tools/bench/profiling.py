"""Optional CPU profiles of the suite's processes with py-spy (``--profile``).

py-spy is not a dependency: install it into the venv when you want profiles
(``.venv/bin/pip install py-spy``). Samples are taken only while a thread holds the GIL
(``--gil``), so the profile shows where Python spends CPU, not where threads wait; py-spy
reads the process without pausing it (``--nonblocking``), so it disturbs the timing less. Each
process gets the raw collapsed stacks and a short text summary of the heaviest frames.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from tools.bench.profile_shares import render, stacks
from tools.launcher import Child

RATE_HZ = 100
_FRAME = re.compile(r"(?P<func>.*?) \((?P<file>.*?):\d+\)$")


def py_spy() -> str | None:
    """The py-spy executable next to this interpreter, or on PATH."""
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.is_file() else shutil.which("py-spy")


class Profiler:
    def __init__(self, executable: str, folder: Path) -> None:
        self._executable = executable
        self._folder = folder
        self._recorders: list[tuple[Path, subprocess.Popen[bytes]]] = []

    def attach(self, children: Iterable[Child]) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        for child in children:
            out = self._folder / f"{child.name}.collapsed"
            command = [self._executable, "record", "--gil", "--nonblocking", "-r", str(RATE_HZ)]
            command += ["-f", "raw", "-o", str(out)]
            recorder = subprocess.Popen(
                [*command, "--pid", str(child.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            self._recorders.append((out, recorder))

    def finish(self) -> None:
        """Wait for the recorders (they end with their process) and write the summaries."""
        for out, recorder in self._recorders:
            try:
                recorder.wait(timeout=30)
            except subprocess.TimeoutExpired:
                recorder.kill()
            if out.is_file():
                lines = out.read_text().splitlines()
                summary = render(lines) + "\n" + summarize(lines)
                out.with_suffix(".txt").write_text(summary, encoding="utf-8")


def summarize(lines: Iterable[str], top: int = 40) -> str:
    """Share of samples under each frame (cumulative), heaviest first; imports left out."""
    under: Counter[str] = Counter()
    total = 0
    for stack, samples in stacks(lines):
        total += samples
        for frame in set(map(_short, stack.split(";"))):
            under[frame] += samples
    rows = [f"{total} samples at {RATE_HZ} Hz while holding the GIL (imports left out)"]
    rows += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in under.most_common(top)] if total else []
    return "\n".join(rows) + "\n"


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    file = match.group("file")
    file = file.split("site-packages/")[-1] if "site-packages/" in file else file.split("/main/")[-1]
    return f"{match.group('func')}  [{file}]"
