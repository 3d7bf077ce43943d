"""The fault book every sandbox keeps: faults switched on through its control API, each with a count.

A sandbox's ``Fault`` is a dataclass that starts with :class:`CountedFault`'s fields (``kind``,
``count``: null = until cleared), adds its own target (method, endpoint, selector) and
``delay_s``, and says in ``hits`` which requests it aims at. Per request, :meth:`FaultBook.take`
adds up the delays of the ``slow`` faults and picks the first failing one; each is used once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar


class Switchable(Protocol):
    """What the book needs of a fault (a dataclass)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]
    kind: str
    delay_s: float

    def applies(self, target: str, now: float) -> bool: ...

    def live(self, now: float) -> bool: ...

    def consume(self) -> None: ...


F = TypeVar("F", bound=Switchable)


@dataclass
class CountedFault:
    """The first fields of every fault: its kind and how many more requests it hits."""

    kind: str
    count: int | None = 1

    def live(self, now: float) -> bool:
        """Whether the fault is still in force (uses left)."""
        return self.count is None or self.count > 0

    def hits(self, target: str) -> bool:
        """Whether the fault aims at requests for ``target`` (every one, unless a sandbox narrows it)."""
        return True

    def applies(self, target: str, now: float) -> bool:
        """Whether the fault hits a request for ``target`` now."""
        return self.live(now) and self.hits(target)

    def consume(self) -> None:
        """One use of a counted fault."""
        if self.count is not None:
            self.count -= 1


def kind_of(spec: dict[str, Any], kinds: tuple[str, ...] | dict[str, Any]) -> str:
    """The ``kind`` of a control-API fault request; ValueError when it is not one of ``kinds``."""
    kind = str(spec.get("kind", ""))
    if kind not in kinds:
        raise ValueError(f"kind must be one of {', '.join(kinds)}")
    return kind


def count_of(spec: dict[str, Any]) -> int | None:
    """The ``count`` of a control-API fault request: 1 when absent, null = until cleared."""
    count = spec.get("count", 1)
    return None if count is None else int(count)


class FaultBook(Generic[F]):
    """The faults in force, in the order they were switched on.

    ``list_spent``: the listing also shows faults without uses left (until the next request).
    """

    def __init__(self, *, list_spent: bool = False) -> None:
        self._faults: list[F] = []
        self._lock = threading.Lock()
        self._list_spent = list_spent

    def add(self, fault: F) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def listing(self, now: float | None = None) -> list[dict[str, Any]]:
        """The faults in force, as JSON."""
        moment = time.time() if now is None else now
        with self._lock:
            return [asdict(f) for f in self._faults if self._list_spent or f.live(moment)]

    def take(self, target: str, now: float | None = None) -> tuple[float, F | None]:
        """For one request: the total delay of ``slow`` faults and the first failing fault."""
        moment = time.time() if now is None else now
        delay, failure = 0.0, None
        with self._lock:
            for fault in self._faults:
                if not fault.applies(target, moment) or (failure is not None and fault.kind != "slow"):
                    continue
                fault.consume()
                if fault.kind == "slow":
                    delay += fault.delay_s
                else:
                    failure = fault
            self._faults = [f for f in self._faults if f.live(moment)]
        return delay, failure

    def in_force(self, kind: str, target: str, now: float | None = None) -> F | None:
        """The first fault of ``kind`` that hits ``target`` now, without using it."""
        moment = time.time() if now is None else now
        with self._lock:
            return next((f for f in self._faults if f.kind == kind and f.applies(target, moment)), None)
