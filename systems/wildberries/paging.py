"""Paging the statistics API by ``lastChangeDate``, resumable and without duplicates.

WB answers rows changed *at or after* ``dateFrom``, ordered by ``lastChangeDate``, capped per
answer; the next ``dateFrom`` is the last row's ``lastChangeDate``. So the rows that share the
boundary time come again on the next page: they are dropped by id (``srid`` for orders,
``saleID`` for sales), as is any row already stored by this run (one changed again while the
pull went on keeps its first version here; the next pull brings the change). The cursor
remembers the boundary ids, so a resumed run drops them too. The cursor is stored with every chunk
(``writer.append(..., cursor=...)``), so an interrupted pull resumes from the last page stored.

The pull ends at ``[]``, at a page that brings nothing new and does not move the cursor (only
the boundary rows again: against "at or after" that is how the last page looks), or at the
first row changed after the period (``until``); rows from there on are left out.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from systems.wildberries.errors import WildberriesProtocolError
from systems.wildberries.periods import MOSCOW

Row = dict[str, Any]


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts, and the ids already stored that changed exactly then."""

    date_from: str
    seen: tuple[str, ...] = ()

    def encode(self) -> str:
        return json.dumps({"dateFrom": self.date_from, "seen": list(self.seen)}, ensure_ascii=False)

    @classmethod
    def decode(cls, text: str | None, start: str) -> Cursor:
        """The stored cursor, or the start of the pull when nothing is stored."""
        if not text:
            return cls(start)
        value = json.loads(text)
        return cls(str(value["dateFrom"]), tuple(str(item) for item in value.get("seen", [])))


@dataclass(frozen=True)
class Page:
    fresh: list[Row]  # rows to store
    next: Cursor
    finished: bool
    dropped: int = field(default=0)  # boundary rows seen before


def changed_at(row: Row, what: str) -> datetime:
    """A row's ``lastChangeDate`` as naive Moscow time."""
    try:
        moment = datetime.fromisoformat(str(row["lastChangeDate"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        raise WildberriesProtocolError(f"Wildberries {what}: a row has no readable lastChangeDate") from None
    return moment.astimezone(MOSCOW).replace(tzinfo=None) if moment.tzinfo else moment


def next_page(
    rows: Sequence[Row], cursor: Cursor, key: str, until: datetime | None, what: str, known: set[str]
) -> Page:
    """What one answer adds, where the next request starts, and whether the pull is over.

    ``known``: the ids stored so far in this run (and the cursor's); the fresh ones are added.
    """
    if not rows:
        return Page([], cursor, finished=True)
    seen = known
    seen.update(cursor.seen)
    fresh: list[Row] = []
    reached_end = False
    for row in rows:
        if until is not None and changed_at(row, what) >= until:
            reached_end = True
            break
        row_id = row.get(key)
        if row_id is None:
            raise WildberriesProtocolError(f"Wildberries {what}: a row has no {key}")
        if str(row_id) in seen:
            continue
        seen.add(str(row_id))
        fresh.append(row)
    last = str(rows[-1]["lastChangeDate"])
    boundary = [str(row[key]) for row in fresh if str(row["lastChangeDate"]) == last]
    if last == cursor.date_from:
        boundary = [*cursor.seen, *boundary]
    dropped = len(rows) - len(fresh)
    # Nothing new and no step forward: only the boundary rows came again. (Nothing new but a
    # later boundary can happen when rows stored earlier changed again: paging goes on.)
    finished = reached_end or (not fresh and last == cursor.date_from)
    return Page(fresh, Cursor(last, tuple(dict.fromkeys(boundary))), finished, dropped)
