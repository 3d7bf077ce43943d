"""How a fullstats pull is cut into calls: ≤ 50 campaigns × ≤ 31 days each, every chunk with a
key that depends only on its ids and days, so a re-delivered task finds what it stored."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from systems.wildberries.periods import MAX_DAYS, Period

MAX_IDS = 50  # fullstats and adverts: at most 50 campaigns per request


@dataclass(frozen=True)
class Chunk:
    ids: tuple[int, ...]
    period: Period

    @property
    def key(self) -> str:
        """``2026-01-01..2026-01-31 ids 3f2a…(50)``: readable, and the same on every run."""
        digest = hashlib.sha256(",".join(map(str, self.ids)).encode()).hexdigest()[:16]
        return f"{self.period} ids {digest} ({len(self.ids)})"


def id_chunks(ids: Iterable[int], size: int = MAX_IDS) -> list[tuple[int, ...]]:
    """Distinct ids, sorted, in groups of at most ``size``."""
    ordered = sorted(set(ids))
    return [tuple(ordered[start : start + size]) for start in range(0, len(ordered), size)]


def fullstats_plan(ids: Sequence[int], period: Period) -> list[Chunk]:
    """Oldest days first, then campaigns in id order."""
    return [Chunk(group, part) for part in period.chunks(MAX_DAYS) for group in id_chunks(ids)]
