"""The shared publisher: every caller's messages go out in groups, and each caller gets its own outcome."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.errors import BrokerUnavailable, PublishError, PublishUnroutable
from core.transport.base import OutgoingMessage
from core.transport.serial import SerialPublisher
from tests.support.waiting import wait_for


def message(message_id: str) -> OutgoingMessage:
    return OutgoingMessage("", "python.sent.queue", b"{}", message_id)


class Inner:
    """The one real publisher behind it: records each group; the first call can be held."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()
        self.closed = False

    def publish_many(self, items: Sequence[OutgoingMessage]) -> list[PublishError | None]:
        ids = [item.message_id for item in items]
        if any(i.startswith("bad") for i in ids):
            raise TypeError("header values must be str, ...")  # refused before sending anything
        if any(i.startswith("down") for i in ids):
            raise BrokerUnavailable("connection refused")
        self.entered.set()
        assert self.hold.wait(10)
        self.groups.append(ids)
        return [PublishUnroutable(f"{i} unroutable") if i.startswith("lost") else None for i in ids]

    def close(self) -> None:
        self.closed = True


def test_callers_waiting_behind_a_group_go_out_together_and_get_their_own_results() -> None:
    inner = Inner()
    shared = SerialPublisher(lambda: inner)
    inner.hold.clear()
    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(shared.publish_many, [message("m0")])
        assert inner.entered.wait(10)  # the first group is on its way; the next callers queue up
        later = [pool.submit(shared.publish_many, [message(f"m{n}"), message(f"lost{n}")]) for n in (1, 2, 3)]
        wait_for(lambda: queued(shared) == 3, timeout=10, what="three callers queued behind the group")
        inner.hold.set()
        results = [first.result(10), *(f.result(10) for f in later)]
    shared.close()

    assert inner.groups[0] == ["m0"]
    assert sorted(inner.groups[1]) == sorted(["m1", "lost1", "m2", "lost2", "m3", "lost3"])
    assert results[0] == [None]
    for caller in results[1:]:
        assert caller[0] is None and isinstance(caller[1], PublishUnroutable)
    assert (shared.groups, shared.messages) == (2, 7)
    assert inner.closed


def queued(shared: SerialPublisher) -> int:
    """Requests waiting for the publisher thread (the test looks inside to order its callers)."""
    return shared._requests.qsize()


def test_a_message_refused_before_sending_fails_only_its_own_caller() -> None:
    inner = Inner()
    shared = SerialPublisher(lambda: inner)
    inner.hold.clear()
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(shared.publish_many, [message("m0")])
        assert inner.entered.wait(10)
        good = pool.submit(shared.publish_many, [message("m1")])
        bad = pool.submit(shared.publish_many, [message("bad1")])
        wait_for(lambda: queued(shared) == 2, timeout=10, what="two callers queued behind the group")
        inner.hold.set()
        assert first.result(10) == [None] and good.result(10) == [None]
        with pytest.raises(TypeError):
            bad.result(10)
    shared.close()


def test_a_broker_that_is_down_reaches_every_caller_and_a_closed_publisher_refuses() -> None:
    shared = SerialPublisher(Inner)
    with pytest.raises(BrokerUnavailable, match="refused"):
        shared.publish_many([message("down1")])
    shared.close()

    with pytest.raises(BrokerUnavailable, match="closed"):
        shared.publish_many([message("m1")])


def test_callers_racing_a_close_are_answered_or_refused_never_left_waiting() -> None:
    inner = Inner()
    shared = SerialPublisher(lambda: inner)

    def publish(n: int) -> str:
        try:
            shared.publish_many([message(f"m{n}")])
        except BrokerUnavailable:
            return "refused"
        return "sent"

    with ThreadPoolExecutor(8) as pool:
        outcomes = [pool.submit(publish, n) for n in range(200)]
        shared.close()
        answered = [f.result(10) for f in outcomes]  # a caller left waiting would time out here

    assert set(answered) <= {"sent", "refused"}
    assert answered.count("sent") == sum(len(group) for group in inner.groups)
