"""Where a profiled process's CPU goes, by library and by thread (``--profile`` summaries).

Each sample's innermost frame that belongs to a known library decides its library; frames of
ours that call no library count as "ours". The thread is told by the loop at the stack's root.
The tables in docs/performance.md are these shares.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

#: (label, fragments) in the order a frame is tested; the first match names it.
Labels = tuple[tuple[str, tuple[str, ...]], ...]

#: The libraries of our processes, by path fragment.
LIBRARIES: Labels = (
    (
        "engine HTTP (core/camunda with libcurl; urllib3, requests)",
        ("urllib3/", "http/client.py", "requests/", "core/camunda/"),
    ),
    (
        "logging (loguru, redaction, masking)",
        ("loguru/", "core/logs.py", "core/redact.py", "core/privacy.py"),
    ),
    ("ledger (sqlite3, psycopg)", ("core/ledger/", "sqlite3", "psycopg")),
    ("broker (pika, core/transport)", ("pika/", "core/transport/")),
    ("contracts (pydantic)", ("pydantic", "core/contracts/")),
    ("json", ("json/",)),
)
OURS = "ours (no library below)"

#: (label, a frame on the stack that marks the thread), first match wins.
THREADS: tuple[tuple[str, str], ...] = (
    ("consumer thread (deliveries, acks)", "Consumer._run"),
    ("publisher thread (grouped publishes, confirms)", "SerialPublisher._run"),
    ("handler pool", "_WorkItem.run"),
    ("fetch loop", "FetchLoop.run"),
)
OTHER_THREADS = "other threads"
#: Start-up imports are not the steady-state cost; their stacks are left out.
_IMPORT_MARK = "_find_and_load"


def stacks(lines: Iterable[str]) -> Iterator[tuple[str, int]]:
    """(stack, samples) from py-spy's raw collapsed lines; start-up imports left out."""
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if stack and _IMPORT_MARK not in stack:
            yield stack, int(count)


def shares(lines: Iterable[str]) -> tuple[Counter[str], Counter[str], int]:
    """Samples per library, samples per thread, and the total, from py-spy's raw collapsed lines."""
    libraries: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for stack, samples in stacks(lines):
        total += samples
        frames = stack.split(";")
        libraries[_library(frames)] += samples
        threads[next((label for label, mark in THREADS if mark in stack), OTHER_THREADS)] += samples
    return libraries, threads, total


def _library(frames: list[str]) -> str:
    return innermost(reversed(frames), LIBRARIES, OURS)


def innermost(frames: Iterable[str], labels: Labels, default: str) -> str:
    """The label of the first frame (give them innermost first) that holds one of its fragments."""
    for frame in frames:
        for label, fragments in labels:
            if any(fragment in frame for fragment in fragments):
                return label
    return default


def render(lines: Iterable[str]) -> str:
    libraries, threads, total = shares(lines)
    if not total:
        return ""
    rows = ["by library (innermost library frame):"]
    rows += [f"{100 * n / total:5.1f}%  {label}" for label, n in libraries.most_common()]
    rows += ["by thread:"]
    rows += [f"{100 * n / total:5.1f}%  {label}" for label, n in threads.most_common()]
    return "\n".join(rows) + "\n"
