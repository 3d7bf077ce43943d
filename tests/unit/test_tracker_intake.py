"""Result intake: a result is acked once the engine took it; bad ones go to the error queue."""

from __future__ import annotations

import base64
import json
import time
from types import SimpleNamespace

import pytest

from core.contracts import CompleteOutcome, ResultMessage, TaskRef
from core.errors import CamundaRequestError, CamundaUnavailable, ContractError, PublishNacked
from core.transport import ERRORS_QUEUE, RESPONSES_QUEUE, MemoryBroker, Topology
from task_tracker import intake as intake_module
from task_tracker.intake import ResultIntake
from tests.unit.fakes import ScriptedPublisher, Settled, StepEvent, delivery

RESULT = ResultMessage(
    external_task_id="t-1", outcome=CompleteOutcome(), system="python", task=TaskRef(worker_id="worker-A")
)


class FlakySettler:
    """Raises the scripted errors, then settles."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.attempts: list[ResultMessage] = []

    def settle(self, result: ResultMessage) -> str:
        self.attempts.append(result)
        if self.errors:
            raise self.errors.pop(0)
        return "completed"


class Rig:
    def __init__(
        self, settler: FlakySettler, stop: StepEvent | None = None, publisher: object = None
    ) -> None:
        self.broker = MemoryBroker()
        self.broker.declare(Topology.for_systems(["python"]))
        self.settler = settler
        self.stop = stop or StepEvent()
        self.intake = ResultIntake(settler, publisher or self.broker.publisher(), self.stop)  # type: ignore[arg-type]

    def deliver(self, body: bytes) -> Settled:
        item, settled = delivery(body, queue=RESPONSES_QUEUE, message_id="m-1")
        self.intake.process(item)
        return settled

    def errors(self) -> list[dict[str, object]]:
        return [json.loads(body) for body in self.broker.bodies(ERRORS_QUEUE)]


def between(value: float | None, low: float, high: float) -> bool:
    return value is not None and low <= value <= high


def test_a_settled_result_is_acked() -> None:
    rig = Rig(FlakySettler())

    settled = rig.deliver(RESULT.to_json())

    assert settled.how == ["ack"]
    assert [r.external_task_id for r in rig.settler.attempts] == ["t-1"]
    assert rig.stop.waits == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json at all", "invalid ResultMessage"),
        (json.dumps({"external_task_id": "t-1", "outcome": {"kind": "shrug"}}).encode(), "outcome"),
    ],
    ids=["not-json", "unknown-outcome"],
)
def test_an_invalid_message_goes_to_the_error_queue_and_is_acked(body: bytes, reason: str) -> None:
    # Given a message that is not a valid result
    rig = Rig(FlakySettler())

    # When it is delivered
    settled = rig.deliver(body)

    # Then an error envelope keeps the reason and the original bytes, and the delivery is acked
    (envelope,) = rig.errors()
    assert reason in str(envelope["reason"])
    assert base64.b64decode(str(envelope["original_base64"])) == body
    assert envelope["source_queue"] == RESPONSES_QUEUE
    assert envelope["component"] == "task_tracker"
    assert settled.how == ["ack"]
    assert rig.settler.attempts == []


def test_a_result_the_settler_refuses_as_a_contract_error_goes_to_the_error_queue() -> None:
    rig = Rig(FlakySettler(ContractError("task t-1 is unknown here and the message names no worker_id")))

    settled = rig.deliver(RESULT.to_json())

    (envelope,) = rig.errors()
    assert "names no worker_id" in str(envelope["reason"])
    assert settled.how == ["ack"]


def test_an_unavailable_engine_is_retried_with_growing_pauses_until_it_settles() -> None:
    # Given an engine that is unreachable for two attempts
    down = CamundaUnavailable("connection refused")
    rig = Rig(FlakySettler(down, down))

    # When a result arrives
    settled = rig.deliver(RESULT.to_json())

    # Then it was tried three times with growing pauses (0.5 s then 1 s steps, jittered), then acked
    assert len(rig.settler.attempts) == 3
    first, second = rig.stop.waits
    assert between(first, 0.25, 0.5) and between(second, 0.5, 1.0)
    assert settled.how == ["ack"]


def test_a_stop_while_the_engine_is_away_requeues_the_message() -> None:
    # Given an engine that stays away, and a stop that comes during the first pause
    down = CamundaUnavailable("connection refused")
    rig = Rig(FlakySettler(down, down, down), stop=StepEvent(stop_after_waits=1))

    # When a result arrives
    settled = rig.deliver(RESULT.to_json())

    # Then after one more try it is given back to the queue, not acked
    assert settled.how == ["nack-requeue"]
    assert len(rig.settler.attempts) == 2
    assert rig.errors() == []


def test_an_error_queue_that_cannot_be_written_requeues_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(
        intake_module, "time", SimpleNamespace(sleep=pauses.append, perf_counter=time.perf_counter)
    )
    rig = Rig(FlakySettler(), publisher=ScriptedPublisher([PublishNacked("nacked")]))

    settled = rig.deliver(b"garbage")

    assert settled.how == ["nack-requeue"]
    assert pauses == [1.0]


def test_an_engine_that_keeps_refusing_is_tried_a_bounded_number_of_times_then_error_queued() -> None:
    # Given an engine that answers every try with HTTP 500
    refusal = CamundaRequestError(500, "ProcessEngineException", "could not resume the instance")
    rig = Rig(FlakySettler(*[refusal] * 10))

    # When a result arrives
    settled = rig.deliver(RESULT.to_json())

    # Then it stops after MAX_REFUSALS tries, parks the message in the error queue and acks it
    assert len(rig.settler.attempts) == intake_module.MAX_REFUSALS
    (envelope,) = rig.errors()
    assert "refused 5 times" in str(envelope["reason"]) and "could not resume" in str(envelope["reason"])
    assert settled.how == ["ack"]


def test_a_refusal_that_passes_settles_normally() -> None:
    refusal = CamundaRequestError(500, "OptimisticLockingException", "concurrent update")
    rig = Rig(FlakySettler(refusal))

    settled = rig.deliver(RESULT.to_json())

    assert len(rig.settler.attempts) == 2 and settled.how == ["ack"] and rig.errors() == []
